"""``tutor``: a tour of the slides' gradient-descent example, every number computed live.

The full command line (derive / check / descend / fit) and the terminal UI build on this.
"""

from __future__ import annotations

import argparse
import sys

import sympy

import tutor
from tutor import datasets


def _iterations(kernel, learning_rate: float, steps: int) -> list[str]:
    X, Y = datasets.slides_example()
    lines = [f"γ = {learning_rate:<6g}  t    α_t−1      ŷ      ε   loss   dc/dα    α_t"]
    try:
        for s in tutor.descend(kernel, [2.0], X, Y, learning_rate=learning_rate, steps=steps):
            if s.t > 4:
                continue  # a diverging run is shown by its first rows and the verdict
            lines.append(f"{'':10}{s.t:>3} {s.theta_before[0]:>8.4g} {s.predictions[0]:>6.4g} "
                         f"{s.errors[0]:>6.4g} {s.loss:>6.4g} {s.grad[0]:>7.4g} {s.theta[0]:>6.4g}")
    except tutor.Divergence as error:
        lines += [f"{'':10}  …", f"{'':10}{error}"]
    return lines


def tour(steps: int = 4) -> str:
    """The slides' example, ŷ = α + x on y = 5 + x at x = 1 from α₀ = 2, as text."""
    alpha, x = sympy.symbols("alpha x")
    model = tutor.model(alpha + x, parameters=[alpha], inputs=[x], loss="squared_error")
    kernel = model.compile()
    out = ["The slides' gradient-descent example: ŷ = α + x, c = (y − ŷ)², data y = 5 + x at x = 1",
           "", str(model.derivation(alpha)), ""]
    for rate, n in ((0.1, steps), (1.0, steps), (0.5, 2), (1.1, 200)):
        out += _iterations(kernel, rate, n)
    F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")
    net = tutor.mlp([2, 2, 1], activation=F1, output=F2)
    out += ["", "Back-propagation through a 2-2-1 network, as on the slides:",
            f"∂c/∂β₁^(1,2) = {net.derivation('beta_1^(1,2)').chain}"]
    check_net = tutor.mlp([2, 2, 1], activation="logistic")
    report = tutor.gradcheck(check_net.compile(), check_net.init(), *datasets.toy(check_net))
    out += ["", f"Gradient check of the compiled 2-2-1 logistic network: "
            f"{'passed' if report.ok else 'FAILED'} (largest relative error "
            f"{report.max_rel_error:.1e})"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="A symbolic-to-numeric gradient tutor. Run with no arguments for a tour of "
        "the slides' gradient-descent example, computed live by the library.",
        epilog="Python API: import tutor; see the README.",
    )
    parser.add_argument("--steps", type=int, default=4, help="iterations to show per learning rate")
    parser.add_argument("--version", action="version", version=f"tutor {tutor.__version__}")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    print(tour(args.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
