"""A gradient-descent run that a learner steps through: forward, back, reset, another γ.

The terminal UI and the lessons drive one of these; it knows nothing of Textual. Every number
it shows comes from the kernel and :func:`tutor.descend`, and every formula from the model's
derivation, so the slides' example reads as the slides write it:

>>> import tutor
>>> s = tutor.Session.slides()
>>> step = s.forward()
>>> for line in s.explain(step):
...     print(line)
ŷ = α + x = 2 + 1 = 3
ε = y − ŷ = 6 − 3 = 3
c = ε² = 3² = 9
∂c/∂α = −2ε = −2·3 = −6
α₁ = α₀ − γ·∂c/∂α = 2 − 0.1·(−6) = 2.6
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy

from . import datasets
from .descent import Divergence, Step, _prepare, _whole, descend
from .expression import Model
from .notation import Symbol, unicode

__all__ = ["Session"]

_FOREVER = 10**9  # a session's descent has no planned end: the learner decides


def num(value) -> str:
    """A number as the slides print it: 2.6, −6, 0.1; parenthesised by the caller if negative."""
    value = float(value)
    if value == 0:
        return "0"
    if not numpy.isfinite(value):
        return str(value)
    return f"{value:.6g}".replace("-", "−")


def _real(value, what: str, accepted: str) -> float:
    """A number typed or given: 0.1, "0.1", "−0.5" (the minus sign as printed); else a
    ValueError naming ``what`` and what is ``accepted``."""
    if isinstance(value, str):
        text = value.strip().replace("−", "-")
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{what} must be {accepted}, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be {accepted}, not {value!r}")
    return float(value)


def _rate(value) -> float:
    rate = _real(value, "the learning rate γ", "a positive number such as 0.1")
    if not numpy.isfinite(rate) or rate <= 0:
        shown = repr(value) if isinstance(value, str) else f"{rate:g}"
        raise ValueError(f"the learning rate γ must be a positive number such as 0.1, not {shown}")
    return rate


def _batch(value, X) -> int | None:
    """None (plain gradient descent) or a whole number of samples from 1 to n."""
    n = len(X) if hasattr(X, "__len__") else 0
    accepted = (f"a whole number from 1 to {n} (the number of samples), or none for plain "
                "gradient descent on all of them")
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"the batch size must be {accepted}, not {text!r}") from None
    if not _whole(value) or not 1 <= value <= n:
        raise ValueError(f"the batch size must be {accepted}, not {value!r}")
    return int(value)


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("−") else text


def _sub(t: int) -> str:
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


@dataclass
class Session:
    """The state of one stepped run: the model, its kernel, the data, θ₀, γ and the steps so far."""

    model: object
    kernel: object
    X: numpy.ndarray
    Y: numpy.ndarray
    theta0: numpy.ndarray
    learning_rate: float = 0.1
    batch_size: int | None = None
    seed: int = 0
    history: list[Step] = field(default_factory=list)
    diverged: Divergence | None = None

    def __post_init__(self):
        # the same checks as descend's, at once: a bad γ, batch size, θ₀ or data is a clear
        # ValueError here rather than at the first step
        self.learning_rate = _rate(self.learning_rate)
        self.batch_size = _batch(self.batch_size, self.X)
        theta0, self.X, self.Y, _ = _prepare(self.kernel, self.theta0, self.X, self.Y,
                                             self.learning_rate, None, self.batch_size,
                                             self.seed, None)
        self.theta0 = numpy.array(theta0, dtype=float)
        self._run = None  # the descend generator, made again after back() or a change
        self._derivations: dict = {}

    @classmethod
    def slides(cls, learning_rate: float = 0.1) -> Session:
        """The slides' example: ŷ = α + x on y = 5 + x at x = 1, from α₀ = 2."""
        alpha, x = Symbol("alpha"), Symbol("x")
        model = Model(alpha + x, [alpha], [x])
        X, Y = datasets.slides_example()
        return cls(model, model.compile(), X, Y, numpy.array([2.0]), learning_rate)

    # -- where we are ---------------------------------------------------------------------------
    @property
    def t(self) -> int:
        """How many updates have been taken."""
        return len(self.history)

    @property
    def theta(self) -> numpy.ndarray:
        return self.history[-1].theta if self.history else self.theta0

    @property
    def names(self) -> list[str]:
        return [unicode(p) for p in self.model.parameters]

    def loss(self) -> float:
        """The loss over all the data at the current θ."""
        value, _ = self.kernel(self.theta, self.X, self.Y)
        return float(value)

    # -- moving -----------------------------------------------------------------------------------
    def _generator(self):
        run = descend(self.kernel, self.theta0, self.X, self.Y, learning_rate=self.learning_rate,
                      steps=_FOREVER, batch_size=self.batch_size, seed=self.seed)
        for _ in range(len(self.history)):  # replay to where we are: the batches are seeded
            next(run)
        return run

    def forward(self) -> Step | None:
        """Take one update; None once the run has diverged (the history before it is kept)."""
        if self.diverged is not None:
            return None
        if self._run is None:
            self._run = self._generator()
        try:
            step = next(self._run)
        except Divergence as error:
            self.diverged, self._run = error, None
            return None
        self.history.append(step)
        return step

    def back(self) -> None:
        """Undo the last update (or leave the divergence)."""
        if self.diverged is not None:
            self.diverged = None
        elif self.history:
            self.history.pop()
        self._run = None

    def reset(self) -> None:
        """Back to θ₀ with no steps taken."""
        self.history.clear()
        self.diverged, self._run = None, None

    def rewind(self, t: int) -> None:
        """Back to the state after step ``t`` (0 is θ₀), leaving a divergence: after a blow-up,
        ``rewind(s.diverged.began - 1)`` returns to where the climb began."""
        if not _whole(t) or not 0 <= t <= len(self.history):
            raise ValueError(f"can rewind to a step from 0 (θ₀) to {len(self.history)} (the last "
                             f"one taken), not {t!r}")
        del self.history[t:]
        self.diverged, self._run = None, None

    def set_learning_rate(self, value: float) -> None:
        """A new γ, rewinding to the same θ₀ so runs compare on identical starting values."""
        self.learning_rate = _rate(value)
        self.reset()

    def set_batch_size(self, value: int | None) -> None:
        """Plain gradient descent (None) or SGD with mini-batches; rewinds to θ₀."""
        self.batch_size = _batch(value, self.X)
        self.reset()

    def set_parameter(self, name_or_index, value: float) -> None:
        """Start again from the current θ with one parameter typed in."""
        names, keys = self.names, [p.name for p in self.model.parameters]
        if _whole(name_or_index):
            if not 0 <= name_or_index < len(names):
                raise ValueError(f"no parameter number {name_or_index}: there are {len(names)}, "
                                 f"numbered 0 to {len(names) - 1}")
            index = int(name_or_index)
        elif name_or_index in names:
            index = names.index(name_or_index)
        elif name_or_index in keys:
            index = keys.index(name_or_index)
        else:
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            raise ValueError(f"no parameter {name_or_index!r}: the parameters are {shown}")
        number = _real(value, f"the value of {names[index]}", "a finite number such as 2")
        if not numpy.isfinite(number):
            raise ValueError(f"the value of {names[index]} must be a finite number such as 2, "
                             f"not {number:g}")
        theta = self.theta.copy()
        theta[index] = number
        self.theta0 = theta
        self.reset()

    def converged(self, tolerance: float = 1e-8) -> bool:
        return bool(self.history) and float(numpy.max(numpy.abs(self.history[-1].grad))) < tolerance

    # -- explaining ---------------------------------------------------------------------------------
    def derivation(self, param):
        """The model's derivation for one parameter, derived once and kept."""
        key = param if isinstance(param, int) else str(param)
        if key not in self._derivations:
            self._derivations[key] = self.model.derivation(param)
        return self._derivations[key]

    def explain(self, step: Step, limit: int = 4) -> list[str]:
        """The step in the slides' words: the model at the current values, ŷ, ε, the loss, the
        gradient as a formula and as a number, and the update."""
        lines: list[str] = []
        one = len(step.batch) == 1 and len(self.model.targets) == 1
        if one and isinstance(self.model, Model):
            lines += self._explain_expression_model(step)
        else:
            lines.append(f"loss c = {num(step.loss)} (the mean over {len(step.batch)} "
                         f"sample{'s' if len(step.batch) != 1 else ''})")
        for i, name in enumerate(self.names[:limit]):
            g = step.grad[i]
            if not lines or not lines[-1].startswith(f"∂c/∂{name} ="):
                lines.append(f"∂c/∂{name} = {num(g)}")
            # α₁ = α₀ − …; a name that already has a superscript is updated in place instead
            new, old = ((f"{name}{_sub(step.t)}", f"{name}{_sub(step.t - 1)}") if "^" not in name
                        else (f"{name} ←", name))
            lines.append(f"{new} {'' if new.endswith('←') else '= '}{old} − γ·∂c/∂{name} = "
                         f"{num(step.theta_before[i])} − {num(step.learning_rate)}·"
                         f"{_paren(num(g))} = {num(step.theta[i])}")
        if len(self.names) > limit:
            lines.append(f"… and likewise for the other {len(self.names) - limit} parameters")
        return lines

    def _explain_expression_model(self, step: Step) -> list[str]:
        """ŷ = α + x = 2 + 1 = 3; ε = y − ŷ = 6 − 3 = 3; c = ε² = 9; the gradient with ε put in."""
        model = self.model
        row = int(step.batch[0])
        values = dict(zip(model.parameters, step.theta_before, strict=True))
        values |= dict(zip(model.inputs, self.X[row], strict=True))
        expr = model.expressions[0]
        shown = unicode(expr, values=values)
        yhat, y = float(step.predictions.ravel()[0]), float(numpy.ravel(self.Y[row])[0])
        lines = [f"ŷ = {unicode(expr)} = {shown} = {num(yhat)}"]
        squared = model.loss_row.name == "squared_error"
        if squared:
            eps = y - yhat
            lines += [f"ε = y − ŷ = {num(y)} − {_paren(num(yhat))} = {num(eps)}",
                      f"c = ε² = {_paren(num(eps))}² = {num(step.loss)}"]
            known = {Symbol("epsilon"): eps}
        else:
            lines.append(f"c = {unicode(model.loss_row.term)} = {num(step.loss)}")
            known = {Symbol("yhat"): yhat, model.targets[0]: y}
        for i, p in enumerate(model.parameters):
            d = self.derivation(p)
            formula = d.compact
            text = f"∂c/∂{unicode(p)} = {unicode(formula)}"
            if formula.free_symbols:
                text += f" = {unicode(formula, values={**known, **values})}"
            lines.append(f"{text} = {num(step.grad[i])}")
        return lines
