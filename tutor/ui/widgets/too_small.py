"""A line that asks for a larger terminal, shown only when the terminal is too small to use.

The app's breakpoints (``TutorApp.HORIZONTAL_BREAKPOINTS`` and ``VERTICAL_BREAKPOINTS``) give
each screen a class for its size; tutor.tcss shows this line on ``-tiny-width`` and
``-tiny-height`` screens. Everything else stays where it was, scrolled or clipped, and every key
still works.
"""

from __future__ import annotations

from textual.widgets import Static

__all__ = ["TooSmall", "MIN_WIDTH", "MIN_HEIGHT"]

MIN_WIDTH, MIN_HEIGHT = 40, 12  # below either, the hint shows


class TooSmall(Static):
    def __init__(self) -> None:
        super().__init__(f"make the terminal larger: {MIN_WIDTH}×{MIN_HEIGHT} at least, 80×24 "
                         "shows everything", markup=False, classes="too-small")
