"""The keys, on ``?``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]

KEYS = """[b]tutor: the keys[/b]

[b]Home[/b]
  ↑ ↓, enter     pick a model from the playground
  g              type a learning rate γ first
  f              type your own formula (and its parameters, e.g. alpha=2)

[b]Stepper[/b]: gradient descent one iteration at a time
  space, n, →    take one step: ŷ, ε, the loss, the gradient and the update
  b, ←           step back
  r              reset to θ₀
  c              run to convergence (press c again to stop)
  l              type a learning rate γ: the run rewinds to the same θ₀
  + −            double or halve γ
  p              type a parameter's value and start from there
  s              stochastic gradient descent: choose a mini-batch size
  d              the derivation: the chain rule step by step, the kernel, the gradient check
  escape         back

[b]Everywhere[/b]
  ?              this help          ctrl+t   light or dark theme
  ctrl+p         the command palette    ctrl+q   quit

press escape or ? to close"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(KEYS)
