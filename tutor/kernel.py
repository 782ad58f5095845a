"""Kernels: the derived gradient printed as array code, vectorized over samples.

SymPy derives each layer's rules once (G′ of its activation, the loss's ∂c/∂z at the output);
the printer turns them into ``xp`` calls, and the layers are tied together with matrix
products, as back-propagation does: forward, h_l = G(h_{l−1} β_lᵀ + α_l); backward,
δ_L = ∂c/∂z_L, δ_{l−1} = (δ_l β_l) ⊙ G′(z_{l−1}), ∂c/∂β_l = δ_lᵀ h_{l−1}, ∂c/∂α_l = Σ δ_l.
The symbolic work is per layer, not per weight, so it does not grow with the width.

This module holds the :class:`Kernel` object and the compile entry points. A network's kernel
has two sources, tested equal: :mod:`tutor.readable_source` (``kernel.source``, one equation a
line) and :mod:`tutor.fast_source` (``kernel.fast_source``, in place, what runs), from the rules
they share in :mod:`tutor.network_rules`; a model given as expressions has one,
:mod:`tutor.model_source`. All are printed by :mod:`tutor.array_code`.

>>> import numpy, tutor
>>> kernel = tutor.linear_regression(1).compile()
>>> loss, grad = kernel(numpy.array([2.0, 1.0]), numpy.array([[1.0]]), numpy.array([6.0]))
>>> float(loss), grad.tolist()
(9.0, [-6.0, -6.0])
>>> float(kernel.readable([2.0, 1.0], [[1.0]], [6.0])[0])  # the same, from kernel.source
9.0
>>> print(kernel.source)  # doctest: +ELLIPSIS
def loss_and_gradient(theta, X, Y):
...
"""

from __future__ import annotations

import itertools
import linecache
import math

import numpy
import sympy

from .activations import EXP_CAP
from .array_code import code, exp_cap
from .backends import Backend
from .backends import backend as _backend
from .fast_source import fast_source
from .model_source import model_source
from .network_rules import require_compilable
from .readable_source import readable_source

__all__ = ["Kernel", "compile_network", "compile_model", "KernelInputError",
           "KernelOverflowError", "code"]


class KernelInputError(ValueError):
    """θ, X or Y has the wrong shape or holds NaN or infinity."""


class KernelOverflowError(KernelInputError):
    """A float32 network kernel's pre-activations z_l overflowed (inf or NaN in them): what it
    would compute from them, a loss that is finite and wrong included, is not returned.
    ``layer`` is l; the message says what to do (float64, or smaller weights or inputs)."""

    def __init__(self, layer: int, dtype: str = "float32"):
        self.layer, self.dtype = layer, dtype
        super().__init__(
            f"layer {layer}'s pre-activations z_{layer} overflowed {dtype} (some |z| passed "
            f"{float(numpy.finfo(dtype).max):.3g}, so they hold inf or NaN, and the loss and "
            f"gradient computed from them would be wrong): compile with dtype='float64', or use "
            f"smaller weights or inputs (standardize X, start from a smaller θ)")


# -- the kernel object ------------------------------------------------------------------------
class Kernel:
    """A compiled loss-and-gradient function: ``loss, grad = kernel(theta, X, Y)``.

    θ is the flat parameter vector, X has shape (n, k) and Y shape (n, m) or (n,); the kernel
    returns the loss averaged over the n samples and its gradient.

    A kernel has two sources, both compiled. ``kernel.source`` is the readable form, one
    equation a line as back-propagation is written by hand (its intermediates z, h, δ are
    back-propagation's cached values); ``kernel.fast_source`` is the in-place form that
    ``kernel(theta, X, Y)`` and ``kernel.predict`` run. They use the same formulas, stable
    forms included, and are tested equal. ``kernel.readable`` is the kernel compiled from
    ``kernel.source``: ``kernel.readable(theta, X, Y)``, ``kernel.readable.predict(theta, X)``.
    Where the two sources are one (an expression model's), ``kernel.readable`` is the kernel.

    A float32 network kernel checks each layer's pre-activations as they are formed and raises
    :class:`KernelOverflowError` if they overflowed, rather than return a finite, wrong loss.
    """

    _counter = itertools.count()

    def __init__(self, source: str, model, backend: Backend, dtype: str, kind: str,
                 fast_source: str | None = None):
        self.source = source
        self.fast_source = source if fast_source is None else fast_source
        self.model = model
        self.n_parameters = model.n_parameters
        self.inputs = tuple(model.inputs)
        self.targets = tuple(model.targets)
        self.backend = backend
        self.dtype = dtype
        self.kind = kind
        self._dtype = backend.dtype(dtype)
        self._loss_and_gradient, self._predict = self._load(self.fast_source)
        self.readable = self if self.fast_source == source else Kernel(
            source, model, backend, dtype, kind)

    def _load(self, source: str):
        """exec ``source``: its ``loss_and_gradient`` and ``predict``."""
        filename = f"<tutor kernel {next(self._counter)}>"
        # the source is printed by SymPy from expression trees we built, never from user text
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict = {"xp": self.backend.namespace(), EXP_CAP.name: exp_cap(self.dtype),
                           "overflowed": self._overflowed}
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - as sympy.lambdify
        return namespace["loss_and_gradient"], namespace["predict"]

    def _overflowed(self, layer: int, z) -> None:
        """Called by a guarded kernel when Σ z_l is not finite: raise if z_l itself is not
        (a sum of finite values can overflow on its own, a finite sum cannot hide an inf)."""
        xp = self.backend.xp
        if not bool(xp.all(xp.isfinite(z))):
            raise KernelOverflowError(layer, self.dtype)

    @property
    def parameters(self) -> tuple:
        """The parameters' symbols, in θ's order (made on first use for a network)."""
        return tuple(self.model.parameters)

    @property
    def n_outputs(self) -> int:
        return len(self.targets)

    def _asarray(self, name: str, value):
        try:
            return self.backend.xp.asarray(value, dtype=self._dtype)
        except (TypeError, ValueError) as error:  # text, ragged rows, None: say which and why
            from .data import as_numbers

            try:
                as_numbers(name, value)
            except ValueError as clear:
                raise KernelInputError(str(clear)) from None
            raise KernelInputError(f"{name} can't be read as numbers ({error})") from None

    def _arrays(self, theta, X, Y=None):
        xp = self.backend.xp
        theta = self._asarray("θ", theta)
        if tuple(theta.shape) != (self.n_parameters,):
            raise KernelInputError(
                f"θ must be a flat vector of {self.n_parameters} numbers (one per parameter), "
                f"got shape {tuple(theta.shape)}"
            )
        X = self._asarray("X", X)
        k = len(self.inputs)
        if X.ndim == 1 and k == 1:
            X = xp.reshape(X, (-1, 1))
        if X.ndim != 2 or X.shape[1] != k:
            raise KernelInputError(
                f"X must have shape (n, {k}): one row per sample, one column per input "
                f"({', '.join(map(str, self.inputs))}); got shape {tuple(X.shape)}"
            )
        if X.shape[0] < 1:
            raise KernelInputError("X has no rows: there is no data to compute a loss on")
        if Y is None:
            return theta, X, None
        Y = self._asarray("Y", Y)
        m = self.n_outputs
        if Y.ndim == 1 and m == 1:
            Y = xp.reshape(Y, (-1, 1))
        if Y.ndim != 2 or Y.shape[1] != m or Y.shape[0] != X.shape[0]:
            want = f"({X.shape[0]},)" + f" or ({X.shape[0]}, 1)" if m == 1 else f"({X.shape[0]}, {m})"
            raise KernelInputError(
                f"Y must have shape {want}: one row per sample of X, one column per target; "
                f"got shape {tuple(Y.shape)}"
            )
        return theta, X, Y

    def __call__(self, theta, X, Y):
        """The mean loss over the samples and its gradient with respect to θ."""
        theta, X, Y = self._arrays(theta, X, Y)
        try:
            loss, grad = self._loss_and_gradient(theta, X, Y)
        except KernelOverflowError:
            self._diagnose(theta, X, Y)  # NaN in θ, X or Y is not an overflow: blame it
            raise
        if not math.isfinite(float(loss)):
            self._diagnose(theta, X, Y)
        return loss, grad

    def predict(self, theta, X):
        """ŷ for each row of X: shape (n,) for one output, (n, m) for several."""
        theta, X, _ = self._arrays(theta, X)
        try:
            out = self._predict(theta, X)
        except KernelOverflowError:
            self._diagnose(theta, X, None)
            raise
        if not bool(self.backend.xp.all(self.backend.xp.isfinite(out))):
            self._diagnose(theta, X, None)  # NaN in, NaN out: name the input instead
        return out[:, 0] if self.n_outputs == 1 else out

    def _diagnose(self, theta, X, Y) -> None:
        """A non-finite loss: blame the input that holds NaN or inf, if one does."""
        xp = self.backend.xp
        for name, array in (("θ", theta), ("X", X), ("Y", Y)):
            if array is None:
                continue
            bad = ~xp.isfinite(array)
            if bool(xp.any(bad)):
                where = numpy.argwhere(self.backend.to_numpy(bad))[0].tolist()
                fix = ("start from finite values" if name == "θ"
                       else "remove or impute those values first")
                raise KernelInputError(
                    f"{name} holds NaN or infinity (first at index {tuple(where)}): {fix}")

    def __repr__(self) -> str:
        return (f"<Kernel ({self.kind}) for {self.model.describe()}; backend {self.backend.name}, "
                f"{self.dtype}>")


def compile_network(net, backend="numpy", dtype="float64") -> Kernel:
    require_compilable(net)
    chosen = _backend(backend)
    # float32 overflows at 3.4e38, within reach of large weights: a float32 kernel checks each
    # layer's z (one sum a layer) and raises KernelOverflowError rather than return a wrong loss
    guard = dtype == "float32"
    return Kernel(readable_source(net, guard), net, chosen, dtype, "layer by layer",
                  fast_source=fast_source(net, chosen.out_functions, guard))


def compile_model(model, backend="numpy", dtype="float64") -> Kernel:
    undefined = [f for e in model.expressions for f in e.atoms(sympy.core.function.AppliedUndef)]
    if undefined:
        raise ValueError(f"cannot compile: {undefined[0]} is an undefined function; give it a "
                         "formula first")
    return Kernel(model_source(model), model, _backend(backend), dtype, "per sample, with CSE")

