"""From command-line options to a model, its data and a starting θ.

A model is a name (slides, linear, logistic, neuron, mlp) or a formula typed by the user, read by
our own whitelisting parser (never by eval). Data is a built-in name or a CSV file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy
import sympy

from .. import datasets
from ..activations import ACTIVATIONS, Activation, activation
from ..activations import z as z_symbol
from ..data import Data, load_csv
from ..expression import Model, find_parameter
from ..losses import Loss
from ..losses import loss as loss_row
from ..losses import yhat as yhat_symbol
from ..network import Network, linear_regression, logistic_regression, mlp, neuron
from ..notation import Symbol, unicode
from ..parser import parse, parse_activation, parse_loss

__all__ = ["UsageError", "Problem", "model_from", "data_from", "problem_from", "parse_assignments"]

NAMED_MODELS = ("slides", "linear", "logistic", "neuron", "mlp")


class UsageError(ValueError):
    """The options do not fit together; the message says how to fix them."""


@dataclass
class Problem:
    """What a command works on: the model, the data arrays that feed it, and θ₀."""

    model: Network | Model
    data: Data | None
    X: numpy.ndarray | None
    Y: numpy.ndarray | None
    theta0: numpy.ndarray
    kind: str  # slides, linear, logistic, neuron, mlp or formula

    @property
    def names(self) -> list[str]:
        """The parameters as a learner reads them: α, β₁^(1,2)."""
        return [unicode(p) for p in self.model.parameters]

    @property
    def keys(self) -> list[str]:
        """The parameters as typed, for files and JSON: alpha, beta_1^(1,2)."""
        return [p.name for p in self.model.parameters]


def parse_assignments(text: str | None) -> dict[str, float | None]:
    """``alpha=2,beta=0`` (or ``beta_1^(1,2)=0.5``) → {name: value}; a bare name gets None.

    Commas inside parentheses belong to a name, as in ``beta_1^(1,2)``. Values are read with
    ``float`` (numbers only).
    """
    if not text:
        return {}
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    out: dict[str, float | None] = {}
    for part in parts:
        name, _, value = part.partition("=")
        name = name.strip()
        if not name:
            raise UsageError(f"--params: empty name in {text!r}; write name=value,name=value")
        if not value.strip():
            out[name] = None
            continue
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--params: {value.strip()!r} for {name} is not a number; write "
                             f"name=number, such as {name}=2") from None
        if not numpy.isfinite(number):
            raise UsageError(f"--params: {name} must be a finite number, got {value.strip()}")
        out[name] = number
    return out


def _activation(text: str | None, default: str, layer: int | None = None,
                option: str = "--activation"):
    """A name from the table, ``F`` for the slides' unspecified F_l, or a formula in one variable.

    A bare name that is not in the table (``relux``, ``sigmoidd``) is refused: read as a formula
    it would be the identity in a variable of that name, which is never what was meant.
    """
    text = (text or default).strip()
    if text in ("F", "general"):
        return sympy.Function(f"F_{layer}" if layer else "F")
    try:
        return activation(text, allow_softmax=True)
    except ValueError:
        pass
    if re.fullmatch(r"[^\W\d]\w*", text):
        names = ", ".join(row.name for row in ACTIVATIONS)
        raise UsageError(f"{option} {text!r}: no activation has that name; choose one of "
                         f"{names}{', softmax' if option == '--output' else ''}, F (the slides' "
                         f"unspecified F), or type a formula in one variable such as "
                         f"'1/(1+exp(-z))'")
    lam = parse_activation(text)
    return Activation(text, lam(z_symbol), description=f"typed formula {text}")


def _loss(text: str | None, default: str) -> Loss:
    text = (text or default).strip()
    try:
        return loss_row(text)
    except ValueError:
        pass
    term = parse_loss(text)
    if not term.has(yhat_symbol):
        raise UsageError(f"--loss {text!r} does not depend on yhat, so nothing could be learnt")
    return Loss(text, term, description=f"typed formula {text}")


def _sizes(text: str, option: str = "--layers") -> list[int]:
    """Widths separated by commas (or dashes: 2-16-1), each a whole number ≥ 1."""
    example = ("16,16 (the widths of the hidden layers)" if option == "--hidden"
               else "2,16,16,3 (inputs, hidden layers…, outputs)")
    parts = [s.strip() for s in text.strip().strip(",").replace("-", ",").split(",")]
    try:
        sizes = [int(s) for s in parts]
    except ValueError:
        bad = next((s for s in parts if not s.isdigit()), text)
        why = "a negative width" if "-" in text.strip() and not bad else f"{bad!r} is not a width"
        raise UsageError(f"{option} {text!r}: {why}; give positive whole numbers such as "
                         f"{example}") from None
    least = 1 if option == "--hidden" else 2
    if len(sizes) < least or min(sizes) < 1:
        raise UsageError(f"{option} {text!r}: give {'at least two ' if least == 2 else ''}"
                         f"positive whole numbers such as {example}")
    return sizes


def _classes(data: Data | None) -> int | None:
    """The number of classes when the target is one column of small whole numbers 0…K−1."""
    if data is None or data.Y.ndim != 1:
        return None
    values = numpy.unique(data.Y)
    if values.size <= 20 and numpy.all(values == numpy.round(values)) and values.min() == 0:
        return int(values.max()) + 1
    return None


#: the model options each kind of model uses; any other one given is refused, not ignored
USES = {"slides": ("loss",), "linear": (), "logistic": (), "neuron": ("activation", "loss"),
        "mlp": ("layers", "hidden", "activation", "output", "loss"), "formula": ("loss",)}


def _unused_options(args, kind: str) -> None:
    """--activation with linear regression, --hidden with a neuron: said, not silently ignored."""
    for option in ("layers", "hidden", "activation", "output", "loss"):
        if getattr(args, option, None) and option not in USES[kind]:
            takers = ", ".join(name for name, used in USES.items() if option in used)
            model = "a formula model" if kind == "formula" else f"--model {kind}"
            raise UsageError(f"--{option} does not apply to {model}, so it would be ignored; "
                             f"the models that use it: {takers}")


def model_from(args, data: Data | None) -> tuple[Network | Model, str]:
    """The model the options describe, and its kind."""
    spec = (args.model or "mlp").strip()
    kind = spec if spec in NAMED_MODELS else "mlp" if spec == "network" else "formula"
    _unused_options(args, kind)
    k = data.k if data is not None else None
    if spec == "slides":
        alpha, x = Symbol("alpha"), Symbol("x")
        return Model(alpha + x, [alpha], [x], loss=_loss(args.loss, "squared_error")), "slides"
    if spec == "linear":
        return linear_regression(k or 1), "linear"
    if spec == "logistic":
        return logistic_regression(k or 1), "logistic"
    if spec == "neuron":
        return neuron(k or 1, _activation(args.activation, "logistic", 1),
                      _loss(args.loss, "squared_error")), "neuron"
    if spec in ("mlp", "network"):
        output = _activation(args.output, "identity", None, "--output")
        if args.layers:
            sizes = _sizes(args.layers)
        else:
            hidden = _sizes(args.hidden or "2", "--hidden")
            classes = _classes(data)
            m = classes if (output is not None and getattr(output, "name", "") == "softmax"
                            and classes) else (1 if data is None or data.Y.ndim == 1
                                               else data.Y.shape[1])
            sizes = [k or 2, *hidden, m]
        if isinstance(output, sympy.FunctionClass):
            output = sympy.Function(f"F_{len(sizes) - 1}")
        hidden_acts = [_activation(args.activation, "logistic", layer)
                       for layer in range(1, len(sizes) - 1)]
        default_loss = "cross_entropy" if getattr(output, "name", "") in ("softmax",) else (
            "squared_error")
        net = mlp(sizes, hidden_acts, output, _loss(args.loss, default_loss))
        _check_fits(net, data.n if data is not None else (args.n or 16),
                    4 if getattr(args, "dtype", "float64") == "float32" else 8,
                    "--layers" if args.layers else "--hidden")
        return net, "mlp"
    return _formula_model(args, spec), "formula"


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


def _check_fits(net: Network, n: int, itemsize: int, option: str) -> None:
    """A network too large for this machine's memory is refused before anything is made: it
    would otherwise fill the memory, and the system, not tutor, would stop it."""
    need, free = net.memory_needed(n, itemsize), _free_memory()
    if free is not None and need > free:
        widths = "-".join(map(str, net.sizes))
        raise UsageError(
            f"a {widths} network has {net.n_parameters:,} parameters: descending needs about "
            f"{need / 1e9:,.1f} GB ({8 * itemsize}-bit θ, its gradient and the next θ), and this "
            f"machine has {free / 1e9:,.1f} GB free; make the hidden layers narrower or fewer "
            f"({option})")


def _formula_model(args, text: str) -> Model:
    assignments = parse_assignments(args.params)
    if not assignments:
        raise UsageError(
            f"--model {text!r} is not one of the named models ({', '.join(NAMED_MODELS)}), so it "
            "is read as a formula: name its parameters with --params, e.g. --params "
            "alpha=2,beta=0 (the other names are inputs, read from data columns)")
    expr = parse(text)
    names = {s.name: s for s in expr.free_symbols}
    missing = [n for n in assignments if n not in names]
    if missing:
        raise UsageError(f"--params names {missing} but the formula {text!r} only uses "
                         f"{sorted(names)}")
    parameters = [names[n] for n in assignments]
    inputs = sorted((s for s in expr.free_symbols if s.name not in assignments), key=lambda s: s.name)
    return Model(expr, parameters, inputs, loss=_loss(args.loss, "squared_error"))


def data_from(args, default: str | None) -> Data | None:
    """The data the options name: a built-in set, or a CSV file; None when none is needed."""
    name = args.data or default
    if name is None:
        return None
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    if name.endswith(".csv") or os.path.sep in name or os.path.exists(name):
        return load_csv(name, target=args.target, features=features, standardize=args.standardize)
    if args.target or args.features:
        raise UsageError("--target and --features choose columns of a CSV file given with --data")
    try:
        data = datasets.load(name, n=args.n, seed=args.seed)
    except ValueError as error:
        raise UsageError(f"--data {name}: {error}" + (" (set with --n)" if args.n is not None
                                                      and "n, the number" in str(error) else "")
                         ) from None
    return data.standardized()[0] if args.standardize else data


def _arrays(model, kind: str, data: Data) -> tuple[numpy.ndarray, numpy.ndarray]:
    """X with the model's input columns in order, and Y shaped for the model's outputs."""
    X, Y = data.X, data.Y
    if kind == "formula":
        columns = []
        for symbol in model.inputs:
            if symbol.name not in data.features:
                raise UsageError(
                    f"the formula uses {symbol.name!r}, which is neither a parameter (--params) "
                    f"nor a data column; the columns are {', '.join(data.features)}")
            columns.append(data.features.index(symbol.name))
        X = X[:, columns]
    elif X.shape[1] != len(model.inputs):
        raise UsageError(f"the model takes {len(model.inputs)} inputs but the data has "
                         f"{X.shape[1]} features ({', '.join(data.features)}); change --layers "
                         "or --features")
    m = len(model.targets)
    if getattr(model, "output", None) is not None and getattr(model.output, "name", "") == "softmax":
        one_hot = Y.ndim == 2 and Y.shape[1] == m and numpy.all((Y == 0) | (Y == 1)) and numpy.all(
            Y.sum(axis=1) == 1)
        if not one_hot:
            classes = _classes(data)
            if classes is None or classes > m:
                raise UsageError(f"a softmax with {m} outputs needs a target of class labels "
                                 f"0…{m - 1} (or one-hot columns); {data.targets[0]!r} is not")
            Y = numpy.eye(m)[Y.astype(int)]
    elif (Y.ndim == 1 and m != 1) or (Y.ndim == 2 and Y.shape[1] != m):
        columns = 1 if Y.ndim == 1 else Y.shape[1]
        raise UsageError(f"the model has {m} outputs but the data has {columns} target "
                         f"column{'s' * (columns != 1)} ({', '.join(data.targets)}): make the last "
                         f"width of --layers {columns}, one output per target")
    if model.loss_row.name == "cross_entropy" and not numpy.all((Y == 0) | (Y == 1)):
        raise UsageError(f"cross-entropy needs targets that are 0 or 1; {data.targets[0]!r} has "
                         "other values (use --loss squared_error, or a 0/1 target)")
    return X, Y


def problem_from(args, default_data: str | None, need_data: bool) -> Problem:
    """Model, data and θ₀ from the options; toy data of the right shape when none is named."""
    data = data_from(args, default_data)
    model, kind = model_from(args, data)
    if data is None and need_data:
        X, Y = datasets.toy(model, n=args.n or 16, seed=args.seed)
        data = Data(X, Y, tuple(s.name for s in model.inputs), tuple(s.name for s in model.targets),
                    f"random toy data (n={len(X)}, seed={args.seed})")
    X = Y = None
    if data is not None:
        X, Y = _arrays(model, kind, data)
    return Problem(model, data, X, Y, _theta0(args, model, kind), kind)


def _theta0(args, model, kind: str) -> numpy.ndarray:
    if kind == "slides":
        theta = numpy.array([2.0])  # the slides' initial guess α₀ = 2
    elif kind in ("linear", "logistic"):
        theta = numpy.zeros(model.n_parameters)
    elif kind == "formula":
        theta = numpy.zeros(model.n_parameters)
    else:
        theta = model.init(seed=args.seed)
    for name, value in parse_assignments(getattr(args, "params", None)).items():
        try:  # every name is checked, even one given without a value
            index = model.parameters.index(find_parameter(model.parameters, name))
        except (ValueError, IndexError) as error:
            raise UsageError(f"--params: {error}") from None
        if value is not None:
            theta[index] = value
    return theta
