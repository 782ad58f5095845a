"""Home: ready-made models to step through, or one built from a form (model, data, activation,
loss, learning rate, or a typed formula)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...lesson import LESSONS
from ..presets import PRESETS
from ..widgets.too_small import TooSmall

MODELS = [("the slides' ŷ = α + x", "slides"), ("linear regression", "linear"),
          ("logistic regression", "logistic"), ("a neuron", "neuron"), ("a network", "mlp"),
          ("my formula (below)", "formula")]
DATA = [("the slides' one sample", "slides"), ("linear (simulated)", "linear"),
        ("logistic (simulated)", "logistic"), ("two moons", "moons"), ("circles", "circles"),
        ("a function on an interval", "function"), ("a CSV file (path below)", "csv")]
OUTPUTS = [("identity (regression)", "identity"), ("logistic (two classes)", "logistic"),
           ("softmax (several classes)", "softmax")]
LOSSES = [("squared error", "squared_error"), ("cross-entropy", "cross_entropy")]
# the activation table's names (tests check they match tutor.ACTIVATIONS); written out so the
# home screen draws before SymPy has loaded
ACTIVATION_NAMES = ("logistic", "tanh", "relu", "identity", "softplus")

__all__ = ["HomeScreen", "lessons"]

def lessons() -> list[Path]:
    """The lesson scripts in lessons/, in the slides' order."""
    return sorted(LESSONS.glob("[0-9][0-9]_*.py")) if LESSONS.is_dir() else []


class HomeScreen(Screen):
    BINDINGS = [Binding("f", "focus_formula", "formula"), Binding("g", "focus_rate", "γ"),
                Binding("m", "focus_model", "build")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
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
            with VerticalScroll(id="settings"):
                yield Label("[b]Or build your own[/b]")
                yield Select(MODELS, value="mlp", allow_blank=False, id="model")
                yield Input(placeholder="hidden widths, e.g. 16,16", id="hidden")
                yield Select(DATA, value="moons", allow_blank=False, id="data")
                yield Input(placeholder="CSV: file.csv,target column", id="csv")
                yield Select([(name, name) for name in ACTIVATION_NAMES], value="tanh",
                             allow_blank=False, id="activation")
                yield Select(OUTPUTS, value="logistic", allow_blank=False, id="output")
                yield Select(LOSSES, value="cross_entropy", allow_blank=False, id="loss")
                yield Input(placeholder="learning rate γ, e.g. 0.1", id="rate")
                yield Input(placeholder="formula, e.g. alpha + x", id="formula")
                yield Input(placeholder="parameters, e.g. alpha=2", id="params")
                yield Button("step through it", id="open", variant="primary")
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
            self.notify(f"the learning rate γ must be a positive number such as 0.1, not {text!r}",
                        severity="error", markup=False)
            return None
        return rate

    @on(OptionList.OptionSelected, "#lessons")
    def open_lesson(self, event: OptionList.OptionSelected) -> None:
        from .lesson import LessonScreen

        self.app.push_screen(LessonScreen(LESSONS / f"{event.option.id}.py"))

    @on(OptionList.OptionSelected, "#presets")
    def open_preset(self, event: OptionList.OptionSelected) -> None:
        from .stepper import StepperScreen

        preset = next(p for p in PRESETS if p.key == event.option.id)
        rate = self._rate(preset.learning_rate)
        if rate is not None:
            self.app.push_screen(StepperScreen(preset.title, lambda: preset.build(rate)))

    DEFAULTS = {  # model → sensible data, activation, output, loss
        "slides": ("slides", "identity", "identity", "squared_error"),
        "linear": ("linear", "identity", "identity", "squared_error"),
        "logistic": ("logistic", "logistic", "logistic", "cross_entropy"),
        "neuron": ("function", "tanh", "identity", "squared_error"),
        "mlp": ("moons", "tanh", "logistic", "cross_entropy"),
        "formula": ("slides", "identity", "identity", "squared_error"),
    }

    @on(Select.Changed, "#model")
    def model_chosen(self, event: Select.Changed) -> None:
        data, activation, output, loss = self.DEFAULTS[str(event.value)]
        for selector, value in (("#data", data), ("#activation", activation),
                                ("#output", output), ("#loss", loss)):
            self.query_one(selector, Select).value = value

    @on(Input.Changed, "#formula")
    def formula_typed(self, event: Input.Changed) -> None:
        if event.value.strip() and self._value("#model") != "formula":
            self.query_one("#model", Select).value = "formula"

    def _value(self, selector: str) -> str:
        widget = self.query_one(selector)
        return str(widget.value).strip() if widget.value is not Select.BLANK else ""

    @on(Button.Pressed, "#open")
    @on(Input.Submitted, "#formula, #params, #hidden, #csv, #rate")
    def open_custom(self) -> None:
        rate = self._rate(0.1)
        if rate is None:
            return
        model, data = self._value("#model"), self._value("#data")
        target = ""
        if data == "csv":
            path, _, target = self._value("#csv").partition(",")
            data = path.strip()
            if not data:
                self.notify("type the CSV file's path (and its target column after a comma)",
                            severity="warning")
                return
        if model == "formula" and not (self._value("#formula") and self._value("#params")):
            self.notify("type a formula such as alpha + x, and its parameters such as alpha=2",
                        severity="warning")
            return
        settings = dict(model=model, hidden=self._value("#hidden"), data=data,
                        target=target.strip(), activation=self._value("#activation"),
                        output=self._value("#output") if model == "mlp" else "",
                        loss=self._value("#loss") if model in ("mlp", "neuron") else "",
                        formula=self._value("#formula"), params=self._value("#params"), rate=rate)
        from ..presets import custom_session
        from .stepper import StepperScreen

        title = f"ŷ = {settings['formula']}" if model == "formula" else dict(
            (v, k) for k, v in MODELS)[model]
        self.app.push_screen(StepperScreen(title, lambda: custom_session(**settings)))

    def action_focus_formula(self) -> None:
        self.query_one("#formula", Input).focus()

    def action_focus_model(self) -> None:
        self.query_one("#model", Select).focus()

    def action_focus_rate(self) -> None:
        self.query_one("#rate", Input).focus()
