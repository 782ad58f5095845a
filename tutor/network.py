"""Networks in the slides' notation: layers of neurons, each a regression squashed by G.

Layer l has n_l neurons. Neuron j of layer l computes

    z_l^(j) = α_l^(j) + Σ_i β_l^(j,i) h_{l−1}^(i)        (the affine map; h_0 = x)
    h_l^(j) = G_l(z_l^(j))                               (the activation)

and the last layer's h are the predictions ŷ. "A bunch of regressions stacked together."

>>> import tutor
>>> net = tutor.mlp([2, 2, 1], activation="logistic")
>>> net.parameters[:3]
(alpha_1^(1), alpha_1^(2), beta_1^(1,1))
>>> len(net.parameters)
9
>>> tutor.linear_regression(2).parameters
(alpha, beta_1, beta_2)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy
import sympy

from .activations import SOFTMAX, Activation, activation
from .losses import Loss
from .losses import loss as _loss
from .notation import Symbol, unicode

__all__ = ["Layer", "Network", "mlp", "linear_regression", "logistic_regression", "neuron"]


class Layer:
    """One layer's symbols: biases α (n,), weights β (n, fan_in), and the named quantities
    back-propagation caches: pre-activations z, activations h and deltas δ = ∂c/∂z.

    The symbols are made on first use: a kernel needs only the widths, and a 784-256-128-10
    network has 235,146 parameters.
    """

    def __init__(self, index: int, activation_, width: int, fan_in: int, naming: str):
        self.index, self.activation = index, activation_
        self.width, self.fan_in, self.naming = width, fan_in, naming

    @cached_property
    def _names(self):
        if self.naming == "network":
            return _network_names(self.index, self.width, self.fan_in)
        return _regression_names(self.fan_in, self.naming)

    alpha = property(lambda self: self._names[0], doc="the biases α_l^(j)")
    beta = property(lambda self: self._names[1], doc="the weights β_l^(j,i), row j")
    z = property(lambda self: self._names[2], doc="the named pre-activations z_l^(j)")
    h = property(lambda self: self._names[3], doc="the named activations h_l^(j)")
    delta = property(lambda self: self._names[4], doc="the named deltas δ_l^(j) = ∂c/∂z_l^(j)")

    @property
    def size(self) -> int:
        return self.width * (1 + self.fan_in)

    def __repr__(self) -> str:
        return f"<Layer {self.index}: {self.width} × {self.activation.symbol}, fan-in {self.fan_in}>"


def _network_names(l: int, width: int, fan_in: int):
    one = width == 1
    alpha = tuple(Symbol(f"alpha_{l}^({j})") for j in range(1, width + 1))
    beta = tuple(
        tuple(Symbol(f"beta_{l}^({j},{i})") for i in range(1, fan_in + 1))
        for j in range(1, width + 1)
    )
    named = [
        tuple(Symbol(f"{q}_{l}" if one else f"{q}_{l}^({j})") for j in range(1, width + 1))
        for q in ("z", "h", "delta")
    ]
    return alpha, beta, *named


def _regression_names(fan_in: int, output: str):
    alpha = (Symbol("alpha"),)
    beta = (tuple(Symbol(f"beta_{i}") for i in range(1, fan_in + 1)),)
    return alpha, beta, (Symbol("z"),), (Symbol(output),), (Symbol("delta"),)


class Network:
    """A feed-forward network (or a regression: a network without hidden layers).

    θ, the flat parameter vector, lists layer by layer the biases α_l and then the weights
    β_l row by row: for a regression that is (α, β_1, …, β_k), statsmodels' order.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation_: object = "logistic",
        output: object = "identity",
        loss: object = "squared_error",
        *,
        naming: str = "network",
        title: str | None = None,
    ):
        sizes = tuple(sizes)
        if len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, int | numpy.integer) or n < 1 for n in sizes
        ):
            raise ValueError(
                f"sizes must list at least two positive integers (inputs, …, outputs), got "
                f"{list(sizes)}; e.g. [2, 2, 1] is two inputs, two hidden neurons, one output"
            )
        self.sizes = tuple(int(n) for n in sizes)
        hidden = len(sizes) - 2
        if isinstance(activation_, str | Activation) or not isinstance(activation_, Sequence):
            hidden_acts = [activation(activation_)] * hidden
        else:
            if len(activation_) != hidden:
                raise ValueError(
                    f"got {len(activation_)} activations for {hidden} hidden layers: give one "
                    "activation for all, or one per hidden layer"
                )
            hidden_acts = [activation(a) for a in activation_]
        out = activation(output, allow_softmax=True)
        self.loss_row: Loss = _loss(loss)
        if self.loss_row.name == "cross_entropy" and out is not SOFTMAX:
            if out.is_undefined or out.name not in ("logistic",):
                raise ValueError(
                    f"cross-entropy needs probabilities: use output='logistic' (two classes) or "
                    f"output='softmax' (several), not {out.symbol!r}"
                )
        if out is SOFTMAX and self.sizes[-1] < 2:
            raise ValueError("a softmax output needs at least two outputs (one per class)")
        self.naming = naming
        self.title = title
        layers = []
        acts = [*hidden_acts, out]
        for l in range(1, len(sizes)):
            layers.append(Layer(l, acts[l - 1], self.sizes[l], self.sizes[l - 1], naming))
        self.layers: tuple[Layer, ...] = tuple(layers)
        k, m = self.sizes[0], self.sizes[-1]
        self.inputs: tuple[Symbol, ...] = tuple(Symbol(f"x_{i}") for i in range(1, k + 1))
        self.targets: tuple[Symbol, ...] = (
            (Symbol("y"),) if m == 1 else tuple(Symbol(f"y_{j}") for j in range(1, m + 1))
        )

    # -- the parameters -------------------------------------------------------------------
    @cached_property
    def parameters(self) -> tuple[Symbol, ...]:
        """Every parameter, in the order of the flat vector θ."""
        out = []
        for layer in self.layers:
            out.extend(layer.alpha)
            for row in layer.beta:
                out.extend(row)
        return tuple(out)

    @property
    def n_parameters(self) -> int:
        """The length of θ, without making a symbol for each parameter."""
        return sum(layer.size for layer in self.layers)

    def memory_needed(self, n: int, itemsize: int = 8) -> int:
        """Bytes that descending on a batch of n rows holds at once, roughly: θ, its gradient,
        the next θ and the last good one, and each layer's z, h and δ for the batch.

        >>> import tutor
        >>> tutor.mlp([2, 3, 1]).memory_needed(10)  # 13 parameters; 6 units for 10 rows
        1856
        """
        return itemsize * (4 * self.n_parameters + 3 * n * sum(self.sizes))

    @property
    def output(self):
        """The output activation (identity, logistic, softmax, …)."""
        return self.layers[-1].activation

    @property
    def default_parameter(self) -> Symbol:
        """The parameter shown first: the first weight β₁^(1,1)."""
        return self.layers[0].beta[0][0]

    formula = None  # ŷ is a composition of layers, printed as equations rather than one formula

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    def _offsets(self) -> list[int]:
        offsets, start = [], 0
        for layer in self.layers:
            offsets.append(start)
            start += layer.size
        return offsets

    def unpack(self, theta) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
        """Split θ (or a gradient) into per-layer (α_l of shape (n_l,), β_l of shape
        (n_l, n_{l−1})).

        >>> import tutor, numpy
        >>> [(a.shape, b.shape) for a, b in tutor.mlp([2, 3, 1]).unpack(numpy.zeros(13))]
        [((3,), (3, 2)), ((1,), (1, 3))]
        """
        theta = _flat(theta, self.n_parameters, "θ")
        out = []
        for start, layer in zip(self._offsets(), self.layers, strict=True):
            n, k = layer.width, layer.fan_in
            alpha = theta[start:start + n]
            beta = theta[start + n:start + n + n * k].reshape(n, k)
            out.append((alpha, beta))
        return out

    def pack(self, layers: Sequence[tuple]) -> numpy.ndarray:
        """The inverse of :meth:`unpack`: per-layer (α_l, β_l) to the flat θ."""
        if len(layers) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} layers of (alpha, beta), got {len(layers)}")
        parts = []
        for (alpha, beta), layer in zip(layers, self.layers, strict=True):
            alpha, beta = numpy.asarray(alpha, dtype=float), numpy.asarray(beta, dtype=float)
            if alpha.shape != (layer.width,) or beta.shape != (layer.width, layer.fan_in):
                raise ValueError(
                    f"layer {layer.index}: expected alpha {(layer.width,)} and beta "
                    f"{(layer.width, layer.fan_in)}, got {alpha.shape} and {beta.shape}"
                )
            parts += [alpha, beta.ravel()]
        return numpy.concatenate(parts)

    def init(self, seed: int | None = 0, scale: float = 1.0) -> numpy.ndarray:
        """Seeded starting values: weights N(0, scale²/fan_in), biases 0.

        Dividing by the fan-in keeps z of order 1 whatever the width (the usual
        Glorot/LeCun rule); ``scale`` lets lesson 11 start too small or too large.
        """
        rng = numpy.random.default_rng(seed)
        parts = []
        for layer in self.layers:
            parts.append(numpy.zeros(layer.width))
            std = scale / numpy.sqrt(layer.fan_in)
            parts.append(rng.normal(0.0, std, size=layer.width * layer.fan_in))
        return numpy.concatenate(parts)

    # -- the symbolic model -----------------------------------------------------------------
    def affine(self, layer: Layer, j: int, below: Sequence[sympy.Expr] | None = None):
        """z_l^(j) = α_l^(j) + Σ_i β_l^(j,i) h_{l−1}^(i), with h_{l−1} named (or ``below``)."""
        if below is None:
            below = self.inputs if layer.index == 1 else self.layers[layer.index - 2].h
        # one Add of all the terms: adding them one by one would re-sort the sum each time
        return sympy.Add(layer.alpha[j], *[b * v for b, v in zip(layer.beta[j], below, strict=True)])

    def activate(self, layer: Layer, zs: Sequence[sympy.Expr]) -> list[sympy.Expr]:
        """h_l = G_l(z_l), element-wise, or the softmax of the whole layer."""
        if layer.activation is SOFTMAX:
            return SOFTMAX(zs)
        return [layer.activation(zj) for zj in zs]

    @cached_property
    def outputs(self) -> tuple[sympy.Expr, ...]:
        """ŷ as SymPy expressions of the inputs and parameters (built on first use)."""
        values: Sequence[sympy.Expr] = self.inputs
        for layer in self.layers:
            zs = [self.affine(layer, j, values) for j in range(layer.width)]
            values = self.activate(layer, zs)
        return tuple(values)

    def loss_of(self, predictions: Sequence[sympy.Expr]) -> sympy.Expr:
        """One sample's loss c = Σ_k φ(ŷ_k, y_k) for the given predictions."""
        softmax = self.output is SOFTMAX
        return sympy.Add(
            *[self.loss_row(p, t, softmax=softmax) for p, t in zip(predictions, self.targets,
                                                                    strict=True)]
        )

    @cached_property
    def loss(self) -> sympy.Expr:
        """One sample's loss as a SymPy expression of inputs, targets and parameters."""
        return self.loss_of(self.outputs)

    def equations(self) -> list[tuple[Symbol, sympy.Expr]]:
        """The forward pass as named equations (z = α + βh, h = G(z)), layer by layer."""
        out = []
        for layer in self.layers:
            zs = [self.affine(layer, j) for j in range(layer.width)]
            out += list(zip(layer.z, zs, strict=True))
            if layer.activation is SOFTMAX:
                out += list(zip(layer.h, SOFTMAX(layer.z), strict=True))
            else:
                act = layer.activation
                out += [(hj, sympy.Function(act.symbol)(zj) if not act.is_undefined
                         else act(zj)) for hj, zj in zip(layer.h, layer.z, strict=True)]
        return out

    # -- derivation, kernels ----------------------------------------------------------------
    def parameter(self, param) -> Symbol:
        """The parameter called ``param`` (a symbol, its name as typed, or its index in θ)."""
        from .expression import find_parameter

        return find_parameter(self.parameters, param)

    def derivation(self, param=None):
        """The chain rule for ∂c/∂param, step by step (default: the first weight)."""
        from .derivation import network_derivation

        if param is None:
            param = self.default_parameter
        return network_derivation(self, self.parameter(param))

    def backprop(self):
        """Every parameter's gradient, layer by layer, in the named z, h and δ."""
        from .backprop import Backprop

        return Backprop(self)

    def compile(self, backend="numpy", dtype: str = "float64"):
        """A kernel ``loss, grad = kernel(theta, X, Y)``, layer by layer with matrix products."""
        from .kernel import compile_network

        return compile_network(self, backend=backend, dtype=dtype)

    # -- printing ---------------------------------------------------------------------------
    def describe(self) -> str:
        """What this network is, in a line."""
        if self.title and len(self.layers) == 1:
            k = self.sizes[0]
            return (f"{self.title} with {k} feature{'s' if k != 1 else ''}: activation "
                    f"{self.output.symbol}, loss {self.loss_row.name}, {self.n_parameters} parameters")
        acts = [layer.activation.symbol if getattr(layer.activation, "is_undefined", False)
                else layer.activation.name for layer in self.layers]
        shape = "-".join(str(n) for n in self.sizes)
        kind = self.title or ("network" if len(self.layers) > 1 else "single layer")
        return (
            f"{kind} {shape}: activations {' → '.join(acts)}, loss {self.loss_row.name}, "
            f"{self.n_parameters} parameter{'s' if self.n_parameters != 1 else ''}"
        )

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    def __str__(self) -> str:
        lines = [self.describe()]
        if self.n_parameters <= 40:
            lines += [f"  {unicode(lhs)} = {unicode(rhs)}" for lhs, rhs in self.equations()]
            lines.append(f"  c = {unicode(self.loss_of(self.layers[-1].h))}")
        return "\n".join(lines)


def _flat(theta, size: int, what: str):
    """θ as a 1-D array of ``size`` numbers (NumPy, or any array with .shape and .reshape)."""
    if not hasattr(theta, "shape"):
        theta = numpy.asarray(theta, dtype=float)
    if tuple(theta.shape) != (size,):
        raise ValueError(f"{what} must be a flat vector of {size} numbers, got shape "
                         f"{tuple(theta.shape)}")
    return theta


def mlp(sizes: Sequence[int], activation="logistic", output="identity",
        loss="squared_error") -> Network:
    """A network with layer widths ``sizes`` = [inputs, hidden…, outputs].

    ``activation`` is one activation for every hidden layer, or one per hidden layer (a name
    from the table, a SymPy Lambda, or an undefined Function such as F_1). ``output`` is
    identity (regression), logistic (two classes) or softmax (several), or any activation.

    >>> import tutor
    >>> tutor.mlp([2, 16, 16, 3], "tanh", output="softmax", loss="cross_entropy")
    <network 2-16-16-3: activations tanh → tanh → softmax, loss cross_entropy, 371 parameters>
    """
    return Network(sizes, activation, output, loss)


def linear_regression(k: int = 1) -> Network:
    """ŷ = α + xβ with k features and squared-error loss; θ = (α, β_1, …, β_k)."""
    return Network([k, 1], (), "identity", "squared_error", naming="yhat",
                   title="linear regression")


def logistic_regression(k: int = 1) -> Network:
    """P(y = 1) = G(α + xβ), G logistic, cross-entropy loss (its minimum is the logit MLE)."""
    return Network([k, 1], (), "logistic", "cross_entropy", naming="yhat",
                   title="logistic regression")


def neuron(k: int = 1, activation="logistic", loss="squared_error") -> Network:
    """A single neuron h = G(α + xβ) with any activation."""
    return Network([k, 1], (), activation, loss, naming="h", title="neuron")
