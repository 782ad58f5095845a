"""Home: the playground's models to pick from, a learning rate, or a typed formula."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..presets import PRESETS, formula_session
from .stepper import StepperScreen

__all__ = ["HomeScreen", "lessons"]

LESSONS = Path(__file__).resolve().parents[3] / "lessons"


def lessons() -> list[Path]:
    """The lesson scripts in lessons/, in the slides' order."""
    return sorted(LESSONS.glob("[0-9][0-9]_*.py")) if LESSONS.is_dir() else []


class HomeScreen(Screen):
    BINDINGS = [Binding("f", "focus_formula", "formula"), Binding("g", "focus_rate", "γ")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            with Vertical(id="choices"):
                yield Label("[b]Playground[/b]: pick a model and press enter")
                yield OptionList(*[Option(f"[b]{p.title}[/b]\n  {p.description}", id=p.key)
                                   for p in PRESETS], id="presets")
                found = lessons()
                if found:
                    yield Label("[b]Lessons[/b]")
                    yield OptionList(*[Option(path.stem.replace("_", " "), id=path.stem)
                                       for path in found], id="lessons")
            with Vertical(id="settings"):
                yield Label("learning rate γ (blank: the model's own)")
                yield Input(placeholder="e.g. 0.1", id="rate")
                yield Label("or type a formula, with its parameters")
                yield Input(placeholder="alpha + x", id="formula")
                yield Input(placeholder="alpha=2", id="params")
                yield Static("Formulas are read by tutor's own parser: numbers, names, + − × ÷ ^, "
                             "( ), exp, log, sqrt, abs, tanh, max and the activation names.",
                             classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#presets", OptionList).focus()

    def _rate(self, default: float) -> float | None:
        text = self.query_one("#rate", Input).value.strip()
        if not text:
            return default
        try:
            rate = float(text)
        except ValueError:
            rate = -1.0
        if not rate > 0 or rate == float("inf"):
            self.notify(f"γ must be a positive number, not {text!r}", severity="error")
            return None
        return rate

    @on(OptionList.OptionSelected, "#presets")
    def open_preset(self, event: OptionList.OptionSelected) -> None:
        preset = next(p for p in PRESETS if p.key == event.option.id)
        rate = self._rate(preset.learning_rate)
        if rate is not None:
            self.app.push_screen(StepperScreen(preset.title, lambda: preset.build(rate)))

    @on(Input.Submitted, "#formula, #params")
    def open_formula(self) -> None:
        text = self.query_one("#formula", Input).value.strip()
        params = self.query_one("#params", Input).value.strip()
        rate = self._rate(0.1)
        if not text or rate is None:
            self.notify("type a formula such as alpha + x, and its parameters such as alpha=2",
                        severity="warning")
            return
        self.app.push_screen(StepperScreen(f"ŷ = {text}",
                                           lambda: formula_session(text, params, rate)))

    def action_focus_formula(self) -> None:
        self.query_one("#formula", Input).focus()

    def action_focus_rate(self) -> None:
        self.query_one("#rate", Input).focus()
