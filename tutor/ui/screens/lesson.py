"""A lesson in the UI: its prose and its code's output, cell by cell; each run it sets up
(a :class:`tutor.Session`) becomes the interactive stepper on ``s``."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Markdown, Static

from ...lesson import Cell, cells, run_cell
from ...session import Session
from .stepper import StepperScreen

__all__ = ["LessonScreen"]


class LessonScreen(Screen):
    """Runs the lesson's code cells in a worker and shows each cell as it is done."""

    BINDINGS = [
        Binding("s", "step", "step through the run"),
        Binding("escape", "app.pop_screen", "home"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.sessions: list[Session] = []
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="lesson"):
            yield LoadingIndicator(id="lesson-loading")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.path.stem.replace("_", " ")
        self.run_lesson()

    @work(thread=True, exclusive=True)
    def run_lesson(self) -> None:
        namespace: dict = {"__name__": "__lesson__", "__file__": str(self.path)}
        for cell in cells(self.path):
            if cell.kind == "markdown":
                self.app.call_from_thread(self.show, cell, None, False)
                continue
            try:
                output, failed = run_cell(cell, namespace), False
            except Exception as error:  # a broken cell is shown; the rest of the UI goes on
                output, failed = f"{type(error).__name__}: {error}", True
            new = [v for v in namespace.values() if isinstance(v, Session)
                   and all(v is not s for s in self.sessions)]
            self.sessions.extend(new)
            self.app.call_from_thread(self.show, cell, output, failed, bool(new))
            if failed:
                break
        self.app.call_from_thread(self.done)

    def show(self, cell: Cell, output: str | None, failed: bool, stepper: bool = False) -> None:
        box = self.query_one("#lesson", VerticalScroll)
        loading = self.query_one("#lesson-loading")
        if cell.kind == "markdown":
            box.mount(Markdown(cell.source, classes="prose"), before=loading)
            return
        if output and output.strip():
            widget = Static(output.rstrip(), classes="output" + (" failed" if failed else ""),
                            markup=False)
            box.mount(widget, before=loading)
        if stepper:
            box.mount(Static("▶ press s to step through this run yourself", classes="hint"),
                      before=loading)

    def done(self) -> None:
        self.query_one("#lesson-loading").display = False
        self.finished = True

    def action_step(self) -> None:
        if not self.sessions:
            self.notify("this lesson has not set up a run to step through (yet)")
            return
        session = self.sessions[-1]
        session.reset()
        self.app.push_screen(StepperScreen(self.sub_title, lambda: session))
