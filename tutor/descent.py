"""Gradient descent and SGD, one update at a time, with every number a learner wants to see.

The update rule of the slides, with learning rate γ:

    α_t = α_{t−1} − γ · dc/dα |_{α_{t−1}}          (or, as computer scientists write it,
                                                   α ← α − γ dc/dα)

With all the data in each update it is gradient descent; with a shuffled mini-batch of
``batch_size`` samples per update it is stochastic gradient descent (SGD).

>>> import numpy, sympy, tutor
>>> alpha, x = sympy.symbols("alpha x")
>>> kernel = tutor.model(alpha + x, parameters=[alpha], inputs=[x]).compile()
>>> X, Y = numpy.array([[1.0]]), numpy.array([6.0])      # y = 5 + x at x = 1
>>> [float(s.theta[0]) for s in tutor.descend(kernel, [2.0], X, Y, learning_rate=1, steps=4)]
[8.0, 2.0, 8.0, 2.0]
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy

from . import spec
from .data import as_numbers
from .kernel import KernelOverflowError
from .notation import number, unicode

__all__ = ["Step", "Divergence", "descend"]


class Divergence(ArithmeticError):
    """The iterates blew up. ``began`` is the step where the loss started to climb for good,
    ``step`` where it was caught, and ``last_good`` the last finite, sensible state."""

    def __init__(self, message: str, *, step: int, began: int, last_good: Step | None,
                 learning_rate: float):
        super().__init__(message)
        self.step, self.began, self.last_good = step, began, last_good
        self.learning_rate = learning_rate


@dataclass(frozen=True)
class Step:
    """One update: the state before it, the gradient there, and the state after it.

    ``loss``, ``grad``, ``predictions`` and ``errors`` (y − ŷ) are at ``theta_before``;
    ``update`` is −γ·grad and ``theta`` = theta_before + update. ``predictions`` and ``errors``
    are computed when first asked for (the step itself runs the forward pass once), from the
    kernel and the data the step was taken with.
    """

    t: int  # 1 for the first update
    epoch: int  # 1 for the first pass over the data
    theta_before: numpy.ndarray
    theta: numpy.ndarray
    loss: float
    grad: numpy.ndarray
    update: numpy.ndarray
    batch: numpy.ndarray  # the rows of X used in this update
    learning_rate: float
    names: tuple[str, ...] = ()
    data: tuple = field(default=(), repr=False, compare=False)  # (kernel, X, Y, full batch?)

    def _batch(self):
        kernel, X, Y, full = self.data
        return kernel, (X, Y) if full else (X[self.batch], Y[self.batch])

    @cached_property
    def predictions(self) -> numpy.ndarray:
        """ŷ at ``theta_before`` for the rows of the batch."""
        kernel, (X, _) = self._batch()
        with numpy.errstate(all="ignore"):
            return _numpy(kernel.predict(self.theta_before, X)).astype(float)

    @cached_property
    def errors(self) -> numpy.ndarray:
        """ε = y − ŷ for the rows of the batch."""
        _, (_, Y) = self._batch()
        predictions = self.predictions
        return _numpy(Y).astype(float).reshape(predictions.shape) - predictions

    def __str__(self) -> str:
        names = self.names or tuple(f"θ{i}" for i in range(len(self.theta)))
        moves = ", ".join(f"{n}: {number(a)} → {number(b)}" for n, a, b in
                          zip(names[:4], self.theta_before[:4], self.theta[:4], strict=False))
        more = f", … ({len(names) - 4} more)" if len(names) > 4 else ""
        return f"step {self.t}: loss {number(self.loss)}; {moves}{more}"


def _numpy(array) -> numpy.ndarray:
    if isinstance(array, numpy.ndarray):
        return array
    if hasattr(array, "get"):  # CuPy
        return array.get()
    try:
        return numpy.asarray(array)
    except (TypeError, ValueError):
        return numpy.from_dlpack(array)


#: |θ| beyond this is divergence even while the loss is still finite (float32 kernels overflow
#: at 3.4e38, so their limit is lower)
THETA_LIMIT = {"float64": 1e100, "float32": 1e30}


def _settings(learning_rate, steps, epochs, batch_size, n, seed):
    """The settings, checked by tutor.spec's validators (one wording for every front end)."""
    rate = spec.learning_rate(learning_rate)
    batch = spec.batch_size(batch_size, n)
    steps, epochs = (None if value is None else spec.whole(value, f"the number of {name}", 0, name)
                     for name, value in (("steps", steps), ("epochs", epochs)))
    seed = None if seed is None else spec.whole(seed, "the seed", 0, "seed",
                                                accepted="a whole number ≥ 0, or None for a "
                                                         "fresh random shuffle")
    return rate, steps, epochs, batch, seed


def _prepare(kernel, theta0, X, Y) -> tuple[numpy.ndarray, object, object, int]:
    """Check the data ``descend`` is given: θ₀ as a float vector, X, Y and the sample count."""
    X, Y = as_numbers("X", X), as_numbers("Y", Y)
    if X.ndim == 0:
        raise ValueError(f"X must be a table of numbers, one row per sample: shape (n, k), not "
                         f"the single number {X!r}")
    n = X.shape[0]
    if n < 1:
        raise ValueError("X has no rows: gradient descent needs data, at least one sample")
    if Y.ndim == 0 or Y.shape[0] != n:
        rows = "a single number" if Y.ndim == 0 else f"{Y.shape[0]} rows"
        raise ValueError(f"X has {n} rows but Y has {rows}: one target row per sample")
    theta = as_numbers("θ₀", theta0).astype(float).reshape(-1)
    if theta.shape != (kernel.n_parameters,):
        raise ValueError(f"θ₀ must hold {kernel.n_parameters} numbers (one per parameter), "
                         f"got {theta.size}")
    if not numpy.all(numpy.isfinite(theta)):
        i = int(numpy.flatnonzero(~numpy.isfinite(theta))[0])
        raise ValueError(f"θ₀ holds NaN or infinity (θ₀[{i}] = {theta[i]}): start from finite "
                         f"values")
    for name, array in (("X", X), ("Y", Y)):
        bad = ~numpy.isfinite(_numpy(array))
        if bool(numpy.any(bad)):
            where = tuple(int(i) for i in numpy.argwhere(bad)[0])
            raise ValueError(f"{name} holds NaN or infinity (first at row {where[0]}"
                             f"{f', column {where[1]}' if len(where) > 1 else ''}): remove or "
                             f"impute those values first")
    if hasattr(kernel, "_arrays"):  # the kernel's own shape checks, before any step
        kernel._arrays(theta, X, Y)
    return theta, X, Y, n


def descend(kernel, theta0, X, Y, learning_rate: float = 0.1, steps: int | None = 100,
            batch_size: int | None = None, seed: int | None = 0,
            epochs: int | None = None) -> Iterator[Step]:
    """Yield one :class:`Step` per update of θ ← θ − γ ∇c(θ).

    ``batch_size=None`` is full-batch gradient descent; an integer gives SGD with mini-batches
    drawn from a fresh seeded shuffle each epoch. ``epochs``, when given, replaces ``steps``.
    Bad data or settings are a ``ValueError`` at once, before any step (a
    :class:`tutor.SpecError` naming the setting, for γ, the batch size, steps, epochs, seed).

    If the iterates blow up (a non-finite loss, gradient or θ, a loss that keeps climbing past
    a million times its reference level, or parameters past ``THETA_LIMIT`` while the loss is
    still finite), :class:`Divergence` is raised after the steps before it were yielded; it
    says where the blow-up began and keeps the last good step. A loss that can't be computed
    at θ₀ itself is reported as such, not blamed on γ.
    """
    theta, X, Y, n = _prepare(kernel, theta0, X, Y)
    rate, steps, epochs, batch_size, seed = _settings(learning_rate, steps, epochs, batch_size, n,
                                                      seed)
    per_epoch = 1 if batch_size is None else math.ceil(n / batch_size)
    total = epochs * per_epoch if epochs is not None else (100 if steps is None else steps)
    return _steps(kernel, theta, X, Y, rate, _batches(n, batch_size, seed, total, per_epoch))


def _batches(n: int, batch_size: int | None, seed, total: int, per_epoch: int):
    """(t, epoch, rows) for each update: all rows for gradient descent, else the next
    mini-batch of a fresh seeded shuffle each epoch (rows None: all of them)."""
    rng = numpy.random.default_rng(seed)
    everything = numpy.arange(n)
    order = everything
    for t in range(1, total + 1):
        epoch, position = divmod(t - 1, per_epoch)
        if batch_size is None:
            yield t, epoch + 1, None, everything
            continue
        if position == 0:
            order = rng.permutation(n)
        yield t, epoch + 1, order[position * batch_size:(position + 1) * batch_size], None


def _divergence(t, learning_rate, *, loss_ok, theta_ok, exploded, size, limit, climbing_since,
                growing_since, last_good) -> Divergence:
    """The report for a blow-up caught at step t: what blew up, and since when."""
    advice = (f"The learning rate γ = {learning_rate:g} is too large: each update overshoots "
              f"the minimum by more than it corrects. Try a smaller γ (e.g. "
              f"{learning_rate / 10:g}).")
    began = max(1, (climbing_since or t) - 1)  # the loss at step t is the result of update t − 1
    if not loss_ok and t == 1:
        return Divergence(
            "gradient descent cannot start: the loss or its gradient is infinite or NaN at the "
            "starting values θ₀, before any update, so the learning rate is not to blame. Start "
            "from other (smaller) values, or check that the model and loss can be computed there "
            "(no log or square root of a negative number, no overflow).",
            step=1, began=1, last_good=None, learning_rate=learning_rate)
    if not loss_ok:
        what = f"the loss became infinite or NaN at step {t}, climbing since step {began}"
    elif not theta_ok:
        began = began if climbing_since else t
        what = (f"update {t} made the parameters θ infinite or NaN"
                + (f" (the loss had been climbing since step {began})" if began < t else ""))
    elif exploded:
        what = f"the loss grew more than a million-fold by step {t}, climbing since step {began}"
    else:
        began = growing_since or t
        what = (f"the parameters grew past {limit:.0e} by step {t} (the largest |θ| is "
                f"{size:.3g}) while the loss stayed finite, growing since step {began}")
    return Divergence(f"gradient descent diverged: {what}. {advice}", step=t, began=began,
                      last_good=last_good, learning_rate=learning_rate)


class _Watch:
    """Watches the iterates for a blow-up, step by step, and says when and since when."""

    def __init__(self, theta, learning_rate: float, limit: float, sgd: bool):
        self.learning_rate, self.limit, self.sgd = learning_rate, limit, sgd
        self.best, self.total_loss = math.inf, 0.0  # SGD's reference: the mean batch loss so far
        self.climbing_since = self.growing_since = self.last_good = None
        self.size_before = float(numpy.max(numpy.abs(theta))) if theta.size else 0.0

    def check(self, t: int, loss: float, grad, new) -> Divergence | None:
        loss_ok = math.isfinite(loss) and bool(numpy.all(numpy.isfinite(grad)))
        theta_ok = bool(numpy.all(numpy.isfinite(new)))
        size = float(numpy.max(numpy.abs(new))) if theta_ok and new.size else 0.0
        self.climbing_since = (self.climbing_since or t) if loss > self.best else None
        self.growing_since = (self.growing_since or t) if size > self.size_before else None
        # full batch: the loss against the best so far; SGD: against the mean batch loss so far,
        # since one small batch can fit almost perfectly and make its next neighbour look huge
        reference = self.total_loss / max(t - 1, 1) if self.sgd else self.best
        exploded = (loss_ok and self.climbing_since is not None
                    and loss > 1e6 * max(reference, 1e-12))
        if not (loss_ok and theta_ok) or exploded or size > self.limit:
            return _divergence(t, self.learning_rate, loss_ok=loss_ok, theta_ok=theta_ok,
                               exploded=exploded, size=size, limit=self.limit,
                               climbing_since=self.climbing_since,
                               growing_since=self.growing_since, last_good=self.last_good)
        self.best, self.size_before = min(self.best, loss), size
        self.total_loss += loss
        return None

    def overflowed(self, t: int, error: Exception) -> Divergence:
        """A kernel that could not compute its z in its dtype at step t."""
        if t == 1:
            return Divergence(f"gradient descent cannot start: at θ₀, {error}", step=1, began=1,
                              last_good=None, learning_rate=self.learning_rate)
        began = max(1, (self.climbing_since or t) - 1)
        return Divergence(
            f"gradient descent diverged: after update {t - 1}, {error}. If the loss was "
            f"climbing (since step {began}), the learning rate γ = {self.learning_rate:g} is too "
            "large: try a smaller γ.", step=t, began=began, last_good=self.last_good,
            learning_rate=self.learning_rate)


def _steps(kernel, theta, X, Y, learning_rate: float, batches):
    # a step prints its first few parameters by name; a huge network is not worth naming
    names = tuple(unicode(p) for p in kernel.parameters) if kernel.n_parameters <= 1000 else ()
    limit = THETA_LIMIT.get(getattr(kernel, "dtype", "float64"), THETA_LIMIT["float64"])
    numpy_backend = kernel.backend.name == "numpy"
    watch = None
    for t, epoch, rows, everything in batches:
        watch = watch or _Watch(theta, learning_rate, limit, sgd=rows is not None)
        Xb, Yb = (X, Y) if rows is None else (X[rows], Y[rows])
        quiet = numpy.errstate(all="ignore") if numpy_backend else contextlib.nullcontext()
        try:
            with quiet:  # overflow is caught below and reported as divergence, not as a warning
                loss, grad = kernel(theta, Xb, Yb)
                loss, grad = float(loss), _numpy(grad).astype(float)
                new = theta - learning_rate * grad
        except KernelOverflowError as error:  # a float32 kernel's z overflowed: no loss to trust
            raise watch.overflowed(t, error) from error
        blown = watch.check(t, loss, grad, new)
        if blown is not None:
            raise blown
        step = Step(t, epoch, theta, new, loss, grad, new - theta,
                    everything if rows is None else rows, float(learning_rate), names,
                    (kernel, X, Y, rows is None))
        watch.last_good, theta = step, new
        yield step
