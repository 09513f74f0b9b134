"""How long work reports its progress to a front end, without the core importing one."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the stages of a long operation; the CLI draws them, tests ignore them."""

    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage starts; total is its number of steps when known."""

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""


class Silent:
    """Progress that goes nowhere."""

    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


SILENT = Silent()
