"""Econometric baselines: the closed-form answers gradient descent should reproduce.

The lessons fit linear and logistic models by gradient descent.  To know whether descent
got it right we need the textbook estimates computed the classical way:

* :func:`ols` -- least squares, solved directly (no iterations, no learning rate);
* :func:`logit_mle` -- logistic maximum likelihood by Newton-Raphson (IRLS).

Both prepend a constant, so they return ``theta = (alpha, beta_1, ..., beta_k)`` in the
same order as ``statsmodels`` with ``add_constant``.  Pure NumPy; every failure that would
make the estimate meaningless (NaNs, collinear columns, separated data) is a ``ValueError``
saying what is wrong and what to do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ols", "logit_mle"]


def _design(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate (X, y) and return the design A = [1, X] of shape (n, k+1) and y of shape (n,)."""
    arrays = {}
    for name, value in (("X", X), ("y", y)):
        try:
            arrays[name] = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric (float-convertible) array: {exc}") from exc
    X, y = arrays["X"], arrays["y"]
    if X.ndim == 1:  # a single regressor given as a vector
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be 1-D (n,) or 2-D (n, k); got ndim={X.ndim}, shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must have shape (n,) or (n, 1); got shape {y.shape}")
    (n, k), ny = X.shape, y.shape[0]
    if n != ny:
        raise ValueError(f"X has {n} rows but y has {ny}: they must describe the same observations")
    if n < k + 1:
        raise ValueError(
            f"too few rows: n={n} observations for {k + 1} parameters (constant + {k} slopes); "
            "need n >= k + 1"
        )
    for name, a in (("X", X), ("y", y)):
        bad = np.argwhere(~np.isfinite(a))
        if bad.size:
            where = f"row {bad[0][0]}" + (f", column {bad[0][1]}" if a.ndim == 2 else "")
            raise ValueError(
                f"{name} contains NaN or infinite values (first at {where}); "
                "drop or impute those rows first"
            )
    A = np.column_stack([np.ones(n), X])
    # Rank check on the column-scaled design so that units do not matter.
    # A right singular vector v with A v ~ 0 names the columns that are collinear.
    scale = np.linalg.norm(A, axis=0)
    _, s, Vt = np.linalg.svd(A / np.where(scale > 0, scale, 1.0), full_matrices=False)
    if s[-1] <= s[0] * max(A.shape) * np.finfo(float).eps or np.any(scale == 0):
        v = Vt[-1]
        idx = np.flatnonzero(np.abs(v) > 1e-6 * np.abs(v).max())
        cols = ["the constant" if j == 0 else f"X column {j - 1}" for j in idx]
        if len(idx) == 1:
            what = f"{cols[0]} is all zeros"
        elif len(idx) == 2 and idx[0] == 0:
            what = f"{cols[1]} is constant, i.e. collinear with the intercept"
        else:
            what = f"{', '.join(cols)} are linearly dependent"
        raise ValueError(
            f"rank-deficient design (collinear or constant column): {what}; "
            "drop the redundant column(s)"
        )
    return A, y


def ols(X: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Least squares with a constant: theta = argmin ||y - [1, X] theta||^2.

    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> ols(X, 1.0 + 2.0 * X[:, 0]).round(12)
    array([1., 2.])
    """
    A, y = _design(X, y)
    # Normal equations A'A theta = A'y, but solved via an orthogonal factorisation
    # (lstsq/SVD) of A itself: forming A'A squares the condition number.
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta


def _separation_message(kind: str) -> str:
    return (
        f"the data are {kind} separated: some combination of the regressors predicts y "
        "perfectly, so the likelihood keeps rising as coefficients go to +/-infinity and "
        "the logit MLE does not exist; drop or merge the offending regressor(s) "
        "or use a penalised fit"
    )


def _loglik(y: np.ndarray, z: np.ndarray) -> float:
    # l = sum_i y_i z_i - log(1 + e^{z_i}); logaddexp(0, z) = log(1 + e^z) never overflows
    return float(np.sum(y * z - np.logaddexp(0.0, z)))


def _newton_step(A: np.ndarray, y: np.ndarray, z: np.ndarray, tol: float) -> np.ndarray:
    """(A'WA)⁻¹ A'(y − p) at z = Aθ, refusing a step that certifies separated data."""
    p = np.exp(-np.logaddexp(0.0, -z))  # sigma(z) = 1 / (1 + e^{-z}), stable for any z
    w = np.exp(-np.logaddexp(0.0, z) - np.logaddexp(0.0, -z))  # sigma(z)(1 - sigma(z))
    grad = A.T @ (y - p)  # score:      dl/dtheta       = A'(y - p)
    hess = A.T @ (w[:, None] * A)  # information: -d2l/dtheta2 = A' W A
    try:
        step = np.linalg.solve(hess, grad)  # Newton: theta <- theta + (A'WA)^{-1} A'(y - p)
    except np.linalg.LinAlgError:
        step = np.full(A.shape[1], np.nan)
    if not np.all(np.isfinite(step)):  # A has full rank, so only vanishing weights do this
        raise ValueError(_separation_message("perfectly (or quasi-completely)"))
    # A step direction that puts every observation on its own side (or on the boundary) is a
    # certificate of separation: moving along it never lowers the likelihood.
    margin = (2.0 * y - 1.0) * (A @ step)  # ±1 labels times the step's change in z
    biggest = np.abs(margin).max()
    if biggest > 0 and margin.min() >= -1e-9 * biggest and np.abs(step).max() >= tol:
        raise ValueError(_separation_message("perfectly" if margin.min() > 0
                                             else "quasi-completely"))
    return step


def _halved(A, y, theta, step, z) -> tuple[np.ndarray, np.ndarray]:
    """Step halving keeps the iteration monotone in l (Newton can overshoot far from θ*)."""
    l_old = _loglik(y, z)
    for _ in range(50):
        z_new = A @ (theta + step)
        if _loglik(y, z_new) >= l_old - 1e-12 * abs(l_old):
            break
        step = step / 2.0
    return step, z_new


def logit_mle(X: ArrayLike, y: ArrayLike, *, tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Maximum-likelihood logit, P(y=1 | x) = sigma(alpha + x'beta), by Newton-Raphson.

    Starts from theta = 0; stops when the Newton step's largest absolute entry is < tol.

    >>> X = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> y = np.array([0, 0, 1, 0, 1, 1])
    >>> logit_mle(X, y).round(6)
    array([-3.035069,  1.214028])
    """
    if not (tol > 0 and max_iter >= 1):
        raise ValueError(f"need tol > 0 and max_iter >= 1; got tol={tol}, max_iter={max_iter}")
    A, y = _design(X, y)
    bad = np.flatnonzero((y != 0) & (y != 1))
    if bad.size:
        raise ValueError(f"y must contain only 0 and 1; found {y[bad[0]]:g} at row {bad[0]}")
    if y.min() == y.max():
        raise ValueError(
            f"y is {int(y[0])} for every row: the outcome never varies, so "
            "the intercept runs off to infinity and the logit MLE does not exist: y needs both "
            "0s and 1s"
        )
    theta = np.zeros(A.shape[1])
    z = A @ theta
    for _ in range(max_iter):
        step = _newton_step(A, y, z, tol)
        step, z = _halved(A, y, theta, step, z)
        theta = theta + step
        if np.abs(step).max() < tol:
            return theta
    raise RuntimeError(
        f"Newton-Raphson did not converge in max_iter={max_iter} iterations "
        f"(last step {np.abs(step).max():.3g} >= tol={tol}); increase max_iter, "
        "rescale X, or check for near-separation"
    )
