"""The stepper: one key press, one iteration of gradient descent, with every number explained."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    LoadingIndicator,
    Static,
    TabbedContent,
    TabPane,
)

from ...notation import number
from ...session import Session
from ..compat import DismissOnce, HeaderSafeTable
from ..form import in_our_words
from ..widgets.plots import Boundary, LossCurve, Parabola
from ..widgets.too_small import TooSmall

__all__ = ["StepperScreen", "Prompt"]

MAX_RUN = 5000  # updates in one "run to convergence"


class Prompt(DismissOnce, ModalScreen[str | None]):
    """Ask for one line of text: a learning rate, a parameter value, a batch size."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question, markup=False)
            yield Input(value=self.value, id="answer")
            yield Label("enter to accept, escape to cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StepperScreen(Screen):
    """Steps through gradient descent for a session built by ``build`` (in a worker)."""

    BINDINGS = [
        Binding("space,n,right", "forward", "step"),
        Binding("b,left", "back", "back"),
        Binding("r", "reset", "reset"),
        Binding("c", "converge", "run/stop"),
        Binding("l", "learning_rate", "γ"),
        Binding("plus,equals_sign", "faster", "γ×2", show=False),
        Binding("minus", "slower", "γ÷2", show=False),
        Binding("p", "parameter", "set θ"),
        Binding("s", "sgd", "SGD"),
        Binding("d", "derivation", "derive"),
        Binding("escape", "app.pop_screen", "home"),
    ]

    t: reactive[int] = reactive(0)

    def __init__(self, title: str, build: Callable[[], Session]) -> None:
        super().__init__()
        self.title_text, self.build = title, build
        self.session: Session | None = None
        self._converging = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        yield Static(self.title_text, id="status", markup=False)
        with Horizontal(id="top"):
            with VerticalScroll(id="explain-box"):
                yield LoadingIndicator(id="loading")
                yield Static("", id="explain")
            with TabbedContent(id="plots"):
                with TabPane("loss", id="tab-loss"):
                    yield LossCurve(id="loss-plot")
                with TabPane("parabola", id="tab-parabola"):
                    yield Parabola(id="parabola-plot")
                with TabPane("boundary", id="tab-boundary"):
                    yield Boundary(id="boundary-plot")
        yield HeaderSafeTable(id="iterations", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.prepare()

    @dataclass
    class Built(Message):
        """The build worker finished: a session, or why there is none."""

        session: Session | None
        error: str = ""

    @work(thread=True, exclusive=True, group="build")
    def prepare(self) -> None:
        """Deriving and compiling can take a moment: off the UI thread. The result comes back
        as a message, which is dropped if the learner has left the screen in the meantime."""
        try:
            message = self.Built(self.build())
        except Exception as error:  # shown to the learner, never a crash
            message = self.Built(None, in_our_words(error))
        self.post_message(message)

    @on(Built)
    def _built(self, message: Built) -> None:
        if not self.is_open:
            return
        if message.session is None:
            self.failed(message.error)
        else:
            self.ready(message.session)

    def failed(self, message: str) -> None:
        self.query_one("#loading").display = False
        self.query_one("#explain", Static).update(
            Content.assemble(("could not build this model:", "bold"), "\n", message))

    def ready(self, session: Session) -> None:
        self.session = session
        self.query_one("#loading").display = False
        table = self.query_one("#iterations", DataTable)
        table.add_columns("t", "loss", *[f"∂c/∂{n}" for n in session.names[:3]],
                          *[n for n in session.names[:3]])
        if session.X.shape[1] != 2:
            self.query_one("#plots", TabbedContent).hide_tab("tab-boundary")
        self.refresh_view()

    # -- actions ----------------------------------------------------------------------------
    def action_forward(self) -> None:
        if self.session is None or self._converging:
            return
        self.session.forward()
        self.refresh_view()

    def action_back(self) -> None:
        if self.session and not self._converging:
            self.session.back()
            self.refresh_view()

    def action_reset(self) -> None:
        if self.session and not self._converging:
            self.session.reset()
            self.refresh_view(rebuild=True)

    def action_converge(self) -> None:
        if self.session is None:
            return
        if self._converging:
            self._converging = False
        else:
            self._converging = True
            self.converge()

    @work(exclusive=True, group="run")
    async def converge(self) -> None:
        """Run until the gradient vanishes or the iterates blow up, drawing as it goes."""
        session = self.session
        try:
            for i in range(MAX_RUN):
                if (not self._converging or not self.is_open or session.diverged
                        or session.converged()):
                    break
                session.forward()
                if i % 5 == 0 or session.diverged:
                    self.refresh_view()
                    await asyncio.sleep(0.02)
        finally:
            self._converging = False
        # not in the finally: a run cancelled because the screen closed has nothing to draw on
        self.refresh_view()

    def _ask(self, question: str, value: str, then: Callable[[str], None]) -> None:
        def answered(text: str | None) -> None:
            if text is None or self.session is None:
                return
            try:
                then(text.strip())
            except ValueError as error:
                self.notify(in_our_words(error), severity="error", timeout=6, markup=False)
            self.refresh_view(rebuild=True)

        self.app.push_screen(Prompt(question, value), answered)

    def action_learning_rate(self) -> None:
        if self.session:
            self._ask("learning rate γ (the run rewinds to the same θ₀):",
                      f"{self.session.learning_rate:g}",
                      self.session.set_learning_rate)

    def action_faster(self) -> None:
        self._scale_rate(2)

    def action_slower(self) -> None:
        self._scale_rate(0.5)

    def _scale_rate(self, factor: float) -> None:
        if self.session and not self._converging:
            try:  # doubled past the largest float, or halved to nothing
                self.session.set_learning_rate(self.session.learning_rate * factor)
            except ValueError as error:
                self.notify(in_our_words(error), severity="error", timeout=6, markup=False)
            self.refresh_view(rebuild=True)

    def action_parameter(self) -> None:
        if self.session:
            first = self.session.names[0]
            self._ask(f"type a parameter value, as name=value (e.g. {first}=2); the run starts "
                      "from there:", f"{first}={number(self.session.theta[0])}".replace("−", "-"),
                      self._set_parameter)

    def _set_parameter(self, text: str) -> None:
        name, equals, value = text.partition("=")
        if not equals:
            raise ValueError(f"type name=value, such as {self.session.names[0]}=2, not {text!r}")
        self.session.set_parameter(name.strip(), value)

    def action_sgd(self) -> None:
        if self.session:
            current = "" if self.session.batch_size is None else str(self.session.batch_size)
            self._ask(f"mini-batch size for SGD, 1 to {len(self.session.X)} (empty: plain "
                      "gradient descent on all the data):", current, self._set_batch)

    def _set_batch(self, text: str) -> None:
        self.session.set_batch_size(text or None)  # the session reads and checks the text

    def action_derivation(self) -> None:
        if self.session is None:
            return
        from .derivation import DerivationScreen

        s = self.session
        self.app.push_screen(DerivationScreen(s.model, s.theta.copy(), s.X, s.Y, kernel=s.kernel))

    # -- the view -----------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Still on the screen stack (perhaps under a dialog), so its widgets are there."""
        return self.is_attached and self in self.app.screen_stack

    def refresh_view(self, rebuild: bool = False) -> None:
        session = self.session
        if session is None or not self.is_open:  # a run ending after the learner left
            return
        table = self.query_one("#iterations", DataTable)
        extra = table.row_count - session.t
        if rebuild or extra > 20:
            table.clear()
        elif extra > 0:  # stepped back: drop the last rows rather than redraw thousands
            for row in range(session.t, table.row_count):
                table.remove_row(str(row))
        for row, step in enumerate(session.history[table.row_count:], start=table.row_count):
            table.add_row(str(step.t), number(step.loss), *[number(g) for g in step.grad[:3]],
                          *[number(v) for v in step.theta[:3]], key=str(row))
        if session.t:
            table.move_cursor(row=session.t - 1)
        self.t = session.t
        self.query_one("#explain", Static).update(self._explanation())
        self.query_one("#status", Static).update(self._status())
        self.query_one("#status").set_class(session.diverged is not None, "diverged")
        self._draw()

    def _draw(self) -> None:
        session = self.session
        active = self.query_one("#plots", TabbedContent).active
        if active == "tab-loss":
            self.query_one(LossCurve).show(session)
        elif active == "tab-parabola":
            self.query_one(Parabola).show(session)
        elif active == "tab-boundary" and session.X.shape[1] == 2:
            self.query_one(Boundary).show(session)

    @on(TabbedContent.TabActivated)
    def _tab(self) -> None:
        if self.session:
            self._draw()

    def _status(self) -> str:
        s = self.session
        mode = "gradient descent" if s.batch_size is None else f"SGD, batches of {s.batch_size}"
        state = ""
        if s.diverged is not None and s.diverged.last_good is None and s.diverged.step == 1:
            state = "  [b]CANNOT START[/b] (the loss is not finite at θ₀)"
        elif s.diverged is not None:
            state = f"  [b]DIVERGED[/b] (climbing since step {s.diverged.began})"
        elif s.converged():
            state = "  converged"
        elif self._converging:
            state = "  running…"
        return (f"{escape(self.title_text)}   γ = {s.learning_rate:g}   {mode}   t = {s.t}   "
                f"backend {s.kernel.backend.name}{state}")

    def _explanation(self) -> str:
        s = self.session
        head = escape(s.model.describe())  # a typed formula: shown as typed, never as markup
        start = "θ₀: " + ", ".join(f"{n} = {number(v)}" for n, v in zip(s.names[:4], s.theta0,
                                                                     strict=False))
        if not s.history and s.diverged is None:
            return (f"{head}\n{start}\n\npress space (or n, →) to take the first step; c runs "
                    "to convergence; l changes γ; ? shows every key")
        lines = [head]
        if s.history:
            lines += ["", f"[b]step {s.t}[/b]", *map(escape, s.explain(s.history[-1]))]
        if s.diverged is not None:
            lines += ["", f"[b red]{escape(str(s.diverged))}[/b red]",
                      "The history before it is kept: b steps back, r starts again, l picks "
                      "another γ, p types another starting value."]
        return "\n".join(lines)

