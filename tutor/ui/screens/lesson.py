"""A lesson in the UI: its prose and its code's output, cell by cell; each run it sets up
(a :class:`tutor.Session`) becomes the interactive stepper on ``s``.

A cell that raises is shown where it stopped: the exception, the cell's code with the failing
lines marked, and the traceback through the lesson's own lines (with where, outside the lesson,
the error was raised). The cells after it do not run; the rest of the UI goes on as before.
"""

from __future__ import annotations

import io
import traceback
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Markdown, Static
from textual.worker import get_current_worker

from ...lesson import Cell, cells, run_cell
from ...session import Session
from ..widgets.too_small import TooSmall
from .stepper import StepperScreen

__all__ = ["LessonScreen", "error_report"]

CELL_LINES_SHOWN = 12  # a longer failing cell is shown around the line that failed


def _first_lines(lines: list[str], found: list[Cell]) -> dict[int, int]:
    """Where each code cell's code starts in the file (1-based), by the line of its ``# %%``:
    the cell's text drops the blank lines after the header."""
    starts = {}
    for cell in found:
        number = cell.line  # the header's line; the code starts after it
        while number < len(lines) and lines[number] == "":
            number += 1
        starts[cell.line] = number + 1
    return starts


def error_report(path: Path, cell: Cell, error: BaseException, starts: dict[int, int],
                 lines: list[str]) -> str:
    """The exception, the cell with the lines that failed marked, and the lesson's traceback."""

    def in_file(filename: str | None, lineno: int | None) -> int | None:
        """A line of a cell (compiled as "lesson:<header line>") as a line of the lesson file."""
        if not filename or not filename.startswith("lesson:") or not lineno:
            return None
        try:
            return starts[int(filename.partition(":")[2])] + lineno - 1
        except (KeyError, ValueError):
            return None

    def code(number: int) -> str:
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    frames = traceback.extract_tb(error.__traceback__)
    ours = [(number, frame.name) for frame in frames
            if (number := in_file(frame.filename, frame.lineno)) is not None]
    if isinstance(error, SyntaxError) and (number := in_file(error.filename, error.lineno)):
        ours.append((number, "the cell"))
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    if isinstance(error, SyntaxError):  # its own text points at a made-up file name
        message = f"SyntaxError: {error.msg}"
    first = starts.get(cell.line, cell.line + 1)
    last = first + len(cell.source.splitlines()) - 1
    span = f"line {first}" if first == last else f"lines {first}–{last}"
    out = [f"✗ {message}", "", f"in the cell at {span} of {path.name}:"]
    marked = {number for number, _ in ours}
    inside = [n for n in marked if first <= n <= last] or [last]
    low = max(first, min(inside) - CELL_LINES_SHOWN // 2)
    high = min(last, max(low + CELL_LINES_SHOWN - 1, max(inside)))
    if low > first:
        out.append("        …")
    for number in range(low, high + 1):
        text = lines[number - 1].rstrip() if number <= len(lines) else ""
        out.append(f"  {'→' if number in marked else ' '} {number:>4}  {text}")
    if high < last:
        out.append("        …")
    if ours:
        out += ["", "traceback (the lesson's lines, the failing one last):"]
        for number, name in ours:
            where = "the cell" if name == "<module>" else name
            out.append(f"  line {number}, in {where}: {code(number)}")
        if (frames and not isinstance(error, SyntaxError)
                and in_file(frames[-1].filename, frames[-1].lineno) is None):
            inner = frames[-1]
            shown = Path(inner.filename)
            shown = "/".join(shown.parts[-2:]) if len(shown.parts) > 1 else inner.filename
            out.append(f"  raised in {inner.name} ({shown}, line {inner.lineno})")
    out += ["", "The cells after this one did not run. escape goes back; the rest of tutor "
                "works as before."]
    return "\n".join(out)


class LessonScreen(Screen):
    """Runs the lesson's code cells in a worker and shows each cell as it is done."""

    BINDINGS = [
        Binding("s", "step", "step through the run"),
        Binding("escape", "app.pop_screen", "home"),
    ]

    @dataclass
    class CellDone(Message):
        """The worker ran (or reached) one cell: what to show for it."""

        cell: Cell
        output: str | None
        error: str = ""
        stepper: bool = False

    class Finished(Message):
        """The worker has run every cell, or stopped at a failing one."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.sessions: list[Session] = []
        self.finished = False
        self.failed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with VerticalScroll(id="lesson"):
            yield LoadingIndicator(id="lesson-loading")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.path.stem.replace("_", " ")
        self.run_lesson()

    @work(thread=True, exclusive=True)
    def run_lesson(self) -> None:
        """Run the cells in turn; the results come back as messages, dropped if the learner has
        left the lesson, and the lesson stops at the next cell once they have."""
        worker = get_current_worker()
        namespace: dict = {"__name__": "__lesson__", "__file__": str(self.path)}
        try:
            text = self.path.read_text(encoding="utf-8")
            found = cells(self.path)
        except (OSError, UnicodeDecodeError) as error:
            self.post_message(self.CellDone(Cell("code", "", 0), None,
                                            f"✗ cannot read this lesson: {error}"))
            self.post_message(self.Finished())
            return
        lines = text.splitlines()
        starts = _first_lines(lines, found)
        for cell in found:
            if worker.is_cancelled:
                return
            if cell.kind == "markdown":
                self.post_message(self.CellDone(cell, None))
                continue
            printed, report = io.StringIO(), ""
            try:
                run_cell(cell, namespace, out=printed)
            except (Exception, SystemExit) as error:  # a broken cell is shown; the UI goes on
                report = error_report(self.path, cell, error, starts, lines)
            new = [v for v in list(namespace.values()) if isinstance(v, Session)
                   and all(v is not s for s in self.sessions)]
            self.sessions.extend(new)
            self.post_message(self.CellDone(cell, printed.getvalue(), report, bool(new)))
            if report:
                break
        self.post_message(self.Finished())

    @property
    def is_open(self) -> bool:
        """Still on the screen stack, so its widgets are there to add to."""
        return self.is_attached and self in self.app.screen_stack

    @on(CellDone)
    def show(self, message: CellDone) -> None:
        if not self.is_open:
            return
        cell = message.cell
        box = self.query_one("#lesson", VerticalScroll)
        loading = self.query_one("#lesson-loading")
        if cell.kind == "markdown":
            box.mount(Markdown(cell.source, classes="prose"), before=loading)
            return
        output = message.output
        if output and output.strip():
            box.mount(Static(output.rstrip(), classes="output", markup=False), before=loading)
        if message.error:
            self.failed = True
            box.mount(Static(message.error, classes="output failed", id="lesson-error",
                             markup=False), before=loading)
            self.sub_title = f"{self.path.stem.replace('_', ' ')}: stopped by an error"
        if message.stepper:
            box.mount(Static("▶ press s to step through this run yourself", classes="hint"),
                      before=loading)

    @on(Finished)
    def done(self) -> None:
        if not self.is_open:
            return
        self.query_one("#lesson-loading").display = False
        self.finished = True

    def action_step(self) -> None:
        if not self.sessions:
            self.notify("this lesson has not set up a run to step through (yet)")
            return
        if not self.finished:  # its cells may still be using the run
            self.notify("the lesson is still running: press s again once it has finished")
            return
        session = self.sessions[-1]
        session.reset()
        self.app.push_screen(StepperScreen(self.sub_title, lambda: session))

