"""A gradient-descent run that a learner steps through: forward, back, reset, another γ.

The terminal UI and the lessons drive one of these; it knows nothing of Textual. Every number
it shows comes from the kernel and :func:`tutor.descend`, and every formula from the model's
derivation, so the slides' example reads as the slides write it:

>>> import tutor
>>> s = tutor.start("slides")
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

from dataclasses import dataclass, field

import numpy

from . import spec
from .descent import Divergence, Step, _prepare, descend
from .notation import Symbol, number, unicode

__all__ = ["Session"]

_FOREVER = 10**9  # a session's descent has no planned end: the learner decides


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
        theta0, self.X, self.Y, n = _prepare(self.kernel, self.theta0, self.X, self.Y)
        self.learning_rate = spec.learning_rate(self.learning_rate)
        self.batch_size = spec.batch_size(self.batch_size, n)
        self.seed = spec.whole(self.seed, "the seed", 0, "seed")
        self.theta0 = numpy.array(theta0, dtype=float)
        self._run = None  # the descend generator, made again after back() or a change
        self._derivations: dict = {}

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
        t = spec.whole(t, "the step to rewind to", 0, "t", len(self.history),
                       f"a step from 0 (θ₀) to {len(self.history)} (the last one taken)")
        del self.history[t:]
        self.diverged, self._run = None, None

    def set_learning_rate(self, value: float) -> None:
        """A new γ, rewinding to the same θ₀ so runs compare on identical starting values."""
        self.learning_rate = spec.learning_rate(value)
        self.reset()

    def set_batch_size(self, value: int | None) -> None:
        """Plain gradient descent (None) or SGD with mini-batches; rewinds to θ₀."""
        self.batch_size = spec.batch_size(value, len(self.X))
        self.reset()

    def set_parameter(self, name_or_index, value: float) -> None:
        """Start again from the current θ with one parameter typed in."""
        names, keys = self.names, [p.name for p in self.model.parameters]
        if isinstance(name_or_index, int | numpy.integer) and not isinstance(name_or_index, bool):
            index = spec.whole(name_or_index, "the parameter's number", 0, "params",
                               len(names) - 1, f"a parameter's number, 0 to {len(names) - 1}")
        elif name_or_index in names:
            index = names.index(name_or_index)
        elif name_or_index in keys:
            index = keys.index(name_or_index)
        else:
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            raise spec.SpecError(f"no parameter {name_or_index!r}: the parameters are {shown}",
                                 "params")
        theta = self.theta.copy()
        theta[index] = spec.real(value, f"the value of {names[index]}", "params")
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
        if one and self.model.formula is not None:
            lines += self._explain_formula(step)
        else:
            lines.append(f"loss c = {number(step.loss)} (the mean over {len(step.batch)} "
                         f"sample{'s' if len(step.batch) != 1 else ''})")
        for i, name in enumerate(self.names[:limit]):
            g = step.grad[i]
            if not any(line.startswith(f"∂c/∂{name} =") for line in lines):  # said above
                lines.append(f"∂c/∂{name} = {number(g)}")
            # α₁ = α₀ − …; a name that already has a superscript is updated in place instead
            new, old = ((f"{name}{_sub(step.t)}", f"{name}{_sub(step.t - 1)}") if "^" not in name
                        else (f"{name} ←", name))
            lines.append(f"{new} {'' if new.endswith('←') else '= '}{old} − γ·∂c/∂{name} = "
                         f"{number(step.theta_before[i])} − {number(step.learning_rate)}·"
                         f"{_paren(number(g))} = {number(step.theta[i])}")
        if len(self.names) > limit:
            lines.append(f"… and likewise for the other {len(self.names) - limit} parameters")
        return lines

    def _explain_formula(self, step: Step) -> list[str]:
        """ŷ = α + x = 2 + 1 = 3; ε = y − ŷ = 6 − 3 = 3; c = ε² = 9; the gradient with ε put in."""
        model = self.model
        row = int(step.batch[0])
        values = dict(zip(model.parameters, step.theta_before, strict=True))
        values |= dict(zip(model.inputs, self.X[row], strict=True))
        expr = model.formula
        shown = unicode(expr, values=values)
        yhat, y = float(step.predictions.ravel()[0]), float(numpy.ravel(self.Y[row])[0])
        lines = [f"ŷ = {unicode(expr)} = {shown} = {number(yhat)}"]
        squared = model.loss_row.name == "squared_error"
        if squared:
            eps = y - yhat
            lines += [f"ε = y − ŷ = {number(y)} − {_paren(number(yhat))} = {number(eps)}",
                      f"c = ε² = {_paren(number(eps))}² = {number(step.loss)}"]
            known = {Symbol("epsilon"): eps}
        else:
            lines.append(f"c = {unicode(model.loss_row.term)} = {number(step.loss)}")
            known = {Symbol("yhat"): yhat, model.targets[0]: y}
        for i, p in enumerate(model.parameters):
            d = self.derivation(p)
            formula = d.compact
            text = f"∂c/∂{unicode(p)} = {unicode(formula)}"
            if formula.free_symbols:
                text += f" = {unicode(formula, values={**known, **values})}"
            lines.append(f"{text} = {number(step.grad[i])}")
        return lines
