"""From what a learner asks for to a run: spec → data → model → arrays → θ₀ → kernel → Session.

One straight pipeline, each step a small function, used alike by the command line, the terminal
UI, the tour and the lessons. The specs (:mod:`tutor.spec`) say what is wanted; this module
builds it, and every problem it finds is a :class:`tutor.SpecError` naming the field at fault.

>>> import tutor
>>> problem = tutor.build(tutor.ModelSpec("slides"), tutor.DataSpec("slides"))
>>> print(problem.describe())
model ŷ = α + x, loss squared_error, 1 parameter; data: built-in 'slides' (y = 5 + x at x = 1, one sample)
>>> problem.theta0.tolist()                    # the slides' initial guess α₀ = 2
[2.0]
>>> session = problem.session(tutor.RunSpec(learning_rate=0.1))
>>> float(session.forward().theta[0])          # α₁ = 2 − 0.1·(−6)
2.6
>>> float(tutor.start("slides", learning_rate=1.0).forward().theta[0])
8.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy
import sympy

from . import datasets
from .activations import SOFTMAX, activation
from .csvfile import load_csv
from .data import Data
from .expression import Model, find_parameter
from .losses import loss as loss_row
from .network import Network, linear_regression, logistic_regression, neuron
from .notation import Symbol, unicode
from .parser import parse
from .spec import DataSpec, ModelSpec, Preset, RunSpec, SpecError, preset

__all__ = ["Problem", "build", "start", "load_data", "build_model", "arrays", "start_values"]


@dataclass
class Problem:
    """What a run works on: the model, the data and the arrays that feed it, and θ₀."""

    spec: ModelSpec
    data_spec: DataSpec
    model: Network | Model
    data: Data | None
    X: numpy.ndarray | None
    Y: numpy.ndarray | None
    theta0: numpy.ndarray
    _kernels: dict = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def names(self) -> list[str]:
        """The parameters as a learner reads them: α, β₁^(1,2)."""
        return [unicode(p) for p in self.model.parameters]

    @property
    def keys(self) -> list[str]:
        """The parameters as typed, for files and JSON: alpha, beta_1^(1,2)."""
        return [p.name for p in self.model.parameters]

    @property
    def columns(self) -> dict[str, str]:
        """For a single-layer model on named data, the column each parameter multiplies:
        {"alpha": "constant", "beta_1": "schooling", …}; empty for other models."""
        if self.data is None or self.kind not in ("linear", "logistic", "neuron"):
            return {}
        return dict(zip(self.keys, ("constant", *self.data.features), strict=False))

    def describe(self) -> str:
        source = f"; data: {self.data.source}" if self.data is not None else ""
        return self.model.describe() + source

    def compile(self, backend="numpy", dtype: str = "float64"):
        """The model's kernel on ``backend`` in ``dtype``, compiled once."""
        key = (str(backend), dtype)
        if key not in self._kernels:
            self._kernels[key] = self.model.compile(backend=backend, dtype=dtype)
        return self._kernels[key]

    def session(self, run: RunSpec | None = None, *, backend="numpy", dtype: str = "float64"):
        """A :class:`tutor.Session` that steps through gradient descent on this problem."""
        from .session import Session

        run = run or RunSpec()
        if self.X is None:
            raise SpecError("a run needs data: name a data set", "data")
        return Session(self.model, self.compile(backend, dtype), self.X, self.Y, self.theta0,
                       run.learning_rate, run.batch_size, run.seed)


# -- the pipeline ---------------------------------------------------------------------------------
def build(model: ModelSpec | str = "mlp", data: DataSpec | str | None = None, *,
          need_data: bool = True, dtype: str = "float64") -> Problem:
    """The problem a model spec and a data spec describe.

    With no data named and ``need_data``, the data are random and shaped for the model
    (``datasets.toy``, of ``data.n`` rows, 16 by default): enough for a gradient check.
    """
    model_spec = model if isinstance(model, ModelSpec) else ModelSpec(model)
    data_spec = data if isinstance(data, DataSpec) else DataSpec(data)
    loaded = load_data(data_spec)
    built = build_model(model_spec, loaded, dtype=dtype, rows=data_spec.n)
    if loaded is None and need_data:
        loaded = _toy(built, data_spec)
    X = Y = None
    if loaded is not None:
        X, Y = arrays(built, model_spec, loaded)
    theta0 = start_values(built, model_spec, data_spec.seed)
    return Problem(model_spec, data_spec, built, loaded, X, Y, theta0)


def start(which: Preset | str = "slides", learning_rate: float | None = None,
          batch_size: int | None = None, *, backend="numpy", dtype: str = "float64"):
    """A preset's run, ready to step through: ``tutor.start("slides").forward()``."""
    chosen = preset(which) if isinstance(which, str) else which
    run = RunSpec(chosen.run.learning_rate if learning_rate is None else learning_rate,
                  batch_size, seed=chosen.run.seed)
    return build(chosen.model, chosen.data).session(run, backend=backend, dtype=dtype)


def load_data(spec: DataSpec) -> Data | None:
    """A built-in data set or a CSV file; None when the spec names none."""
    if spec.source is None:
        return None
    if spec.is_file:
        return load_csv(spec.source, target=spec.target, features=list(spec.features)
                        if spec.features else None, standardize=spec.standardize)
    try:
        data = datasets.load(spec.source, n=spec.n, seed=spec.seed, **spec.options)
    except ValueError as error:
        field_ = "n" if "n, the number" in str(error) else "data"
        raise SpecError(str(error), field_) from None
    return data.standardized()[0] if spec.standardize else data


def _toy(model, spec: DataSpec) -> Data:
    X, Y = datasets.toy(model, n=spec.n or 16, seed=spec.seed)
    return Data(X, Y, tuple(s.name for s in model.inputs), tuple(s.name for s in model.targets),
                f"random toy data (n={len(X)}, seed={spec.seed})")


# -- the model ------------------------------------------------------------------------------------
def build_model(spec: ModelSpec, data: Data | None, *, dtype: str = "float64",
                rows: int | None = None) -> Network | Model:
    """The model a spec describes, sized for the data (its features and targets)."""
    k = data.k if data is not None else None
    defaults = spec.defaults
    if spec.kind == "slides":
        alpha, x = Symbol("alpha"), Symbol("x")
        return Model(alpha + x, [alpha], [x], loss=_loss(spec.loss or defaults.loss))
    if spec.kind == "linear":
        return linear_regression(k or 1)
    if spec.kind == "logistic":
        return logistic_regression(k or 1)
    if spec.kind == "neuron":
        return _checked(lambda: neuron(k or 1, _activation(spec.activation or defaults.activation,
                                                           1), _loss(spec.loss or defaults.loss)))
    if spec.kind == "formula":
        return _formula(spec)
    net = _network(spec, data)
    _check_fits(net, data.n if data is not None else (rows or 16),
                4 if dtype == "float32" else 8, "layers" if spec.layers else "hidden")
    return net


def _checked(make):
    """A model constructor's ValueError (cross-entropy without probabilities, softmax with one
    output …) as a SpecError of the model's options."""
    try:
        return make()
    except SpecError:
        raise
    except ValueError as error:
        words = str(error)
        field_ = next((f for f in ("softmax", "loss", "output") if f in words), "model")
        raise SpecError(words, "output" if field_ == "softmax" else field_) from None


def _activation(text: str, layer: int | None, field_: str = "activation"):
    """A name from the table, ``F`` for the slides' unspecified F_l, or a formula in one variable
    (read by tutor's parser and given the table row's stable form, as the API does)."""
    text = text.strip()
    if text in ("F", "general"):
        return sympy.Function(f"F_{layer}" if layer else "F")
    try:
        return activation(text, allow_softmax=field_ == "output")
    except ValueError as error:
        if type(error) is not ValueError and not isinstance(error, SpecError):
            raise  # a ParseError, with its caret: said as it is
        raise SpecError(str(error), field_) from None


def _loss(text: str):
    try:
        return loss_row(text.strip())
    except ValueError as error:
        if type(error) is not ValueError:
            raise
        raise SpecError(str(error), "loss") from None


def _classes(data: Data | None) -> int | None:
    """The number of classes when the target is one column of small whole numbers 0…K−1."""
    if data is None or data.Y.ndim != 1:
        return None
    values = numpy.unique(data.Y)
    if values.size <= 20 and numpy.all(values == numpy.round(values)) and values.min() == 0:
        return int(values.max()) + 1
    return None


def _network(spec: ModelSpec, data: Data | None) -> Network:
    defaults = spec.defaults
    output = _activation(spec.output or defaults.output, None, "output")
    if spec.layers:
        sizes = spec.layers
    else:
        classes = _classes(data) if output is SOFTMAX else None
        m = classes or (1 if data is None or data.Y.ndim == 1 else data.Y.shape[1])
        sizes = (data.k if data is not None else 2, *(spec.hidden or (2,)), m)
    if isinstance(output, sympy.FunctionClass):
        output = sympy.Function(f"F_{len(sizes) - 1}")
    hidden = [_activation(spec.activation or defaults.activation, layer)
              for layer in range(1, len(sizes) - 1)]
    loss = spec.loss or ("cross_entropy" if output is SOFTMAX else "squared_error")
    return _checked(lambda: Network(sizes, hidden, output, _loss(loss)))


def _formula(spec: ModelSpec) -> Model:
    expr = parse(spec.formula)
    names = {s.name: s for s in expr.free_symbols}
    missing = [name for name in spec.params if name not in names]
    if missing:
        raise SpecError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the "
                        f"formula {spec.formula!r}, whose names are {', '.join(sorted(names))}",
                        "params")
    inputs = sorted((s for s in expr.free_symbols if s.name not in spec.params),
                    key=lambda s: s.name)
    return _checked(lambda: Model(expr, [names[n] for n in spec.params], inputs,
                                  loss=_loss(spec.loss or "squared_error")))


def _free_memory() -> int | None:
    """Bytes of memory free for a new process (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_fits(net: Network, n: int, itemsize: int, field_: str) -> None:
    """A network too large for this machine's memory is refused before anything is made: it
    would otherwise fill the memory, and the system, not tutor, would stop it."""
    need, free = net.memory_needed(n, itemsize), _free_memory()
    if free is not None and need > free:
        raise SpecError(
            f"a {'-'.join(map(str, net.sizes))} network has {net.n_parameters:,} parameters: "
            f"descending needs about {need / 1e9:,.1f} GB ({8 * itemsize}-bit θ, its gradient and "
            f"the next θ), and this machine has {free / 1e9:,.1f} GB free; make the hidden layers "
            "narrower or fewer", field_)


# -- the arrays and θ₀ ----------------------------------------------------------------------------
def arrays(model, spec: ModelSpec, data: Data) -> tuple[numpy.ndarray, numpy.ndarray]:
    """X with the model's input columns in order, and Y shaped for the model's outputs."""
    X = _inputs(model, spec, data)
    Y = _targets(model, data)
    if model.loss_row.name == "cross_entropy":
        if not numpy.all((Y == 0) | (Y == 1)):
            raise SpecError(f"cross-entropy needs targets that are 0 or 1; {data.targets[0]!r} "
                            "has other values (use the squared error, or a 0/1 target)", "loss")
        if Y.ndim == 1 and Y.min() == Y.max():
            raise SpecError(f"the target {data.targets[0]!r} is {Y[0]:g} in every row: a "
                            "classifier needs both 0s and 1s to learn anything (with one class "
                            "the loss falls forever and gradient descent never stops)", "target")
    return X, Y


def _inputs(model, spec: ModelSpec, data: Data) -> numpy.ndarray:
    """A formula's inputs are the data's columns by name; other models take them in order."""
    if spec.kind == "formula":
        unknown = [s.name for s in model.inputs if s.name not in data.features]
        if unknown:
            raise SpecError(f"the formula uses {unknown[0]!r}, which is neither one of its "
                            f"parameters nor a data column; the columns are "
                            f"{', '.join(data.features)}", "params")
        return data.X[:, [data.features.index(s.name) for s in model.inputs]]
    if data.k != len(model.inputs):
        k = len(model.inputs)
        raise SpecError(f"the model takes {k} input{'s' * (k != 1)} but the data has {data.k} "
                        f"features ({', '.join(data.features)}): choose {k} of the features, or "
                        f"a model with {data.k} inputs", "features")
    return data.X


def _targets(model, data: Data) -> numpy.ndarray:
    m, Y = len(model.targets), data.Y
    if model.output is SOFTMAX:
        one_hot = (Y.ndim == 2 and Y.shape[1] == m and numpy.all((Y == 0) | (Y == 1))
                   and numpy.all(Y.sum(axis=1) == 1))
        if one_hot:
            return Y
        classes = _classes(data)
        if classes is None or classes > m:
            raise SpecError(f"a softmax with {m} outputs needs a target of class labels 0…{m - 1} "
                            f"(or one-hot columns); {data.targets[0]!r} is not", "target")
        return numpy.eye(m)[Y.astype(int)]
    columns = 1 if Y.ndim == 1 else Y.shape[1]
    if columns != m:
        raise SpecError(f"the model has {m} outputs but the data has {columns} target "
                        f"column{'s' * (columns != 1)} ({', '.join(data.targets)}): make the "
                        f"last width {columns}, one output per target", "layers")
    return Y


def start_values(model, spec: ModelSpec, seed: int = 0) -> numpy.ndarray:
    """θ₀: the kind's start (zeros, or the model's seeded ``init``), then the values the kind
    and the spec name. Every name is checked, even one given without a value."""
    defaults = spec.defaults
    theta = (model.init(seed=seed) if defaults.start == "random"
             else numpy.zeros(model.n_parameters))
    for name, value in [*defaults.params, *spec.params.items()]:
        try:
            index = model.parameters.index(find_parameter(model.parameters, name))
        except (ValueError, IndexError) as error:
            raise SpecError(str(error), "params") from None
        if value is not None:
            theta[index] = value
    return theta
