"""The root ``triage`` group, whose sub-commands are imported when they are used.

Importing every command module at start (the device gateway, the service, the study's fitting, the
reports) cost each ``triage ...`` process about half a second, ``triage assess`` included. Here the
root group knows its commands' names and, for each, a function that adds it to a Typer application;
a command's module is imported, and its click command built, only when that command is looked up:
run, asked for its ``--help``, or listed (``triage --help`` lists them all, so it imports them all).
Usage errors (an unknown command and its "Did you mean" suggestion) need the names only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from types import ModuleType
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

#: Adds one command (or group of commands) to a Typer application, importing its module.
Adder = Callable[[typer.Typer], None]


def import_module(name: str) -> ModuleType:
    """The module ``name``, imported as an import statement does: unlike importlib.import_module's,
    this import shows in ``python -X importtime``'s report."""
    return __import__(name, fromlist=["_"])


def command(module: str) -> Adder:
    """The command that ``module``'s ``register(app)`` adds."""
    return lambda app: import_module(module).register(app)


def group(module: str, name: str) -> Adder:
    """``module``'s Typer application ``app``, as the group ``name``."""
    return lambda app: app.add_typer(import_module(module).app, name=name)


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in the order given: a command is built on first lookup."""

    def __init__(
        self, built: MutableMapping[str, Any], names: list[str], build: Callable[[str], Any]
    ) -> None:
        self._built = dict(built)
        self._names = [*names, *(name for name in built if name not in names)]
        self._build = build

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._names  # a name only: building it is not needed to know it

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class LazyGroup(TyperGroup):
    """A Typer group whose commands are :attr:`adders`' (a subclass sets them), built when needed.

    Each command is added once per process to an application of its own, which :meth:`finish`
    completes (help examples, say); the click command is built from it for each root group, as
    typer builds every command again for each root group."""

    adders: ClassVar[dict[str, Adder]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands, list(self.adders), self._build)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: typer's own built every command to list the names

    @staticmethod
    def finish(app: typer.Typer) -> None:
        """Complete an application once its one command is added (nothing here)."""

    @classmethod
    def _build(cls, name: str) -> Any:
        try:
            registered = _REGISTERED.get((cls, name))
            if registered is None:
                registered = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
                cls.adders[name](registered)
                cls.finish(registered)
                _REGISTERED[(cls, name)] = registered
            return typer.main.get_group(registered).commands[name]
        except KeyboardInterrupt as interrupted:
            # Ctrl-C while the command is still being imported is a Ctrl-C at start ("aborted", exit
            # 130: triage/__main__.py); typer's own ended with 130 and said nothing
            raise typer.Abort() from interrupted


#: Each group class's commands, added once per process (:meth:`LazyGroup._build`).
_REGISTERED: dict[tuple[type[LazyGroup], str], typer.Typer] = {}
