"""Modal screens: the question asked before anything destructive, and the help screen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from stackmap.tui.keys import FILTER_HELP, GENERAL, SCREENS


class ConfirmScreen(ModalScreen[bool]):
    """Ask before acting: the question says what will happen, in counts. y or Enter on Yes
    goes ahead; n or Esc does nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question), id="question")
            with Horizontal(id="answers"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button("No (n, Esc)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class HelpScreen(ModalScreen[None]):
    """Every key: the screens, the general keys, this screen's own, and the filter syntax."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "close", "Close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._text(), id="help-text")

    def _text(self) -> Text:
        text = Text("Keys\n\n", style="bold")
        text.append(
            "Screens (a letter when no text field has the focus; F-keys always)\n", style="bold"
        )
        for screen in SCREENS:
            keys = screen.letter + (f" or {screen.function.upper()}" if screen.function else "")
            text.append(f"  {keys:<10} {screen.label}: {screen.about}\n")
        text.append("\nEverywhere\n", style="bold")
        for keys, what in GENERAL:
            text.append(f"  {keys:<16} {what}\n")
        own = [b for b in getattr(self.under, "BINDINGS", []) if isinstance(b, Binding)]
        if own:
            text.append("\nOn this screen\n", style="bold")
            for binding in own:
                shown = binding.key_display or binding.key.replace("escape", "Esc")
                text.append(f"  {shown:<16} {binding.description}\n")
        text.append("\n" + FILTER_HELP + "\n")
        text.append("\nEsc, F1 or ? closes this help.", style="dim")
        return text

    def action_close(self) -> None:
        self.dismiss(None)
