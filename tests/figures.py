"""Robustness figures: how much hostile or random input the suite threw at tutor, counted as
the tests run, and printed at the end of every run (see ``pytest_terminal_summary`` in
conftest.py). The README's testing section quotes them.

>>> tally("doctest inputs", 3)
>>> tally("doctest inputs", 2, failures=1)
>>> FIGURES["doctest inputs"]
[5, 1]
>>> del FIGURES["doctest inputs"]
"""

import pathlib

README = pathlib.Path(__file__).parent.parent / "README.md"
MARK = "<!-- robustness figures: the lines a whole `python -m pytest` run prints -->"

FIGURES: dict[str, list[int]] = {}  # what was tried → [how many, how many failed]


def tally(what: str, count: int = 1, failures: int = 0) -> None:
    """Add ``count`` tries (``failures`` of them failed) to the figure named ``what``."""
    tried = FIGURES.setdefault(what, [0, 0])
    tried[0] += count
    tried[1] += failures


def lines() -> list[str]:
    return [f"{count:>9,}  {what}, {failures} failed" for what, (count, failures) in FIGURES.items()]


def quoted_in_readme() -> list[str]:
    """The figures the README quotes: the code block after its MARK line."""
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    if MARK not in text:
        return []
    block = text.split(MARK, 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]
