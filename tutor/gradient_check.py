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
    theta = np.array(theta, dtype=np.float64)  # a copy: we never touch the caller's array
    if theta.ndim != 1:
        raise ValueError(f"theta must be 1-D, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        i = int(np.flatnonzero(~np.isfinite(theta))[0])
        raise ValueError(f"θ must hold finite numbers, but theta[{i}] = {theta[i]}")
    P = theta.size

    def scalar(loss: Any) -> Any:
        if getattr(loss, "shape", ()) != ():
            raise ValueError(f"loss must be a scalar, got shape {loss.shape}")
        return loss

    def claim(t: np.ndarray) -> tuple[float, np.dtype, np.ndarray]:
        """f's loss (as a float), the loss's dtype and f's gradient (as NumPy, its own dtype)."""
        loss, grad = f(t.copy(), X, Y)
        loss = scalar(loss)
        g = _to_numpy(grad)
        if g.shape != (P,):
            raise ValueError(f"grad has shape {g.shape}, expected ({P},) to match theta")
        return float(loss), _dtype_of(loss), g

    # --- the claim at θ: loss and analytic gradient -------------------------------------
    loss0, loss_dtype, g_native = claim(theta)
    if not np.isfinite(loss0):
        raise ValueError(f"the loss is not finite at θ ({loss0}): the model or loss can't be "
                         "computed there (a log or square root of a negative number, or an "
                         "overflow), so there is no gradient to check: check at other values of θ")
    low = _is_low_precision(g_native.dtype)
    source, described = f, ""  # the function whose loss is differenced
    if low:
        if reference is None and (reference := _float64_twin(f)) is not None:
            described = "float64 loss (the kernel's float64 twin)"
        if reference is not None:
            described = described or "reference loss"
            # the analytic gradient and the finite differences at the same point: θ as f sees it
            rounded = theta.astype(g_native.dtype).astype(np.float64)
            if not np.array_equal(rounded, theta):
                theta = rounded
                loss0, loss_dtype, g_native = claim(theta)
    elif reference is not None:
        described = "reference loss"
    if reference is not None:
        source = reference
        value = scalar(reference(theta.copy(), X, Y)[0])
        loss_dtype, loss0 = _dtype_of(value), float(value)
        if not np.isfinite(loss0):
            raise ValueError(f"the reference loss is not finite at theta: {loss0}")
    # machine epsilon of the differenced loss (and, without a reference, of the gradient)
    dtypes = (loss_dtype,) if reference is not None else (loss_dtype, g_native.dtype)
    ulp = max([np.finfo(np.float64).eps] + [np.finfo(d).eps for d in dtypes
                                             if np.issubdtype(d, np.floating)])
    grad = g_native.astype(np.float64)
    if not np.all(np.isfinite(grad)):
        i = int(np.flatnonzero(~np.isfinite(grad))[0])
        raise ValueError(f"grad is not finite at θ: grad[{i}] = {grad[i]}; the model is not "
                         "differentiable there or overflows: check at other values of θ")

    def loss_at(t: np.ndarray) -> float:
        return float(scalar(source(t.copy(), X, Y)[0]))

    # Defaults. eps ≈ cbrt(machine epsilon) balances truncation O(h²) against rounding
    # O(ε/h); a float32 loss is rounded at ε₃₂ ≈ 1.2e-7, so its step is cbrt(ε₃₂). A float32
    # gradient against a float64 reference: rtol, atol are float32 rounding with room to spare.
    coarse = low and reference is None
    eps = eps if eps is not None else (5e-3 if coarse else 6e-6)
    rtol = rtol if rtol is not None else (2e-2 if coarse else 1e-3 if low else 1e-5)
    atol = atol if atol is not None else (
        1e-3 if coarse else 1e-5 if low else 1e-8) * max(1.0, abs(loss0))

    def tol(*values: float) -> float:  # atol + rtol · max|values|
        return atol + rtol * max(abs(v) for v in values)

    def noise(h: float) -> float:  # rounding in (L(θ ± h) − L(θ))/h: a few ulps of L, over h
        return 8 * ulp * max(1.0, abs(loss0)) / h

    def passed(a: float, num: float, note: str = "") -> tuple[float, str, str]:
        if not note and abs(a - num) > rtol * max(abs(a), abs(num)):
            note = (f"agrees only within atol: a slope this small ({max(abs(a), abs(num)):.2g}) "
                    "is not resolved to rtol by the finite differences")
        return num, "pass", note

    def check(d: np.ndarray, h: float, a: float) -> tuple[float, str, str]:
        """Compare the analytic slope ``a`` along direction ``d`` with finite differences."""
        def slopes(h: float) -> tuple[float, float]:
            # fwd = (L(θ+hd) − L(θ))/h,  bwd = (L(θ) − L(θ−hd))/h,  central = (fwd + bwd)/2
            return ((loss_at(theta + h * d) - loss0) / h, (loss0 - loss_at(theta - h * d)) / h)
        fwd, bwd = slopes(h)
        num = (fwd + bwd) / 2
        if not np.isfinite(num):
            return num, "fail", "loss is not finite at θ ± h"
        # Flat: the loss does not move above its rounding over θ ± h, and the analytic slope
        # says it should not. Nothing is checked there: a gradient wrong by 1 % (or by a
        # factor of 2) would look the same. Saturated units do this: G′ ≈ 0 for |z| ≳ 40.
        if max(abs(fwd), abs(bwd), abs(a)) <= noise(h):
            return num, "flat", (
                f"the loss does not change measurably over θ ± {h:.2g} (slopes below "
                f"{noise(h):.2g} are lost in its rounding): finite differences cannot check the "
                "analytic value here. Saturated units (logistic or tanh at large |z|) or a dead "
                "ReLU?")
        agrees = abs(a - num) <= tol(a, num)
        gap = abs(fwd - bwd)
        if agrees and gap <= tol(fwd, bwd):
            return passed(a, num)
        # The central difference disagrees, or the one-sided slopes do (a kink may hide
        # behind a central difference that happens to agree): look again with h/100.
        fwd2, bwd2 = slopes(h / 100)
        num2 = (fwd2 + bwd2) / 2
        gap2 = abs(fwd2 - bwd2)
        # Smooth: fwd − bwd ≈ L''·h shrinks 100× with h. Kink: the gap stays (≈ the jump).
        # A one-sided slope also carries rounding noise ≈ ε·|L|/h, large at h/100 in float32.
        kink = (gap > tol(fwd, bwd) + noise(h) and gap2 > tol(fwd2, bwd2) + noise(h / 100)
                and gap2 > gap / 10)
        if not kink and agrees:
            return passed(a, num)
        if not kink and np.isfinite(num2) and abs(a - num2) <= tol(a, num2):
            return passed(a, num2, f"badly conditioned at h={h:.2g}: central difference "
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

    rows = []
    if mode == "full":
        if names is None and getattr(f, "parameters", None) is not None:
            if len(f.parameters) == P:  # type: ignore[attr-defined]
                names = f.parameters  # type: ignore[attr-defined]
        if names is None:
            names = [f"theta[{i}]" for i in range(P)]
        if len(names) != P:
            raise ValueError(f"names has {len(names)} entries, theta has {P} parameters")
        for i in range(P):
            h = eps * max(1.0, abs(theta[i]))
            h = (theta[i] + h) - theta[i]  # the step actually taken in floating point
            e = np.zeros(P)
            e[i] = 1.0
            a = float(grad[i])
            rows.append((str(names[i]), i, a, *check(e, h, a)))
    else:
        # Random unit directions v: the directional derivative is ∇L·v ≈ (L(θ+hv) − L(θ−hv))/2h.
        rng = np.random.default_rng(seed)
        h = eps * max(1.0, float(np.max(np.abs(theta), initial=0.0)))
        for k in range(directions):
            v = rng.standard_normal(P)
            v /= np.linalg.norm(v)
            a = float(grad @ v)
            rows.append((f"direction {k + 1}", k, a, *check(v, h, a)))

    out = []
    for name, i, a, num, status, note in rows:
        err = abs(a - num)  # rel = |a − n| / max(|a|, |n|), 0 when both are 0
        big = max(abs(a), abs(num))
        rel = 0.0 if big == 0 else err / max(big, np.finfo(np.float64).tiny)
        out.append(GradCheckRow(name, i, a, num, err, rel, status, note))
    return GradCheckReport(tuple(out), mode, rtol, atol, eps, str(g_native.dtype), described)
