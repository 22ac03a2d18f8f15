"""`triage serve`: run the clinic service (API, staff pages, device gateway) with uvicorn."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `triage serve` to the root application."""

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: str | None = typer.Option(
            None, "--host", help="Address to bind (default: service.host, 127.0.0.1)."
        ),
        port: int | None = typer.Option(
            None, "--port", min=1, max=65535, help="Port to bind (default: service.port, 8000)."
        ),
        log_level: str = typer.Option(
            "warning", "--log-level", help="uvicorn log level: debug, info, warning, error."
        ),
    ) -> None:
        """Run the clinic service until Ctrl-C. On first run, open the page to create the administrator."""
        from triage.service import create_app
        from triage.service.server import ClinicServer, check_port_free

        settings = ctx.obj.settings
        bind_host = host or settings.service.host
        bind_port = port or settings.service.port
        check_port_free(bind_host, bind_port)
        application = create_app(settings)
        typer.echo(
            f"clinic service on http://{bind_host}:{bind_port}/ (API docs: /docs); Ctrl-C stops", err=True
        )
        ClinicServer(application, bind_host, bind_port, log_level).run()
