"""Loss functions as one table: name, one output's term, aliases.

A sample's loss is the sum of a term φ(ŷ, y) over the outputs; a data set's loss is the average
over samples, as the slides say. Squared error has no ½: c = (y − ŷ)², so dc/dŷ = −2(y − ŷ).

>>> from tutor.losses import loss
>>> loss("mse").term
(y - yhat)**2
>>> loss("cross_entropy").softmax_term
-y*log(yhat)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from .notation import Symbol

__all__ = ["Loss", "LOSSES", "loss", "yhat", "y"]

yhat = Symbol("yhat")  # one output's prediction ŷ
y = Symbol("y")  # its target


@dataclass(frozen=True)
class Loss:
    """A loss: φ(ŷ, y) for one output, summed over outputs and averaged over samples."""

    name: str
    term: sympy.Expr  # φ(ŷ, y) for an element-wise output
    aliases: tuple[str, ...] = ()
    softmax_term: sympy.Expr | None = None  # φ when the outputs are a softmax
    description: str = ""

    def term_for(self, softmax: bool) -> sympy.Expr:
        """φ(ŷ, y) for one output: the softmax form where the loss has one."""
        return self.softmax_term if softmax and self.softmax_term is not None else self.term

    def __call__(self, prediction: sympy.Expr, target: sympy.Expr, *, softmax=False):
        term = self.term_for(softmax)
        return term.subs({yhat: prediction, y: target}, simultaneous=True)

    def __str__(self) -> str:
        from .notation import unicode

        return f"{self.name}: c = Σ_k {unicode(self.term)}"


LOSSES: tuple[Loss, ...] = (
    Loss(
        "squared_error", (y - yhat) ** 2, ("squared", "mse", "se", "l2"),
        description="(y − ŷ)², for regression: its minimum is least squares (OLS)",
    ),
    Loss(
        "cross_entropy", -(y * sympy.log(yhat) + (1 - y) * sympy.log(1 - yhat)),
        ("ce", "log_loss", "logloss", "binary_cross_entropy", "nll"),
        softmax_term=-y * sympy.log(yhat),
        description="−[y log ŷ + (1 − y) log(1 − ŷ)], for classification: its minimum is "
        "the logit MLE; with a softmax output, −Σ_k y_k log ŷ_k",
    ),
)


def loss(spec) -> Loss:
    """A loss from its name or alias, a formula in ``y`` and ``yhat`` typed as text (a Loss
    named by its text), or a ``Loss`` row itself.

    >>> loss("(y - yhat)^2/2").term
    (y - yhat)**2/2
    """
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str):
        key = spec.strip().lower().replace("-", "_").replace(" ", "_")
        for row in LOSSES:
            if key == row.name or key in row.aliases:
                return row
        return _typed(spec.strip())
    raise TypeError(f"a loss is a name such as 'squared_error' or a formula such as "
                    f"'(y - yhat)^2', not {type(spec).__name__}")


def _typed(text: str) -> Loss:
    """A formula read by :func:`tutor.parser.parse_loss`, which refuses one without ŷ; a bare
    name not in the table (``hinge``, ``mean-absolute``) is refused as such, while ``y-yhat``
    is a formula."""
    from .parser import ParseError, parse_loss  # here: the parser imports this module

    unknown = ValueError(f"unknown loss {text!r}: choose one of "
                         + ", ".join(r.name for r in LOSSES)
                         + ", or type a formula in y and yhat such as '(y - yhat)^2'")
    if re.fullmatch(r"[^\W\d]\w*", text) and text not in ("y", "yhat", "ŷ"):
        raise unknown
    try:
        term = parse_loss(text)
    except ParseError:
        if re.fullmatch(r"[^\W\d][\w\- ]*", text):  # words: a name, not a broken formula
            raise unknown from None
        raise
    return Loss(text, term, description=f"typed formula {text}")
