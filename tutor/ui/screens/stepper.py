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

from ...descent import Divergence
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
    """Steps through gradient descent for a session built by ``build`` (in a worker).

    The actions change the session and set the reactives from it (``t``, ``running``,
    ``diverged``); the status line, the explanation, the table and the plots follow through
    their watchers.
    """

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

    t: reactive[int] = reactive(0, init=False, always_update=True)
    """The step reached. Set after every change to the run, even to the same t: a new γ, batch
    size or θ₀ rewinds to t = 0 from wherever it was, t = 0 included."""
    running: reactive[bool] = reactive(False, init=False)
    """Running to convergence (the ``converge`` worker), until it ends or c is pressed again."""
    diverged: reactive[Divergence | None] = reactive(None, init=False)
    """Where the run blew up, or None."""

    def __init__(self, title: str, build: Callable[[], Session]) -> None:
        super().__init__()
        self.title_text, self.build = title, build
        self.session: Session | None = None

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
        self.query_one("#loading").display = False
        if message.session is None:
            self.query_one("#explain", Static).update(
                Content.assemble(("could not build this model:", "bold"), "\n", message.error))
            return
        session = self.session = message.session
        self.query_one("#iterations", DataTable).add_columns(
            "t", "loss", *[f"∂c/∂{n}" for n in session.names[:3]], *session.names[:3])
        if session.X.shape[1] != 2:
            self.query_one("#plots", TabbedContent).hide_tab("tab-boundary")
        self.refresh_view()

    def refresh_view(self) -> None:
        """Set the reactives from the session, after an action (or a lesson or a test) has
        changed it: the view follows."""
        if self.session is not None:
            self.diverged = self.session.diverged
            self.t = self.session.t

    # -- actions: change the session, then set the reactives from it --------------------------
    @property
    def idle(self) -> bool:
        """Built and not running: the keys that move the run may act."""
        return self.session is not None and not self.running

    def action_forward(self) -> None:
        if self.idle:
            self.session.forward()
            self.refresh_view()

    def action_back(self) -> None:
        if self.idle:
            self.session.back()
            self.refresh_view()

    def action_reset(self) -> None:
        if self.idle:
            self.session.reset()
            self.refresh_view()

    def action_converge(self) -> None:
        if self.session is not None:
            self.running = not self.running  # its watcher starts the run; False stops it

    def watch_running(self, running: bool) -> None:
        if running:
            self.converge()
        self._show_state()

    @work(exclusive=True, group="run")
    async def converge(self) -> None:
        """Run until the gradient vanishes or the iterates blow up, drawing as it goes."""
        session = self.session
        try:
            for i in range(MAX_RUN):
                if (not self.running or not self.is_open or session.diverged
                        or session.converged()):
                    break
                session.forward()
                if i % 5 == 0 or session.diverged:
                    self.refresh_view()
                    await asyncio.sleep(0.02)
        finally:
            self.running = False
        # not in the finally: a run cancelled because the screen closed has nothing to draw on
        self.refresh_view()

    def _change(self, change: Callable[[], None]) -> None:
        """A change to the run's settings (it rewinds to θ₀); a refused one is a message."""
        try:
            change()
        except ValueError as error:
            self.notify(in_our_words(error), severity="error", timeout=6, markup=False)
        self.refresh_view()

    def _ask(self, question: str, value: str, then: Callable[[str], None]) -> None:
        def answered(text: str | None) -> None:
            if text is not None and self.idle:
                self._change(lambda: then(text.strip()))

        self.app.push_screen(Prompt(question, value), answered)

    def action_learning_rate(self) -> None:
        if self.idle:
            self._ask("learning rate γ (the run rewinds to the same θ₀):",
                      f"{self.session.learning_rate:g}", self.session.set_learning_rate)

    def action_faster(self) -> None:
        self._scale_rate(2)

    def action_slower(self) -> None:
        self._scale_rate(0.5)

    def _scale_rate(self, factor: float) -> None:
        if self.idle:  # doubled past the largest float, or halved to nothing: a message
            rate = self.session.learning_rate * factor
            self._change(lambda: self.session.set_learning_rate(rate))

    def action_parameter(self) -> None:
        if self.idle:
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
        if self.idle:
            current = "" if self.session.batch_size is None else str(self.session.batch_size)
            self._ask(f"mini-batch size for SGD, 1 to {len(self.session.X)} (empty: plain "
                      "gradient descent on all the data):", current,
                      lambda text: self.session.set_batch_size(text or None))

    def action_derivation(self) -> None:
        if self.session is None:
            return
        from .derivation import DerivationScreen

        s = self.session
        self.app.push_screen(DerivationScreen(s.model, s.theta.copy(), s.X, s.Y, kernel=s.kernel))

    # -- the view: what the reactives' watchers draw --------------------------------------------
    @property
    def is_open(self) -> bool:
        """Still on the screen stack (perhaps under a dialog), so its widgets are there."""
        return self.is_attached and self in self.app.screen_stack

    def watch_t(self, t: int) -> None:
        if self.session is None or not self.is_open:  # a run ending after the learner left
            return
        self._rows(t)
        self._show_state()
        self._draw()

    def watch_diverged(self) -> None:
        if self.session is not None and self.is_open:
            self.query_one("#status").set_class(self.diverged is not None, "diverged")
            self._show_state()

    def _rows(self, t: int) -> None:
        """The table holds one row per step up to t."""
        table, history = self.query_one("#iterations", DataTable), self.session.history
        extra = table.row_count - t
        if extra > 20:  # far back (or a new run): start the table again
            table.clear()
        elif extra > 0:  # stepped back: drop the last rows rather than redraw thousands
            for row in range(t, table.row_count):
                table.remove_row(str(row))
        for row, step in enumerate(history[table.row_count:t], start=table.row_count):
            table.add_row(str(step.t), number(step.loss), *[number(g) for g in step.grad[:3]],
                          *[number(v) for v in step.theta[:3]], key=str(row))
        if t:
            table.move_cursor(row=t - 1)

    def _show_state(self) -> None:
        """The status line and the explanation, for the step reached and the run's state."""
        if self.session is None or not self.is_open:
            return
        self.query_one("#explain", Static).update(self._explanation())
        self.query_one("#status", Static).update(self._status())

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
        elif self.running:
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
