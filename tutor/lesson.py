"""Lessons: py:percent scripts in ``lessons/`` that run in the terminal, in the UI and as notebooks.

A lesson alternates prose cells (``# %% [markdown]``, each line a comment) with code cells
(``# %%``). Jupyter and VS Code open it as a notebook. ``python lessons/07_gradient_descent.py``
runs it here: its first code cell calls :func:`begin`, which reads the file, prints each prose
cell and runs each code cell in turn, so the numbers appear between the words that explain them.
The terminal UI reads the same cells (:func:`cells`) and turns each :class:`tutor.Session` a cell
makes into the interactive stepper.

>>> text = "# %% [markdown]\\n# # A title\\n# Some *prose*.\\n\\n# %%\\nx = 1 + 1\\nprint(x)\\n"
>>> [(c.kind, c.source) for c in parse_cells(text)]
[('markdown', '# A title\\nSome *prose*.'), ('code', 'x = 1 + 1\\nprint(x)')]
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cell", "parse_cells", "cells", "begin", "run", "find", "available", "LESSONS",
           "render_markdown"]


def _lessons_folder() -> Path:
    """lessons/ in the folder tutor runs from (a clone of the project), else beside the package."""
    for folder in (Path.cwd() / "lessons", Path(__file__).resolve().parent.parent / "lessons"):
        if folder.is_dir() and any(folder.glob("[0-9][0-9]_*.py")):
            return folder
    return Path.cwd() / "lessons"


LESSONS = _lessons_folder()
_RUNNING = False  # True while run() executes a lesson, so the lesson's begin() steps aside
_HEADER = re.compile(r"^# %%(?P<rest>.*)$")


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    line: int  # where the cell starts in the file, 1-based


def parse_cells(text: str) -> list[Cell]:
    """Split py:percent text into cells; prose lines lose their leading ``# ``."""
    out: list[Cell] = []
    kind, lines, start = None, [], 1
    for number, line in enumerate(text.splitlines() + ["# %% end"], start=1):
        header = _HEADER.match(line)
        if header is None:
            lines.append(line)
            continue
        if kind is not None:
            body = "\n".join(lines).strip("\n")
            if kind == "markdown":
                body = "\n".join(re.sub(r"^# ?", "", ln) for ln in body.splitlines())
            if body.strip():
                out.append(Cell(kind, body.strip("\n"), start))
        kind = "markdown" if "[markdown]" in header["rest"] else "code"
        lines, start = [], number
    return out


def cells(path: str | Path) -> list[Cell]:
    return parse_cells(Path(path).read_text(encoding="utf-8"))


def available() -> list[Path]:
    """The lesson scripts, in the slides' order: the one place that finds them."""
    return sorted(LESSONS.glob("[0-9][0-9]_*.py")) if LESSONS.is_dir() else []


def find(name: str) -> Path:
    """A lesson by number or name: ``07``, ``7``, ``gradient_descent`` or a path."""
    path = Path(name)
    if path.suffix == ".py" and path.exists():
        return path
    found = available()
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    for lesson in found:
        number, _, title = lesson.stem.partition("_")
        if key in (lesson.stem, title) or (key.isdigit() and int(key) == int(number)):
            return lesson
    names = ", ".join(lesson.stem for lesson in found) or "none yet"
    raise ValueError(f"no lesson {name!r}; the lessons are: {names}")


def render_markdown(text: str, width: int = 88) -> str:
    """Prose for a terminal: headings underlined, paragraphs wrapped, *emphasis* marks removed."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        heading = re.match(r"^(#+)\s+(.*)", lines[0])
        if heading and len(lines) == 1:
            title = heading[2]
            out.append(f"{title}\n{('═' if len(heading[1]) == 1 else '─') * len(title)}")
            continue
        if all(re.match(r"^\s*([-*]|\d+\.)\s", ln) or ln.startswith("  ") for ln in lines):
            out.append("\n".join(_plain(ln) for ln in lines))  # a list: keep its lines
            continue
        if lines[0].startswith("    ") or lines[0].startswith("```"):
            out.append("\n".join(ln for ln in lines if not ln.startswith("```")))
            continue
        out.append(textwrap.fill(_plain(" ".join(ln.strip() for ln in lines)), width))
    return "\n\n".join(out)


def _plain(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return text.replace("`", "")


def run(path: str | Path, out=None) -> dict:
    """Run a lesson here: print each prose cell, run each code cell; return its namespace."""
    global _RUNNING
    out = out or sys.stdout
    path = Path(path)
    namespace: dict = {"__name__": "__lesson__", "__file__": str(path)}
    _RUNNING = True
    try:
        for cell in cells(path):
            if cell.kind == "markdown":
                out.write("\n" + render_markdown(cell.source) + "\n")
            else:
                code = compile(cell.source + "\n", f"{path}:{cell.line}", "exec")
                with contextlib.redirect_stdout(out):
                    exec(code, namespace)  # noqa: S102 - the lesson file from our repository
    finally:
        _RUNNING = False
    out.write("\n")
    return namespace


def run_cell(cell: Cell, namespace: dict, out: io.StringIO | None = None) -> str:
    """Run one code cell in ``namespace`` and return what it printed (for the UI).

    What it prints goes to ``out`` if given, so that a caller still has the output of a cell
    that raised."""
    global _RUNNING
    buffer = io.StringIO() if out is None else out
    _RUNNING = True
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(cell.source + "\n", f"lesson:{cell.line}", "exec"), namespace)  # noqa: S102
    finally:
        _RUNNING = False
    return buffer.getvalue()


def begin(namespace: dict) -> None:
    """Call as ``begin(globals())`` in a lesson's first code cell.

    Run as a script (``python lessons/07_….py``), it runs the whole lesson through :func:`run`,
    prose included, and exits; in a notebook, or inside :func:`run` or the UI, it does nothing.
    """
    if _RUNNING or namespace.get("__name__") != "__main__" or "__file__" not in namespace:
        return
    if "ipykernel" in sys.modules or "IPython" in sys.modules:
        return
    run(namespace["__file__"])
    raise SystemExit(0)
