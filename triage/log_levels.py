"""The service's log levels: uvicorn's (its ``LOG_LEVELS``), for the setting and ``serve --log-level`` alike.

Apart from ``triage.settings`` (pydantic-settings) so that ``triage serve``'s help and options can
name them without loading it: every ``triage`` process imports the ``serve`` command.
"""

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
