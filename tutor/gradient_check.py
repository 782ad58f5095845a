"""Gradient checking: compare an analytic gradient with central finite differences.

A model ``f(theta, X, Y) -> (loss, grad)`` claims that ``grad`` is ∂loss/∂θ. We test the
claim numerically, coordinate by coordinate (``mode="full"``) or along a few random
directions (``mode="fast"``, for big models), in the spirit of HIPS autograd's
``check_grads``, PyTorch's ``gradcheck`` and PyTensor's ``verify_grad``.

Central difference (error O(h²) instead of the one-sided O(h))::

    ∂L/∂θ_i ≈ (L(θ + h e_i) − L(θ − h e_i)) / 2h,     h = eps · max(1, |θ_i|)

A coordinate passes when ``|analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)``.
Points where the loss is not differentiable (a ReLU at 0) are reported as ``"kink"``; where the
loss does not change measurably with a parameter (saturated logistic or tanh units, a dead
ReLU) the finite differences cannot confirm anything, and the row says so: ``"flat"``.

A float32 gradient is compared with finite differences of the same loss in float64 (a tutor
kernel's float64 twin, or ``reference=``): a float32 loss is rounded at 1.2e−7, too coarse for
its differences to tell a correct gradient from one wrong by 1 %.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .gradcheck_report import GradCheckReport, GradCheckRow

__all__ = ["gradcheck", "GradCheckReport", "GradCheckRow"]


def _to_numpy(a: Any) -> np.ndarray:
    """NumPy view of a NumPy / array-API / CuPy array, keeping its dtype."""
    try:
        return np.asarray(a)
    except TypeError:  # CuPy refuses implicit conversion
        try:
            return np.from_dlpack(a)
        except (AttributeError, TypeError, BufferError, RuntimeError, ValueError):
            return np.asarray(a.get())


def _dtype_of(x: Any) -> np.dtype:
    """NumPy dtype of a scalar/array of any library ("torch.float32" → float32)."""
    d = getattr(x, "dtype", np.float64)
    try:
        return np.dtype(d)
    except TypeError:
        try:
            return np.dtype(str(d).rsplit(".", 1)[-1])
        except TypeError:
            return np.dtype(np.float64)


def _is_low_precision(dtype: np.dtype) -> bool:
    return bool(np.issubdtype(dtype, np.floating) and np.finfo(dtype).bits <= 32)


_TWINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # float32 kernel → float64 twin


def _float64_twin(f: Any) -> Callable | None:
    """A low-precision tutor kernel's float64 twin: the same model, compiled for float64."""
    model = getattr(f, "model", None)
    if getattr(f, "dtype", "float64") == "float64" or not callable(getattr(model, "compile", None)):
        return None
    try:
        twin = _TWINS.get(f)
    except TypeError:  # not weakly referenceable: compile it every time
        twin = None
    if twin is None:
        twin = model.compile(backend=getattr(f, "backend", "numpy"), dtype="float64")
        try:
            _TWINS[f] = twin
        except TypeError:
            pass
    return twin


def gradcheck(f: Callable[[np.ndarray, Any, Any], tuple[Any, Any]], theta: Any, X: Any = None,
              Y: Any = None, *, names: Sequence[Any] | None = None, mode: str = "full",
              directions: int = 8, seed: int = 0, eps: float | None = None,
              rtol: float | None = None, atol: float | None = None,
              reference: Callable[[np.ndarray, Any, Any], tuple[Any, Any]] | None = None,
              ) -> GradCheckReport:
    """Check ``f(theta, X, Y) -> (loss, grad)`` against central finite differences.

    ``mode="full"`` checks every coordinate, ``"fast"`` ``directions`` random unit vectors.
    Defaults follow the gradient's dtype: float64 → eps=6e-6, rtol=1e-5, atol=1e-8·max(1, |L|).
    A float32 gradient is checked against the finite differences of ``reference`` (a function
    like ``f`` computing the same loss in float64; by default a tutor kernel's float64 twin) at
    θ rounded to float32, with rtol=1e-3, atol=1e-5·max(1, |L|): float32 rounding passes, an
    error of 1 % fails. Without a reference the float32 loss itself is differenced, with
    eps=5e-3, rtol=2e-2, atol=1e-3·max(1, |L|), which cannot see errors much below 2 %.

    Rows are "pass", "fail", "kink" (not differentiable at θ, analytic value between the
    one-sided slopes) or "flat" (the loss does not change measurably along the step, so the
    finite differences cannot check the analytic value, as for saturated logistic or tanh
    units: not a failure, but not a pass either).

    >>> import numpy as np
    >>> def f(theta, X, Y):  # least squares: L = mean((Xθ − Y)²), ∇L = 2 Xᵀ(Xθ − Y) / n
    ...     r = X @ theta - Y
    ...     return r @ r / len(Y), 2 * X.T @ r / len(Y)
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]); Y = np.array([1.0, 0.0, 2.0])
    >>> report = gradcheck(f, np.array([0.5, -0.25]), X, Y, names=["w", "b"])
    >>> report.ok, [(r.name, r.status) for r in report.rows]
    (True, [('w', 'pass'), ('b', 'pass')])
    >>> wrong = lambda theta, X, Y: (f(theta, X, Y)[0], 1.01 * f(theta, X, Y)[1])
    >>> gradcheck(wrong, np.array([0.5, -0.25]), X, Y, mode="fast", directions=3)
    GradCheckReport(mode='fast', rows=3, failures=3, kinks=0, ok=False)
    """
    if mode not in ("full", "fast"):
        raise ValueError(f"mode must be 'full' or 'fast', got {mode!r}")
    theta = _as_theta(theta)
    claim = _claim(f, theta, X, Y)
    if not np.isfinite(claim.loss):
        raise ValueError(f"the loss is not finite at θ ({claim.loss}): the model or loss can't be "
                         "computed there (a log or square root of a negative number, or an "
                         "overflow), so there is no gradient to check: check at other values of θ")
    low = _is_low_precision(claim.grad.dtype)
    loss, claim = _differenced_loss(f, theta, X, Y, claim, reference, low)
    grad = _finite(claim.grad)
    eps, rtol, atol = _tolerances(low, low and not loss.is_reference, loss.value, eps, rtol, atol)
    fd = _FiniteDifferences(loss, X, Y, _ulp(loss, claim), rtol, atol)
    if mode == "full":
        rows = _coordinate_rows(fd, grad, _names(f, names, grad.size), eps)
    else:
        rows = _direction_rows(fd, grad, directions, seed, eps)
    return GradCheckReport(tuple(_row(*r) for r in rows), mode, rtol, atol, eps,
                           str(claim.grad.dtype), loss.described)


def _as_theta(theta: Any) -> np.ndarray:
    theta = np.array(theta, dtype=np.float64)  # a copy: we never touch the caller's array
    if theta.ndim != 1:
        raise ValueError(f"theta must be 1-D, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        i = int(np.flatnonzero(~np.isfinite(theta))[0])
        raise ValueError(f"θ must hold finite numbers, but theta[{i}] = {theta[i]}")
    return theta


def _scalar(loss: Any) -> Any:
    if getattr(loss, "shape", ()) != ():
        raise ValueError(f"loss must be a scalar, got shape {loss.shape}")
    return loss


@dataclass(frozen=True)
class _Claim:
    """What f claims at θ: its loss (as a float), the loss's dtype, ∇L (NumPy, its own dtype)."""

    loss: float
    loss_dtype: np.dtype
    grad: np.ndarray


def _claim(f: Callable, theta: np.ndarray, X: Any, Y: Any) -> _Claim:
    loss, grad = f(theta.copy(), X, Y)
    loss = _scalar(loss)
    g = _to_numpy(grad)
    if g.shape != theta.shape:
        raise ValueError(f"grad has shape {g.shape}, expected ({theta.size},) to match theta")
    return _Claim(float(loss), _dtype_of(loss), g)


@dataclass(frozen=True)
class _Loss:
    """The loss whose finite differences check the claim: f's own, or a float64 reference."""

    fn: Callable
    theta: np.ndarray  # where: θ as f saw it when it computed the claim
    value: float  # L(θ)
    dtype: np.dtype
    described: str = ""  # where it came from, when not from f itself

    @property
    def is_reference(self) -> bool:
        return bool(self.described)

    def at(self, t: np.ndarray, X: Any, Y: Any) -> float:
        return float(_scalar(self.fn(t.copy(), X, Y)[0]))


def _differenced_loss(f: Callable, theta: np.ndarray, X: Any, Y: Any, claim: _Claim,
                      reference: Callable | None, low: bool) -> tuple[_Loss, _Claim]:
    """The loss to difference, and the claim at the same point.

    A float32 gradient is compared with the finite differences of the same loss in float64:
    ``reference``, or a tutor kernel's float64 twin, at θ rounded to float32, where f computed
    its gradient. A float32 loss is rounded at 1.2e−7, too coarse for its differences to tell
    a correct gradient from one wrong by 1 %.
    """
    described = ""
    if low:
        if reference is None and (reference := _float64_twin(f)) is not None:
            described = "float64 loss (the kernel's float64 twin)"
        if reference is not None:
            described = described or "reference loss"
            # the analytic gradient and the finite differences at the same point: θ as f sees it
            rounded = theta.astype(claim.grad.dtype).astype(np.float64)
            if not np.array_equal(rounded, theta):
                theta = rounded
                claim = _claim(f, theta, X, Y)
    elif reference is not None:
        described = "reference loss"
    if reference is None:
        return _Loss(f, theta, claim.loss, claim.loss_dtype), claim
    value = _scalar(reference(theta.copy(), X, Y)[0])
    loss = _Loss(reference, theta, float(value), _dtype_of(value), described)
    if not np.isfinite(loss.value):
        raise ValueError(f"the reference loss is not finite at theta: {loss.value}")
    return loss, claim


def _ulp(loss: _Loss, claim: _Claim) -> float:
    """Machine epsilon of the differenced loss (and, without a reference, of the gradient)."""
    dtypes = (loss.dtype,) if loss.is_reference else (loss.dtype, claim.grad.dtype)
    return max([np.finfo(np.float64).eps] + [np.finfo(d).eps for d in dtypes
                                             if np.issubdtype(d, np.floating)])


def _finite(grad: np.ndarray) -> np.ndarray:
    """The claimed gradient in float64, refused where it is not a number."""
    grad = grad.astype(np.float64)
    if not np.all(np.isfinite(grad)):
        i = int(np.flatnonzero(~np.isfinite(grad))[0])
        raise ValueError(f"grad is not finite at θ: grad[{i}] = {grad[i]}; the model is not "
                         "differentiable there or overflows: check at other values of θ")
    return grad


def _tolerances(low: bool, coarse: bool, loss0: float, eps: float | None, rtol: float | None,
                atol: float | None) -> tuple[float, float, float]:
    """eps, rtol, atol: the caller's, or the defaults for the gradient's dtype.

    eps ≈ cbrt(machine epsilon) balances truncation O(h²) against rounding O(ε/h); a float32
    loss is rounded at ε₃₂ ≈ 1.2e-7, so its step is cbrt(ε₃₂) (``coarse``: a float32 gradient
    with no float64 loss to difference). A float32 gradient against a float64 reference
    (``low``): rtol, atol are float32 rounding with room to spare.
    """
    eps = eps if eps is not None else (5e-3 if coarse else 6e-6)
    rtol = rtol if rtol is not None else (2e-2 if coarse else 1e-3 if low else 1e-5)
    atol = atol if atol is not None else (
        1e-3 if coarse else 1e-5 if low else 1e-8) * max(1.0, abs(loss0))
    return eps, rtol, atol


@dataclass(frozen=True)
class _FiniteDifferences:
    """Slopes of the loss around θ by finite differences, and the verdict on a claimed slope."""

    loss: _Loss
    X: Any
    Y: Any
    ulp: float
    rtol: float
    atol: float

    def tol(self, *values: float) -> float:  # atol + rtol · max|values|
        return self.atol + self.rtol * max(abs(v) for v in values)

    def noise(self, h: float) -> float:  # rounding in (L(θ ± h) − L(θ))/h: a few ulps of L, over h
        return 8 * self.ulp * max(1.0, abs(self.loss.value)) / h

    def slopes(self, d: np.ndarray, h: float) -> tuple[float, float]:
        # fwd = (L(θ+hd) − L(θ))/h,  bwd = (L(θ) − L(θ−hd))/h,  central = (fwd + bwd)/2
        theta, loss0 = self.loss.theta, self.loss.value
        return ((self.loss.at(theta + h * d, self.X, self.Y) - loss0) / h,
                (loss0 - self.loss.at(theta - h * d, self.X, self.Y)) / h)

    def passed(self, a: float, num: float, note: str = "") -> tuple[float, str, str]:
        if not note and abs(a - num) > self.rtol * max(abs(a), abs(num)):
            note = (f"agrees only within atol: a slope this small ({max(abs(a), abs(num)):.2g}) "
                    "is not resolved to rtol by the finite differences")
        return num, "pass", note

    def verdict(self, d: np.ndarray, h: float, a: float) -> tuple[float, str, str]:
        """(numeric slope, status, note) for the analytic slope ``a`` along direction ``d``."""
        fwd, bwd = self.slopes(d, h)
        num = (fwd + bwd) / 2
        if not np.isfinite(num):
            return num, "fail", "loss is not finite at θ ± h"
        # Flat: the loss does not move above its rounding over θ ± h, and the analytic slope
        # says it should not. Nothing is checked there: a gradient wrong by 1 % (or by a
        # factor of 2) would look the same. Saturated units do this: G′ ≈ 0 for |z| ≳ 40.
        if max(abs(fwd), abs(bwd), abs(a)) <= self.noise(h):
            return num, "flat", (
                f"the loss does not change measurably over θ ± {h:.2g} (slopes below "
                f"{self.noise(h):.2g} are lost in its rounding): finite differences cannot check "
                "the analytic value here. Saturated units (logistic or tanh at large |z|) or a "
                "dead ReLU?")
        if abs(a - num) <= self.tol(a, num) and abs(fwd - bwd) <= self.tol(fwd, bwd):
            return self.passed(a, num)
        # The central difference disagrees, or the one-sided slopes do (a kink may hide
        # behind a central difference that happens to agree): look again with h/100.
        return self._second_look(d, h, a, fwd, bwd)

    def _second_look(self, d: np.ndarray, h: float, a: float, fwd: float, bwd: float
                     ) -> tuple[float, str, str]:
        num, gap, tol = (fwd + bwd) / 2, abs(fwd - bwd), self.tol
        fwd2, bwd2 = self.slopes(d, h / 100)
        num2, gap2 = (fwd2 + bwd2) / 2, abs(fwd2 - bwd2)
        # Smooth: fwd − bwd ≈ L''·h shrinks 100× with h. Kink: the gap stays (≈ the jump).
        # A one-sided slope also carries rounding noise ≈ ε·|L|/h, large at h/100 in float32.
        kink = (gap > tol(fwd, bwd) + self.noise(h) and gap2 > tol(fwd2, bwd2) + self.noise(h / 100)
                and gap2 > gap / 10)
        if not kink and abs(a - num) <= tol(a, num):
            return self.passed(a, num)
        if not kink and np.isfinite(num2) and abs(a - num2) <= tol(a, num2):
            return self.passed(a, num2, f"badly conditioned at h={h:.2g}: central difference "
                                        f"{num:.6g}, but {num2:.6g} at h/100 agrees")
        if kink:
            # A one-sided slope is off by about L''·h/2 (first order, unlike the central one):
            # the slopes at h/100 bound the one-sided derivatives too, 100 times closer.
            lo, hi = min(fwd, bwd, fwd2, bwd2), max(fwd, bwd, fwd2, bwd2)
            ok = lo - tol(a, lo) <= a <= hi + tol(a, hi)  # a valid one-sided / sub-gradient
            return num, "kink" if ok else "fail", (
                f"not differentiable here, e.g. a ReLU at 0: one-sided slopes {bwd:.6g} "
                f"(left) and {fwd:.6g} (right); analytic {a:.6g}"
                + ("" if ok else " lies outside them"))
        return num, "fail", ""


def _names(f: Any, names: Sequence[Any] | None, P: int) -> Sequence[Any]:
    """The rows' names: ``names``, else a tutor kernel's parameters, else theta[i]."""
    if names is None and getattr(f, "parameters", None) is not None:
        if len(f.parameters) == P:
            names = f.parameters
    if names is None:
        names = [f"theta[{i}]" for i in range(P)]
    if len(names) != P:
        raise ValueError(f"names has {len(names)} entries, theta has {P} parameters")
    return names


def _coordinate_rows(fd: _FiniteDifferences, grad: np.ndarray, names: Sequence[Any],
                     eps: float) -> list[tuple]:
    """Full mode: ∂L/∂θ_i ≈ (L(θ + h e_i) − L(θ − h e_i)) / 2h, one row per coordinate."""
    theta, rows = fd.loss.theta, []
    for i in range(theta.size):
        h = eps * max(1.0, abs(theta[i]))
        h = (theta[i] + h) - theta[i]  # the step actually taken in floating point
        e = np.zeros(theta.size)
        e[i] = 1.0
        a = float(grad[i])
        rows.append((str(names[i]), i, a, *fd.verdict(e, h, a)))
    return rows


def _direction_rows(fd: _FiniteDifferences, grad: np.ndarray, directions: int, seed: int,
                    eps: float) -> list[tuple]:
    """Fast mode: random unit directions v, ∇L·v ≈ (L(θ + hv) − L(θ − hv)) / 2h."""
    theta, rows = fd.loss.theta, []
    rng = np.random.default_rng(seed)
    h = eps * max(1.0, float(np.max(np.abs(theta), initial=0.0)))
    for k in range(directions):
        v = rng.standard_normal(theta.size)
        v /= np.linalg.norm(v)
        a = float(grad @ v)
        rows.append((f"direction {k + 1}", k, a, *fd.verdict(v, h, a)))
    return rows


def _row(name: str, i: int, a: float, num: float, status: str, note: str) -> GradCheckRow:
    err = abs(a - num)  # rel = |a − n| / max(|a|, |n|), 0 when both are 0
    big = max(abs(a), abs(num))
    rel = 0.0 if big == 0 else err / max(big, np.finfo(np.float64).tiny)
    return GradCheckRow(name, i, a, num, err, rel, status, note)
