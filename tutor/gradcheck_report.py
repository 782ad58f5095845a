"""The report of a gradient check: one row per coordinate (or direction), each with the analytic
and the numeric slope, both errors and a verdict, printed as a table a learner can read.

:func:`tutor.gradient_check.gradcheck` makes one; its rows pass when
``|analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GradCheckReport", "GradCheckRow", "RULE"]

RULE = "|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)"
MAX_ROWS = 40  # longer tables show only the interesting rows


@dataclass(frozen=True)
class GradCheckRow:
    """One checked coordinate (or direction, in fast mode)."""

    name: str
    index: int
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str  # "pass" | "fail" | "kink" | "flat"
    note: str = ""


@dataclass(frozen=True)
class GradCheckReport:
    """Result of :func:`gradcheck`: one row per coordinate or direction."""

    rows: tuple[GradCheckRow, ...]
    mode: str
    rtol: float
    atol: float
    eps: float
    dtype: str
    reference: str = ""  # where the finite differences came from, when not from f itself

    @property
    def failures(self) -> tuple[GradCheckRow, ...]:
        return tuple(r for r in self.rows if r.status == "fail")

    @property
    def kinks(self) -> tuple[GradCheckRow, ...]:
        return tuple(r for r in self.rows if r.status == "kink")

    @property
    def flat(self) -> tuple[GradCheckRow, ...]:
        """Rows the finite differences could not check: the loss did not change measurably."""
        return tuple(r for r in self.rows if r.status == "flat")

    @property
    def ok(self) -> bool:
        """True when no row failed (kinks and flat rows are reported, but are not failures)."""
        return not self.failures

    @property
    def max_abs_error(self) -> float:
        return max((r.abs_error for r in self.rows), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((r.rel_error for r in self.rows), default=0.0)

    def raise_if_failed(self) -> None:
        """Raise ``AssertionError(str(self))`` when any row failed."""
        if not self.ok:
            raise AssertionError(str(self))

    def _score(self, r: GradCheckRow) -> float:
        # error as a fraction of its tolerance: > 1 fails, the "worst" rows come first
        t = self.atol + self.rtol * max(abs(r.analytic), abs(r.numeric))
        return r.abs_error / max(t, np.finfo(np.float64).tiny)

    def __repr__(self) -> str:
        flat = f", flat={len(self.flat)}" if self.flat else ""
        return (f"GradCheckReport(mode={self.mode!r}, rows={len(self.rows)}, "
                f"failures={len(self.failures)}, kinks={len(self.kinks)}{flat}, ok={self.ok})")

    def __str__(self) -> str:
        n = len(self.rows)
        what = ("direction" if self.mode == "fast" else "parameter") + ("" if n == 1 else "s")
        lines = [f"gradcheck (mode={self.mode}, {n} {what}, analytic dtype {self.dtype}, "
                 f"eps={self.eps:g})",
                 f"pass when {RULE}, rtol={self.rtol:g}, atol={self.atol:g}"]
        if self.dtype in ("float16", "bfloat16", "float32") and self.reference:
            lines.append(f"  ({self.dtype} gradient against finite differences of the "
                         f"{self.reference}: the tolerance leaves room for {self.dtype} rounding, "
                         "an error of 1 % still fails)")
        elif self.dtype in ("float16", "bfloat16", "float32"):
            lines.append(f"  ({self.dtype} gradient: loose tolerance, as finite differences of a "
                         f"{self.dtype} loss resolve slopes only to about 1 %; smaller errors can "
                         "pass. Give reference=, the same loss in float64, to check tighter)")
        shown = list(self.rows)
        if n > MAX_ROWS:  # failures and kinks first (at most 30), then the 10 worst passes
            bad = sorted((r for r in self.rows if r.status != "pass"), key=self._score)[::-1]
            good = sorted((r for r in self.rows if r.status == "pass"), key=self._score)[::-1]
            shown = sorted(bad[:30] + good[:10], key=lambda r: r.index)
        width = max([9] + [len(r.name) for r in shown])
        lines.append(f"{'parameter':<{width}}  {'analytic':>12}  {'numeric':>12}  "
                     f"{'abs err':>9}  {'rel err':>9}  status")
        for r in shown:
            lines.append(f"{r.name:<{width}}  {r.analytic:>12.6g}  {r.numeric:>12.6g}  "
                         f"{r.abs_error:>9.2e}  {r.rel_error:>9.2e}  "
                         f"{r.status.upper() if r.status == 'fail' else r.status}")
        if len(shown) < n:
            lines.append(f"… {n - len(shown)} rows omitted (all failures and kinks up to 30 "
                         "are shown, then the 10 passing rows closest to their tolerance)")
        lines += [f"  {r.name}: {r.note}" for r in shown if r.note and r.status != "flat"]
        flat = [r for r in self.rows if r.status == "flat"]
        if flat:  # one note for all: they say the same thing
            others = f" (and {len(flat) - 1} other flat row{'s' if len(flat) > 2 else ''})"
            lines.append(f"  {flat[0].name}{others if len(flat) > 1 else ''}: {flat[0].note}")
        f, k, flat = len(self.failures), len(self.kinks), len(self.flat)
        summary = f"{f} of {n} FAILED" if f else f"all {n} passed"
        if (k or flat) and not f:
            summary = f"none failed: {n - k - flat} of {n} passed"
        if k:
            summary += (f"; {k} kink{'s' if k > 1 else ''} (not differentiable there, "
                        "analytic value is a valid one-sided slope)")
        if flat:
            summary += (f"; {flat} flat, not checked (the loss does not change measurably with "
                        f"{'them' if flat > 1 else 'it'}: saturated units or a dead ReLU)")
        lines.append(summary)
        return "\n".join(lines)
