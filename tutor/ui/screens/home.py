"""Home: ready-made models to step through, or one built from a form (model, data, activation,
loss, learning rate, or a typed formula)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

import tutor

from ...lesson import available
from ...spec import (
    ACTIVATION_NAMES,
    DATA_NAMES,
    KIND_DEFAULTS,
    LOSS_NAMES,
    MODEL_KINDS,
    OUTPUT_NAMES,
    PRESETS,
    USES,
    SpecError,
    preset,
)
from ..form import CSV, LABELS, Fields, fields_of, in_our_words, rate, specs, title
from ..widgets.too_small import TooSmall

__all__ = ["HomeScreen"]

START = preset("moons")  # the form starts from the two moons' settings
SELECTS = {"model": MODEL_KINDS, "data": (*DATA_NAMES, CSV), "activation": ACTIVATION_NAMES,
           "output": OUTPUT_NAMES, "loss": LOSS_NAMES}
# the selects a kind may leave blank: blank is the kind's default
PROMPTS = {"activation": "activation: the model's default", "output": "output: the default",
           "loss": "loss: the one the output calls for"}
INPUTS = {"hidden": "hidden widths, e.g. 16,16", "csv": "CSV: file.csv,target column",
          "rate": "learning rate γ, e.g. 0.1", "formula": "formula, e.g. alpha + x",
          "params": "parameters, e.g. alpha=2"}
ORDER = ("model", "hidden", "data", "csv", "activation", "output", "loss", "rate", "formula",
         "params")


class HomeScreen(Screen):
    BINDINGS = [Binding("f", "focus_formula", "formula"), Binding("g", "focus_rate", "γ"),
                Binding("m", "focus_model", "build")]

    def __init__(self) -> None:
        super().__init__()
        self.lessons = {path.stem: path for path in available()}
        self.kind = START.model.kind  # the kind the form was last filled for

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with Horizontal(id="home"):
            with Vertical(id="choices"):
                yield Label("[b]Playground[/b]: pick a model and press enter")
                yield OptionList(*[Option(f"[b]{p.title}[/b]\n  {p.description}", id=p.key)
                                   for p in PRESETS], id="presets")
                if self.lessons:
                    yield Label("[b]Lessons[/b]")
                    yield OptionList(*[Option(stem.replace("_", " "), id=stem)
                                       for stem in self.lessons], id="lessons")
            with VerticalScroll(id="settings"):
                yield Label("[b]Or build your own[/b]")
                yield from self._fields(fields_of(START.model, START.data))
                yield Button("step through it", id="open", variant="primary")
                yield Static("Formulas are read by tutor's own parser: numbers, names, + − × ÷ ^, "
                             "( ), exp, log, sqrt, abs, tanh, max and the activation names.",
                             classes="hint")
        yield Footer()

    def _fields(self, start: Fields) -> ComposeResult:
        """The form's widgets, in order, holding ``start``'s values; what its kind does not
        use is disabled."""
        for name in ORDER:
            value = getattr(start, name)
            if name in SELECTS:
                labels = LABELS.get(name, {})
                chosen = {"value": value} if value else {}  # none: blank, the kind's default
                yield Select([(labels.get(v, v), v) for v in SELECTS[name]],
                             prompt=PROMPTS.get(name, "Select"), allow_blank=name in PROMPTS,
                             id=name, disabled=name in PROMPTS and name not in USES[start.model],
                             **chosen)
            else:
                yield Input(value, placeholder=INPUTS[name], id=name,
                            disabled=name == "hidden" and name not in USES[start.model])

    def on_mount(self) -> None:
        self.query_one("#presets", OptionList).focus()

    def _rate(self) -> float | None | bool:
        """γ from the form (None when none is typed), or False once a bad one is said."""
        try:
            return rate(self.query_one("#rate", Input).value)
        except SpecError as error:
            self._refuse(error)
            return False

    def _refuse(self, error: SpecError) -> None:
        self.notify(in_our_words(error), severity="error", timeout=6, markup=False)

    @on(OptionList.OptionSelected, "#lessons")
    def open_lesson(self, event: OptionList.OptionSelected) -> None:
        self.app.open_lesson(self.lessons[event.option.id])

    @on(OptionList.OptionSelected, "#presets")
    def open_preset(self, event: OptionList.OptionSelected) -> None:
        chosen = self._rate()
        if chosen is not False:
            self.app.open_preset(event.option.id, chosen)

    @on(Select.Changed, "#model")
    def model_chosen(self, event: Select.Changed) -> None:
        """The kind's defaults fill the form, and what it does not use is disabled."""
        kind = str(event.value)
        if kind == self.kind:  # the select's first value, or chosen again
            return
        self.kind, defaults = kind, KIND_DEFAULTS[kind]
        self.query_one("#data", Select).value = defaults.data
        for name in PROMPTS:
            select, value = self.query_one(f"#{name}", Select), getattr(defaults, name)
            if value:
                select.value = value
            else:
                select.clear()
            select.disabled = name not in USES[kind]
        self.query_one("#hidden", Input).disabled = "hidden" not in USES[kind]

    @on(Input.Changed, "#formula")
    def formula_typed(self, event: Input.Changed) -> None:
        if event.value.strip() and self.kind != "formula":
            self.query_one("#model", Select).value = "formula"

    def fields(self) -> Fields:
        """What the form holds now."""
        values = {}
        for name in ORDER:
            widget = self.query_one(f"#{name}")
            blank = isinstance(widget, Select) and widget.is_blank()
            values[name] = "" if blank else str(widget.value).strip()
        return Fields(**values)

    @on(Button.Pressed, "#open")
    @on(Input.Submitted, "#formula, #params, #hidden, #csv, #rate")
    def open_custom(self) -> None:
        form = self.fields()
        try:  # what the specs can say at once is said here; the rest once the model is built
            model, data, run = specs(form)
        except SpecError as error:
            self._refuse(error)
            return
        from .stepper import StepperScreen

        self.app.push_screen(StepperScreen(title(form),
                                           lambda: tutor.build(model, data).session(run)))

    def action_focus_formula(self) -> None:
        self.query_one("#formula", Input).focus()

    def action_focus_model(self) -> None:
        self.query_one("#model", Select).focus()

    def action_focus_rate(self) -> None:
        self.query_one("#rate", Input).focus()
