"""What a learner asks for, as data: a model, its data and the settings of a run.

Every way into tutor says what it wants with these specs: the command line turns its options
into them, the terminal UI its form, a lesson writes them in Python. One pipeline
(:mod:`tutor.problem`) turns them into a model, arrays, θ₀, a kernel and a run. The lists of
names, the defaults of each kind of model and the playground's presets live here, once.

This module imports neither SymPy nor NumPy, so the home screen can draw before they load.

>>> ModelSpec("mlp", hidden=(16, 16), activation="tanh").hidden
(16, 16)
>>> ModelSpec("neuron", hidden=(3,))  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
tutor.spec.SpecError: hidden widths do not apply to a neuron, and would be ignored;
the models that take it: mlp
>>> learning_rate("0.1"), batch_size("", n=10), batch_size(4, n=10)
(0.1, None, 4)
"""

from __future__ import annotations

import math
import numbers
import operator
import os
import re
from dataclasses import dataclass, field

__all__ = ["SpecError", "ModelSpec", "DataSpec", "RunSpec", "Preset", "PRESETS", "KIND_DEFAULTS",
           "MODEL_KINDS", "ACTIVATION_NAMES", "OUTPUT_NAMES", "LOSS_NAMES", "DATA_NAMES",
           "learning_rate", "batch_size", "whole", "real", "widths", "assignments", "preset"]

#: the named models; any other text given as a model is read as a formula
MODEL_KINDS = ("slides", "linear", "logistic", "neuron", "mlp", "formula")
#: the activation table's names (tests hold them equal to tutor.ACTIVATIONS), and F for the
#: slides' unspecified F_l
ACTIVATION_NAMES = ("logistic", "tanh", "relu", "identity", "softplus")
OUTPUT_NAMES = ("identity", "logistic", "softmax")
LOSS_NAMES = ("squared_error", "cross_entropy")
#: the built-in data sets (tests hold them equal to tutor.datasets.BUILTIN)
DATA_NAMES = ("slides", "linear", "logistic", "moons", "circles", "function")


class SpecError(ValueError):
    """A spec that cannot be built. ``field`` names the setting at fault (``"learning_rate"``,
    ``"params"``, ``"hidden"`` …) so that each front end can say it in its own words: ``--params``
    at the command line, the form's label in the UI."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# -- settings: one validator each --------------------------------------------------------------
def shown(value) -> str:
    """A value as an error message quotes it: text in quotes, numbers as numbers (0, not 0.0)."""
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def real(value, what: str, field: str | None = None, example: str = "2") -> float:
    """A finite number, given or typed ("0.1", "−0.5" with the printed minus sign)."""
    if isinstance(value, str):
        text = value.strip().replace("−", "-")
        try:
            number = float(text)
        except ValueError:
            raise SpecError(f"{what} must be a number such as {example}, not {shown(value)}",
                            field) from None
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SpecError(f"{what} must be a number such as {example}, not {shown(value)}", field)
    else:
        number = float(value)
    if not math.isfinite(number):
        raise SpecError(f"{what} must be a finite number such as {example}, not {shown(value)}",
                        field)
    return number


def learning_rate(value, field: str = "learning_rate") -> float:
    """γ: a positive, finite number (the slides use 0.1)."""
    accepted = "a positive number such as 0.1"
    try:
        rate = real(value, "the learning rate γ", field, "0.1")
    except SpecError as error:
        raise SpecError(f"the learning rate γ must be {accepted}, not {shown(value)}",
                        field) from error
    if rate <= 0:
        raise SpecError(f"the learning rate γ must be {accepted}, not {shown(value)}", field)
    return rate


def whole(value, what: str, least: int = 0, field: str | None = None, most: int | None = None,
          accepted: str | None = None) -> int:
    """A whole number from ``least`` (to ``most``), given or typed."""
    accepted = accepted or (f"a whole number from {least} to {most}" if most is not None
                            else f"a whole number ≥ {least}")
    number = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            raise SpecError(f"{what} must be {accepted}, not {shown(value)}", field) from None
    if isinstance(number, bool):
        raise SpecError(f"{what} must be {accepted}, not {shown(value)}", field)
    try:
        number = operator.index(number)
    except TypeError:
        raise SpecError(f"{what} must be {accepted}, not {shown(value)}", field) from None
    if number < least or (most is not None and number > most):
        raise SpecError(f"{what} must be {accepted}, not {shown(value)}", field)
    return number


def batch_size(value, n: int, field: str = "batch_size") -> int | None:
    """None (or empty text) for plain gradient descent on all n samples, else 1 to n."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    accepted = (f"a whole number from 1 to {n} (the number of samples), or none for plain "
                "gradient descent on all of them")
    return whole(value, "the batch size", 1, field, n, accepted)


def widths(value, field: str, least: int = 1) -> tuple[int, ...]:
    """Layer widths: ``(16, 16)``, or typed as ``16,16`` (or ``2-16-1``), each at least 1."""
    what = ("the hidden widths" if field == "hidden" else
            "the layer widths (inputs, hidden layers…, outputs)")
    example = "16,16" if field == "hidden" else "2,16,16,3"
    parts = value
    if isinstance(value, str):
        text = value.strip().strip(",")
        if re.search(r"(^|[,-])\s*-\s*\d", text):  # a dash where a width should start
            raise SpecError(f"{what} {value!r}: a width cannot be negative; give positive whole "
                            f"numbers such as {example}", field)
        parts = [part.strip() for part in text.replace("-", ",").split(",")]
    sizes = []
    for part in parts:
        try:
            sizes.append(whole(part, what, 1, field))
        except SpecError:
            raise SpecError(f"{what} {shown(value)}: {shown(part)} is not a width; give positive "
                            f"whole numbers such as {example}", field) from None
    if len(sizes) < least:
        raise SpecError(f"{what} {shown(value)}: give at least {least} positive whole numbers "
                        f"such as {example}", field)
    return tuple(sizes)


def assignments(text: str | None, field: str = "params") -> dict[str, float | None]:
    """``alpha=2,beta=0`` (or ``beta_1^(1,2)=0.5``) → {name: value}; a bare name gets None.

    Commas inside parentheses belong to a name, as in ``beta_1^(1,2)``.

    >>> assignments("alpha=2, beta_1^(1,2)=-0.5, gamma")
    {'alpha': 2.0, 'beta_1^(1,2)': -0.5, 'gamma': None}
    """
    if not text or not text.strip():
        return {}
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    out: dict[str, float | None] = {}
    for part in [*parts, current]:
        name, _, value = (piece.strip() for piece in part.partition("="))
        if not name:
            raise SpecError(f"empty name in {text!r}; write name=value,name=value", field)
        out[name] = real(value, f"the value of {name}", field, "2") if value else None
    return out


# -- the specs ----------------------------------------------------------------------------------
#: the model options each kind uses; any other one given is refused, not silently ignored
USES = {"slides": ("loss",), "linear": (), "logistic": (), "neuron": ("activation", "loss"),
        "mlp": ("layers", "hidden", "activation", "output", "loss"), "formula": ("loss",)}
_OPTION_WORDS = {"layers": "layer widths do", "hidden": "hidden widths do",
                 "activation": "an activation does", "output": "an output activation does",
                 "loss": "a loss does"}
_KIND_WORDS = {"slides": "the slides' model", "linear": "linear regression",
               "logistic": "logistic regression", "neuron": "a neuron", "mlp": "a network",
               "formula": "a formula model"}


@dataclass(frozen=True)
class ModelSpec:
    """A model: its kind, and the options that kind uses.

    ``kind`` is one of ``MODEL_KINDS``; a ``"formula"`` model has its ``formula`` (text, read by
    tutor's own parser) and names its parameters in ``params``. ``activation``, ``output`` and
    ``loss`` are names from the tables or formulas as text; None takes the kind's default.
    ``params`` gives starting values by name (None: the default value, named only to say it is
    a parameter of a formula).
    """

    kind: str = "mlp"
    formula: str | None = None
    layers: tuple[int, ...] | None = None
    hidden: tuple[int, ...] | None = None
    activation: str | None = None
    output: str | None = None
    loss: str | None = None
    params: dict[str, float | None] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in MODEL_KINDS:
            raise SpecError(f"no model kind {self.kind!r}: choose one of "
                            f"{', '.join(MODEL_KINDS)}", "model")
        for option in ("layers", "hidden", "activation", "output", "loss"):
            if getattr(self, option) not in (None, "") and option not in USES[self.kind]:
                takers = ", ".join(k for k, used in USES.items() if option in used)
                raise SpecError(f"{_OPTION_WORDS[option]} not apply to {_KIND_WORDS[self.kind]}, "
                                f"and would be ignored; the models that take it: {takers}", option)
        if self.layers is not None:
            object.__setattr__(self, "layers", widths(self.layers, "layers", least=2))
        if self.hidden is not None:
            object.__setattr__(self, "hidden", widths(self.hidden, "hidden"))
        if self.kind == "formula" and not (self.formula or "").strip():
            raise SpecError("a formula model needs its formula, such as alpha + beta*x", "formula")
        if self.kind == "formula" and not self.params:
            raise SpecError("name the formula's parameters, such as alpha=2,beta=0 (its other "
                            "names are inputs, read from the data's columns)", "params")

    @property
    def defaults(self) -> KindDefaults:
        return KIND_DEFAULTS[self.kind]


@dataclass(frozen=True)
class DataSpec:
    """Data: a built-in set's name (``DATA_NAMES``) or a CSV file's path; None for none (or,
    where a command needs data, random data shaped for the model).

    ``target`` and ``features`` choose a CSV file's columns; ``n`` and ``seed`` size and seed a
    built-in set, whose other ``options`` (``f="step"`` for ``function``) go to its generator.
    """

    source: str | None = None
    target: str | None = None
    features: tuple[str, ...] | None = None
    standardize: bool = False
    n: int | None = None
    seed: int = 0
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.n is not None:
            object.__setattr__(self, "n", whole(self.n, "the number of samples n", 1, "n"))
        object.__setattr__(self, "seed", whole(self.seed, "the seed", 0, "seed"))
        if self.features is not None and not isinstance(self.features, tuple):
            object.__setattr__(self, "features", tuple(self.features))
        if not self.is_file and (self.target or self.features):
            raise SpecError("a target and features choose columns of a CSV file: name the file",
                            "target" if self.target else "features")

    @property
    def is_file(self) -> bool:
        """Whether the source is a file (a .csv name, a path, or a file that is there) rather
        than a built-in set's name."""
        source = self.source or ""
        return bool(source) and (source.lower().endswith(".csv") or os.path.sep in source
                                 or os.path.exists(source))


@dataclass(frozen=True)
class RunSpec:
    """A run of gradient descent: γ, the mini-batch size (None: all the data), how long (steps,
    or epochs when given) and the seed of the mini-batches."""

    learning_rate: float = 0.1
    batch_size: int | None = None
    steps: int | None = None
    epochs: int | None = None
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "learning_rate", learning_rate(self.learning_rate))
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", whole(self.batch_size, "the batch size", 1,
                                                         "batch_size"))
        for name in ("steps", "epochs"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, whole(getattr(self, name), f"the number of {name}",
                                                     0, name))
        object.__setattr__(self, "seed", whole(self.seed, "the seed", 0, "seed"))


# -- defaults and presets -----------------------------------------------------------------------
@dataclass(frozen=True)
class KindDefaults:
    """What a kind of model takes when nothing is said: its data (for the playground's form),
    activation, output, loss, and how θ₀ starts ("zeros", or "random": the model's seeded
    ``init``), with any starting values it names."""

    data: str
    activation: str | None = None
    output: str | None = None
    loss: str | None = None
    start: str = "zeros"
    params: tuple[tuple[str, float], ...] = ()


KIND_DEFAULTS: dict[str, KindDefaults] = {
    # ŷ = α + x from the slides' initial guess α₀ = 2
    "slides": KindDefaults("slides", loss="squared_error", params=(("alpha", 2.0),)),
    "linear": KindDefaults("linear", loss="squared_error"),
    "logistic": KindDefaults("logistic", output="logistic", loss="cross_entropy"),
    "neuron": KindDefaults("function", activation="logistic", loss="squared_error",
                           start="random"),
    # the slides' G for the hidden layers; the loss follows the output (cross-entropy for softmax)
    "mlp": KindDefaults("moons", activation="logistic", output="identity", start="random"),
    "formula": KindDefaults("slides", loss="squared_error"),
}


@dataclass(frozen=True)
class Preset:
    """A ready-made run for the playground: a model, its data and γ."""

    key: str
    title: str
    description: str
    model: ModelSpec
    data: DataSpec
    run: RunSpec = RunSpec()


PRESETS: tuple[Preset, ...] = (
    Preset("slides", "Gradient descent by hand", "the slides' example: ŷ = α + x on y = 5 + x at "
           "x = 1, from α₀ = 2", ModelSpec("slides"), DataSpec("slides")),
    Preset("linear", "Linear regression", "ŷ = α + xβ on 50 simulated points",
           ModelSpec("linear"), DataSpec("linear", n=50)),
    Preset("logistic", "Logistic regression", "P(y = 1) = G(α + xβ) on 100 simulated points",
           ModelSpec("logistic"), DataSpec("logistic", n=100), RunSpec(1.0)),
    Preset("neuron", "A neuron", "h = tanh(α + xβ) fitted to a smooth step",
           ModelSpec("neuron", activation="tanh"), DataSpec("function", n=60,
                                                            options={"f": "step"}), RunSpec(0.5)),
    Preset("network", "A 2-2-1 network", "two hidden logistic neurons, one output",
           ModelSpec("mlp", layers=(2, 2, 1), activation="logistic"), DataSpec(None, n=16),
           RunSpec(0.5)),
    Preset("moons", "Two moons", "a 2-16-16-1 tanh network classifying data no line separates",
           ModelSpec("mlp", hidden=(16, 16), activation="tanh", output="logistic",
                     loss="cross_entropy"), DataSpec("moons", n=200), RunSpec(0.5)),
    Preset("circles", "Circles", "a 2-8-1 tanh network: one circle inside another",
           ModelSpec("mlp", hidden=(8,), activation="tanh", output="logistic",
                     loss="cross_entropy"), DataSpec("circles", n=200), RunSpec(0.5)),
)


def preset(key: str) -> Preset:
    """The preset called ``key``.

    >>> preset("slides").title
    'Gradient descent by hand'
    """
    for found in PRESETS:
        if found.key == key:
            return found
    raise SpecError(f"no preset {key!r}: choose one of {', '.join(p.key for p in PRESETS)}",
                    "preset")
