"""The command line's options: argparse, with examples and types that say what they accept.

The options name the specs' fields (tutor.spec): ``OPTION`` maps each field to its option, so
a :class:`tutor.SpecError` is said in the command line's words (``--params: …``).
"""

from __future__ import annotations

import argparse

from ..spec import DATA_NAMES, PRESETS

__all__ = ["build_parser", "OPTION"]

#: a spec's field → the option that sets it
OPTION = {"model": "--model", "formula": "--model", "layers": "--layers", "hidden": "--hidden",
          "activation": "--activation", "output": "--output", "loss": "--loss",
          "params": "--params", "data": "--data", "target": "--target", "features": "--features",
          "n": "--n", "seed": "--seed", "learning_rate": "--learning-rate",
          "batch_size": "--batch-size", "steps": "--steps", "epochs": "--epochs",
          "every": "--every", "tolerance": "--tolerance", "directions": "--directions",
          "history": "--history", "param": "--param"}

EXAMPLES = {
    "derive": """examples:
  tutor derive                                  the slides' 2-2-1 network with F_1, F_2: ∂c/∂β₁^(1,1)
  tutor derive --param "beta_1^(1,2)"           the back-propagation slide's formula
  tutor derive --model slides                   ŷ = α + x: dc/dα = −2ε
  tutor derive --layers 2,3,1 --activation tanh --all     every gradient, layer by layer
  tutor derive --model "alpha + beta*x" --params alpha,beta --latex""",
    "check": """examples:
  tutor check                                   a 2-2-1 logistic network on random data
  tutor check --activation "1/(1+exp(-z))"      a typed activation
  tutor check --layers 2,16,16,3 --output softmax --mode fast
  tutor check --model "a*tanh(b*x)" --params a=1,b=0.5 --data function""",
    "descend": """examples:
  tutor descend                                 the slides: ŷ = α + x from α₀ = 2 at γ = 0.1
  tutor descend --learning-rate 1 --steps 6     the bounce between 2 and 8
  tutor descend --learning-rate 1.1             divergence, reported (exit 1)
  tutor descend --model linear --data linear --batch-size 10 --epochs 20 --history run.csv""",
    "fit": """examples:
  tutor fit                                     linear regression on built-in data, next to OLS
  tutor fit --data mydata.csv --target wage     your own data
  tutor fit --model logistic --data logistic    next to the logit MLE""",
    "kernel": """examples:
  tutor kernel                                  the generated code for a 2-2-1 network, as it reads
  tutor kernel --in-place                       the in-place code that runs
  tutor kernel --layers 2,16,16,3 --output softmax --backend cupy""",
    "tour": """examples:
  tutor tour                                    the slides' worked example
  tutor tour --json                             the same numbers, for a script""",
}


def _typed(kind, accepted: str):
    """An argparse type that says what it accepts: "'abc' is not a number: give one such as 0.1"."""
    def convert(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {accepted}") from None

    convert.__name__ = kind.__name__
    return convert


NUMBER = _typed(float, "a number: give one such as 0.1")
WHOLE = _typed(int, "a whole number: give one such as 10")


def _model_options(parser: argparse.ArgumentParser, default_model: str) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", default=default_model, metavar="NAME|FORMULA",
                       help="slides (ŷ = α + x), linear, logistic, neuron, mlp, or a formula such as "
                            f"'alpha + beta*x' with --params (default: {default_model})")
    group.add_argument("--layers", metavar="K,H,…,M",
                       help="mlp widths: inputs, hidden layers, outputs (e.g. 2,16,16,3)")
    group.add_argument("--hidden", metavar="H,…", help="mlp hidden widths; inputs and outputs "
                       "come from the data (default: 2)")
    group.add_argument("--activation", metavar="NAME|FORMULA",
                       help="hidden activation: logistic, tanh, relu, identity, softplus, F (the "
                            "slides' unspecified F_l), or a formula in one variable such as "
                            "'1/(1+exp(-z))'")
    group.add_argument("--output", metavar="NAME", help="output activation: identity, logistic, "
                       "softmax, F, or any hidden activation (default: identity)")
    group.add_argument("--loss", metavar="NAME|FORMULA", help="squared_error, cross_entropy, or a "
                       "formula in y and yhat such as '(y - yhat)^2'")
    group.add_argument("--params", metavar="NAME=VALUE,…",
                       help="starting values (alpha=2,beta=0); for a formula model, its parameters")


def _data_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--data", metavar="NAME|FILE.csv", help=f"{', '.join(DATA_NAMES)}, or a "
                       "CSV file with a header row")
    group.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: y, "
                       "or the last column)")
    group.add_argument("--features", metavar="COL,…", help="the CSV columns to use as inputs "
                       "(default: all the others)")
    group.add_argument("--standardize", action="store_true", help="scale each feature to mean 0, "
                       "standard deviation 1")
    group.add_argument("--n", type=WHOLE, metavar="N", help="size of a built-in data set")
    group.add_argument("--seed", type=WHOLE, default=0, help="seed for data, starting values and "
                       "mini-batches (default: 0)")


def _kernel_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("kernel")
    group.add_argument("--backend", default="numpy", choices=["numpy", "cupy", "auto"])
    group.add_argument("--dtype", default="float64", choices=["float64", "float32"])


def _descent_options(parser: argparse.ArgumentParser, steps: int) -> None:
    group = parser.add_argument_group("gradient descent")
    group.add_argument("--learning-rate", "--lr", type=NUMBER, default=0.1, metavar="γ",
                       help="learning rate γ (default: 0.1)")
    how_long = group.add_mutually_exclusive_group()
    how_long.add_argument("--steps", type=WHOLE, default=steps, help=f"updates (default: {steps})")
    how_long.add_argument("--epochs", type=WHOLE, help="passes over the data (instead of --steps)")
    group.add_argument("--batch-size", type=WHOLE, metavar="B", help="SGD with mini-batches of B "
                       "samples (default: all of them, plain gradient descent)")


def _command(sub, name: str, help_: str, default_model: str | None) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=help_, epilog=EXAMPLES.get(name),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if default_model:
        _model_options(p, default_model)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _maths_commands(sub) -> None:
    p = _command(sub, "derive", "the chain rule for one parameter, step by step", "mlp")
    p.add_argument("--param", metavar="NAME", help="e.g. 'beta_1^(1,2)' (default: the first "
                   "weight)")
    p.add_argument("--all", action="store_true", help="every parameter's gradient")
    p.add_argument("--latex", action="store_true", help="LaTeX instead of Unicode")
    p.add_argument("--result", action="store_true",
                   help="also the gradient in inputs, targets and parameters only")
    _data_options(p)
    p.set_defaults(run="derive")
    p = _command(sub, "check", "compare the kernel's gradient with finite differences", "mlp")
    p.add_argument("--mode", choices=["full", "fast"], default="full",
                   help="every parameter, or random directions for big models")
    p.add_argument("--directions", type=WHOLE, default=8, help="directions in fast mode")
    _data_options(p)
    _kernel_options(p)
    p.set_defaults(run="check")
    p = _command(sub, "kernel", "print the generated NumPy/CuPy code for a model", "mlp")
    p.add_argument("--in-place", action="store_true", help="the in-place code that runs, rather "
                   "than the form that reads one equation a line")
    _data_options(p)
    _kernel_options(p)
    p.set_defaults(run="kernel")


def _descent_commands(sub) -> None:
    p = _command(sub, "descend", "gradient descent or SGD, one row per iteration", "slides")
    _data_options(p)
    _descent_options(p, steps=10)
    p.add_argument("--every", type=WHOLE, metavar="K", help="print every K-th iteration")
    p.add_argument("--history", metavar="FILE", help="write every iteration to FILE.csv or "
                   "FILE.json as the run goes")
    _kernel_options(p)
    p.set_defaults(run="descend")
    p = _command(sub, "fit", "descend to convergence and compare with OLS or the logit MLE",
                 "linear")
    _data_options(p)
    _descent_options(p, steps=100_000)
    p.add_argument("--tolerance", type=NUMBER, default=1e-10,
                   help="stop when every |∂c/∂θ| is below this (default: 1e-10)")
    p.add_argument("--no-rescale", action="store_true", help="descend on the features as given "
                   "(by default linear and logistic regressions descend on standardized features "
                   "and report in the original units)")
    _kernel_options(p)
    p.set_defaults(run="fit")
    p = _command(sub, "tour", "the slides' worked example, computed live", None)
    p.set_defaults(run="tour")


def _ui_commands(sub) -> None:
    p = sub.add_parser("ui", help="the terminal UI (also: plain tutor)")
    p.add_argument("preset", nargs="?", choices=[preset.key for preset in PRESETS],
                   help="open a playground model directly")
    p.set_defaults(run=None)
    p = sub.add_parser("lesson", help="open a lesson from lessons/ in the UI (or --print it)")
    p.add_argument("name", help="its number or name, e.g. 07 or gradient_descent")
    p.add_argument("--print", action="store_true", help="print it here instead, like running "
                   "the script")
    p.set_defaults(run=None)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="tutor",
        description="A symbolic-to-numeric gradient tutor: the slides' neural-network models in "
                    "SymPy, chain-rule gradients, NumPy/CuPy kernels, gradient checks and "
                    "gradient descent.",
        epilog="Run 'tutor COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _maths_commands(sub)
    _descent_commands(sub)
    _ui_commands(sub)
    return parser
