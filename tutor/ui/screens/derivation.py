"""The chain rule for one parameter, revealed a step at a time, next to its kernel and check.

Three tabs: "chain rule" (the steps of ``model.derivation(param)``, one more per →),
"kernel" (the generated ``kernel.source``) and "gradient check" (``tutor.gradcheck`` at the
current θ). Deriving, compiling and checking run in thread workers, so the screen stays
responsive while SymPy works on a big network.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, OptionList, Static, TabbedContent, TabPane, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...gradient_check import GradCheckReport, gradcheck
from ...notation import unicode
from ..compat import DismissOnce
from ..widgets.too_small import TooSmall

__all__ = ["DerivationScreen", "ParameterDialog"]

FULL_CHECK_LIMIT = 60  # more parameters than this: gradcheck along random directions ("fast")


def _python_highlighting() -> str | None:
    """"python" when tree-sitter and its Python grammar are installed, else plain text."""
    found = (importlib.util.find_spec("tree_sitter") is not None
             and importlib.util.find_spec("tree_sitter_python") is not None)
    return "python" if found else None


class ParameterDialog(DismissOnce, ModalScreen[str | None]):
    """Pick a parameter by name: type to filter the list, enter or click to choose."""

    DEFAULT_CSS = """
    ParameterDialog { align: center middle; }
    ParameterDialog > Vertical {
        width: 60; max-width: 90%; height: auto; max-height: 80%;
        background: $panel; border: round $accent; padding: 0 1;
    }
    ParameterDialog OptionList { height: auto; max-height: 14; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("which parameter? type to filter, enter to choose")
            yield Input(placeholder=self.current, id="filter")
            yield OptionList(*self._options(""), id="names")

    def on_mount(self) -> None:
        names = self.query_one("#names", OptionList)
        names.highlighted = self.names.index(self.current) if self.current in self.names else 0
        self.query_one("#filter", Input).focus()

    def _options(self, text: str) -> list[Option]:
        from ...notation import symbol

        wanted = text.strip().lower()
        return [Option(Content(f"{unicode(symbol(n))}   {n}"), id=n) for n in self.names
                if wanted in n.lower() or wanted in unicode(symbol(n)).lower()]

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        names = self.query_one("#names", OptionList)
        names.clear_options()
        names.add_options(self._options(event.value))
        if names.option_count:
            names.highlighted = 0

    @on(Input.Submitted, "#filter")
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text in self.names:
            self.dismiss(text)
            return
        names = self.query_one("#names", OptionList)
        if names.option_count:
            self.dismiss(names.get_option_at_index(names.highlighted or 0).id)

    @on(OptionList.OptionSelected, "#names")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DerivationScreen(Screen):
    """∂c/∂param by the chain rule, one step per keypress, with the kernel and its check."""

    DEFAULT_CSS = """
    DerivationScreen #title { height: auto; padding: 0 1; background: $panel; color: $text; }
    DerivationScreen #progress { height: 1; padding: 0 1; color: $text-muted; }
    DerivationScreen TabbedContent { height: 1fr; }
    DerivationScreen TabPane { padding: 0; }
    DerivationScreen #steps { height: 1fr; background: $surface; }
    DerivationScreen .step { padding: 0 1 0 4; margin-bottom: 1; }
    DerivationScreen .step.-latest { border-left: thick $accent; padding-left: 3; background: $boost; }
    DerivationScreen .status { height: auto; padding: 0 1; color: $text-muted; }
    DerivationScreen .status.-error { color: $error; }
    DerivationScreen .status.-pass { color: $success; text-style: bold; }
    DerivationScreen .status.-fail { color: $error; text-style: bold; }
    DerivationScreen #kernel { height: 1fr; }
    DerivationScreen #check-scroll { height: 1fr; background: $surface; overflow-x: auto; }
    DerivationScreen #check { width: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the tabs and the code view would take the arrows and the space bar
        Binding("right,space,n", "reveal", "next step", key_display="→", priority=True),
        Binding("left,b", "hide", "hide step", key_display="←", priority=True),
        Binding("a", "reveal_all", "all steps", priority=True),
        Binding("p", "choose_parameter", "parameter", priority=True),
        Binding("1", "show_tab('chain')", "chain rule", show=False, priority=True),
        Binding("2", "show_tab('kernel')", "kernel", show=False, priority=True),
        Binding("3", "show_tab('check')", "check", show=False, priority=True),
        Binding("escape,q", "go_back", "back", priority=True),
    ]

    revealed: reactive[int] = reactive(0, init=False, always_update=True)
    """How many steps of the derivation are shown."""

    @dataclass
    class Derived(Message):
        """The derivation worker finished (``error`` says why when ``derivation`` is None)."""

        param: Any
        derivation: Any = None
        error: str = ""

    @dataclass
    class Checked(Message):
        """The compile-and-check worker finished."""

        source: str | None = None
        report: GradCheckReport | None = None
        compile_error: str = ""
        check_error: str = ""

    def __init__(self, model, theta, X, Y, *, param=None, kernel=None, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """``kernel``: the one the run steps with (a session's), shown and checked as it is;
        without one the model is compiled here, on NumPy."""
        super().__init__(name=name, id=id, classes=classes)
        self.model = model
        self.theta = numpy.asarray(theta, dtype=float).ravel()
        self.X, self.Y = X, Y
        self.param = model.parameter(model.default_parameter if param is None else param)
        self.derivation = None
        self._step_widgets: list[Static] = []
        self.kernel = kernel
        self.report: GradCheckReport | None = None
        self._checked = False

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TooSmall()
        yield Static(self._title(), id="title", markup=False)
        with TabbedContent(initial="chain"):
            with TabPane("chain rule", id="chain"):
                yield Static("", id="progress", markup=False)
                yield VerticalScroll(id="steps")
            with TabPane("kernel", id="kernel-tab"):
                yield Static("compiling…", id="kernel-status", classes="status", markup=False)
                yield TextArea("", id="kernel", read_only=True, show_line_numbers=True,
                               soft_wrap=False, language=_python_highlighting())
            with TabPane("gradient check", id="check-tab"):
                yield Static("waiting for the kernel…", id="check-status", classes="status",
                             markup=False)
                with VerticalScroll(id="check-scroll"):
                    yield Static("", id="check")
        yield Footer()

    def _title(self) -> str:
        return f"{self.model.describe()}  ·  ∂c/∂{unicode(self.param)}"

    def on_mount(self) -> None:
        if not self.is_attached:  # the app quit before this screen was ready: nothing to start
            return
        self.query_one("#kernel").loading = True
        self.query_one("#check-scroll").loading = True
        self._derive()
        self._compile_and_check()

    # -- workers ----------------------------------------------------------------------------
    def _derive(self) -> None:
        self.derivation = None
        self.revealed = 0
        self.query_one("#title", Static).update(self._title())
        self.query_one("#progress", Static).update(f"deriving ∂c/∂{unicode(self.param)}…")
        self.query_one("#steps").loading = True
        self._derive_worker(self.param)

    @work(thread=True, exclusive=True, group="derive")
    def _derive_worker(self, param) -> None:
        try:
            message = self.Derived(param, self.model.derivation(param))
        except Exception as error:  # shown on the screen, never a crash
            message = self.Derived(param, error=f"cannot derive ∂c/∂{unicode(param)}: {error}")
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    @work(thread=True, exclusive=True, group="kernel")
    def _compile_and_check(self) -> None:
        kernel = self.kernel
        if kernel is None:
            try:
                kernel = self.kernel = self.model.compile()
            except Exception as error:  # e.g. ValueError("cannot compile: … F_1 …")
                self.post_message(self.Checked(compile_error=str(error)))
                return
        mode = "full" if len(self.theta) <= FULL_CHECK_LIMIT else "fast"
        try:
            report = gradcheck(kernel, self.theta, self.X, self.Y, mode=mode)
        except Exception as error:  # bad θ or data: say so in the check tab
            self.post_message(self.Checked(source=kernel.source, check_error=str(error)))
            return
        self.post_message(self.Checked(source=kernel.source, report=report))

    @on(Derived)
    async def _derived(self, message: Derived) -> None:
        if message.param != self.param:  # a parameter chosen since; its own worker follows
            return
        steps = self.query_one("#steps", VerticalScroll)
        await steps.remove_children()
        steps.loading = False
        if message.derivation is None:
            self.query_one("#progress", Static).update(Content.styled(message.error, "$error"))
            return
        widgets = [Static(self._step_content(i, step), classes="step")
                   for i, step in enumerate(message.derivation.steps, 1)]
        for widget in widgets:
            widget.display = False
        await steps.mount_all(widgets)
        if message.param != self.param:
            return
        self.derivation, self._step_widgets = message.derivation, widgets
        self.revealed = 1

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        kernel, check = self.query_one("#kernel", TextArea), self.query_one("#check-scroll")
        kernel.loading = check.loading = False
        self._checked = True
        kernel_status = self.query_one("#kernel-status", Static)
        check_status = self.query_one("#check-status", Static)
        if message.compile_error:
            kernel.display = check.display = False
            for status in (kernel_status, check_status):
                status.update(f"{message.compile_error}\n\n(the chain-rule tab still derives the "
                              "general formula)")
                status.add_class("-error")
            return
        kernel_status.update(f"the generated {self.kernel.backend.name} kernel: "
                             "loss, grad = kernel(theta, X, Y)")
        kernel.load_text(message.source or "")
        if message.report is None:
            check_status.update(f"the gradient check could not run: {message.check_error}")
            check_status.add_class("-error")
            check.display = False
            return
        report = self.report = message.report
        summary = str(report).splitlines()[-1]
        check_status.update(f"{'✓' if report.ok else '✗'} {summary}  (at the current θ)")
        check_status.set_class(report.ok, "-pass")
        check_status.set_class(not report.ok, "-fail")
        table = Content(str(report)).highlight_regex(r"\bFAIL(ED)?\b", style="bold $error")
        table = table.highlight_regex(r"\bpass(ed)?\b", style="$success")
        table = table.highlight_regex(r"\bkinks?\b", style="$warning")
        self.query_one("#check", Static).update(table)

    # -- the steps --------------------------------------------------------------------------
    @staticmethod
    def _step_content(i: int, step) -> Content:
        rule = step.rule or "which is"
        return Content.assemble((f"{i}. {rule}", "$text-muted"), "\n", (str(step), "bold"))

    def validate_revealed(self, revealed: int) -> int:
        count = len(self.derivation.steps) if self.derivation is not None else 0
        return max(0, min(revealed, count))

    def watch_revealed(self, revealed: int) -> None:
        if self.derivation is None:
            return
        count = len(self.derivation.steps)
        latest = None
        for i, step in enumerate(self._step_widgets, 1):
            step.display = i <= revealed
            step.set_class(i == revealed, "-latest")
            if i == revealed:
                latest = step
        if revealed == 0:
            text = f"{count} steps — press → to reveal the first"
        elif revealed < count:
            text = f"step {revealed} of {count} — press → to reveal the next"
        else:
            text = f"all {count} steps — ← hides the last, p picks another parameter"
        self.query_one("#progress", Static).update(text)
        if latest is not None:
            self.call_after_refresh(latest.scroll_visible, animate=False)

    @property
    def ready(self) -> bool:
        """True once the derivation is shown and the kernel compiled and checked (or refused)."""
        return self.derivation is not None and self._checked

    def visible_steps(self) -> list[str]:
        """The text of the steps now shown, in order (for tests and for copying)."""
        if self.derivation is None:
            return []
        return [f"{step.rule}   {step}" for step in self.derivation.steps[:self.revealed]]

    # -- actions ----------------------------------------------------------------------------
    def _to_chain_tab(self) -> None:
        self.query_one(TabbedContent).active = "chain"

    def action_reveal(self) -> None:
        self._to_chain_tab()
        self.revealed += 1

    def action_hide(self) -> None:
        self._to_chain_tab()
        self.revealed -= 1

    def action_reveal_all(self) -> None:
        self._to_chain_tab()
        self.revealed = len(self.derivation.steps) if self.derivation is not None else 0

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = {"chain": "chain", "kernel": "kernel-tab",
                                                "check": "check-tab"}[tab]

    def action_choose_parameter(self) -> None:
        names = [p.name for p in self.model.parameters]
        self.app.push_screen(ParameterDialog(names, self.param.name), self._parameter_chosen)

    def _parameter_chosen(self, name: str | None) -> None:
        if name is None or name == self.param.name:
            return
        self.param = self.model.parameter(name)
        self._to_chain_tab()
        self._derive()

    def action_go_back(self) -> None:
        self.app.pop_screen()
