"""Printing for the command line: aligned tables, a progress bar, JSON (numbers are printed by
tutor.notation.number, as everywhere)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence

from ..notation import number

__all__ = ["table", "Progress", "dump_json"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None
          ) -> str:
    """An aligned plain-text table: a header, a rule, the rows."""
    right = right or [i > 0 for i in range(len(headers))]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(w) if r else c.ljust(w)
                         for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    return "\n".join([line(headers), "  ".join("─" * w for w in widths), *map(line, rows)])


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, label: str = "descending", stream=None):
        self.total, self.label = max(total, 1), label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = -1

    def update(self, done: int, loss: float) -> None:
        if not self.enabled:
            return
        percent = int(100 * done / self.total)
        if percent == self._last and done != self.total:
            return
        self._last = percent
        filled = percent * 30 // 100
        bar = "█" * filled + "·" * (30 - filled)
        self.stream.write(f"\r{self.label} {bar} {percent:3d}%  step {done}/{self.total}  "
                          f"loss {number(loss)}   ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


def dump_json(payload) -> str:
    """JSON for machines: plain floats, no NaN (as null)."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(payload), indent=2, ensure_ascii=False)
