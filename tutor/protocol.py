"""What every kind of model offers: networks, the single-layer regressions and formula models.

Callers (the pipeline, the session, the command line, the UI) use these and nothing else, so
none of them asks which kind of model it holds.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["ModelLike"]


class ModelLike(Protocol):
    """A model of the slides: ŷ = f(x; θ) with a loss, that derives and compiles its gradient."""

    parameters: tuple  # θ's symbols, in the order of the flat vector θ
    inputs: tuple  # x's symbols, one per column of X
    targets: tuple  # y's symbols, one per output
    loss_row: Any  # the Loss row: its name and φ(ŷ, y)

    @property
    def n_parameters(self) -> int: ...

    @property
    def loss(self) -> Any:
        """One sample's loss as a SymPy expression of inputs, targets and parameters."""

    @property
    def output(self) -> Any:
        """The output activation (identity, logistic, softmax …); None for a formula model."""

    @property
    def default_parameter(self) -> Any:
        """The parameter to show first: a network's first weight β₁^(1,1), else the first one."""

    @property
    def formula(self) -> Any:
        """ŷ as one short SymPy expression to print with its numbers put in (the slides'
        ŷ = α + x = 2 + 1 = 3), or None when the model has none worth reading that way."""

    def init(self, seed: int | None = 0) -> Any:
        """Seeded starting values θ₀."""

    def derivation(self, param=None) -> Any:
        """The chain rule for ∂c/∂param, step by step."""

    def backprop(self) -> Any:
        """Every parameter's gradient: ``.equations``, ``.gradient``, ``str()``, ``.latex()``."""

    def compile(self, backend="numpy", dtype: str = "float64") -> Any:
        """A kernel: ``loss, grad = kernel(theta, X, Y)``."""

    def memory_needed(self, n: int, itemsize: int = 8) -> int:
        """Bytes a descent on n rows holds at once, roughly."""

    def describe(self) -> str:
        """What the model is, in a line."""
