"""The ``tutor`` command line: derive, check, descend, fit and kernel, for the slides' models, a
typed formula, and built-in or CSV data.

Exit codes: 0 success, 1 a failed gradient check, divergence or no convergence, 2 a usage error
(bad options, a formula our parser refuses, a bad CSV file), 3 an unexpected internal error (a
bug: reported in one line; set TUTOR_TRACEBACK=1 to see the traceback), 130 interrupted (Ctrl-C).
Nothing is ever reported with a Python traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["main", "build_parser"]

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
  tutor kernel                                  the generated NumPy code for a 2-2-1 network
  tutor kernel --layers 2,16,16,3 --output softmax --backend cupy""",
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
    group.add_argument("--data", metavar="NAME|FILE.csv", help="slides, linear, logistic, moons, "
                       "circles, function, or a CSV file with a header row")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="A symbolic-to-numeric gradient tutor: the slides' neural-network models in "
                    "SymPy, chain-rule gradients, NumPy/CuPy kernels, gradient checks and "
                    "gradient descent.",
        epilog="Run 'tutor COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name, help_, default_model):
        p = sub.add_parser(name, help=help_, description=help_, epilog=EXAMPLES.get(name),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        _model_options(p, default_model)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    p = command("derive", "the chain rule for one parameter, step by step", "mlp")
    p.add_argument("--param", metavar="NAME", help="e.g. 'beta_1^(1,2)' (default: the first "
                   "weight)")
    p.add_argument("--all", action="store_true", help="every parameter's gradient")
    p.add_argument("--latex", action="store_true", help="LaTeX instead of Unicode")
    p.add_argument("--result", action="store_true",
                   help="also the gradient in inputs, targets and parameters only")
    _data_options(p)
    p.set_defaults(run="derive", derive_defaults=True)

    p = command("check", "compare the kernel's gradient with finite differences", "mlp")
    p.add_argument("--mode", choices=["full", "fast"], default="full",
                   help="every parameter, or random directions for big models")
    p.add_argument("--directions", type=WHOLE, default=8, help="directions in fast mode")
    _data_options(p)
    _kernel_options(p)
    p.set_defaults(run="check")

    p = command("descend", "gradient descent or SGD, one row per iteration", "slides")
    _data_options(p)
    _descent_options(p, steps=10)
    p.add_argument("--every", type=WHOLE, metavar="K", help="print every K-th iteration")
    p.add_argument("--history", metavar="FILE", help="write every iteration to FILE.csv or "
                   "FILE.json")
    _kernel_options(p)
    p.set_defaults(run="descend_command")

    p = command("fit", "descend to convergence and compare with OLS or the logit MLE", "linear")
    _data_options(p)
    _descent_options(p, steps=100_000)
    p.add_argument("--tolerance", type=NUMBER, default=1e-10,
                   help="stop when every |∂c/∂θ| is below this (default: 1e-10)")
    p.add_argument("--no-rescale", action="store_true", help="descend on the features as given "
                   "(by default linear and logistic regressions descend on standardized features "
                   "and report in the original units)")
    _kernel_options(p)
    p.set_defaults(run="fit")

    p = command("kernel", "print the generated NumPy/CuPy code for a model", "mlp")
    _data_options(p)
    _kernel_options(p)
    p.set_defaults(run="kernel")

    p = sub.add_parser("ui", help="the terminal UI (also: plain tutor)")
    p.add_argument("preset", nargs="?", choices=["slides", "linear", "logistic", "neuron",
                                                  "network", "moons", "circles"],
                   help="open a playground model directly")
    p.set_defaults(run=None)

    p = sub.add_parser("lesson", help="open a lesson from lessons/ in the UI (or --print it)")
    p.add_argument("name", help="its number or name, e.g. 07 or gradient_descent")
    p.add_argument("--print", action="store_true", help="print it here instead, like running "
                   "the script")
    p.set_defaults(run=None)

    p = sub.add_parser("tour", help="the slides' worked example, computed live")
    p.set_defaults(run="tour")
    return parser


def _defaults(args) -> None:
    """Per-command defaults that depend on other options."""
    from .setup import UsageError

    if getattr(args, "derive_defaults", False) and args.model == "mlp" and args.data is None:
        # with nothing said, derive the slides' general formula: 2-2-1 with F_1 and F_2
        if args.layers is None and args.hidden is None:
            args.layers = "2,2,1"
            args.activation = args.activation or "F"
            args.output = args.output or "F"
    for name, example in (("learning_rate", "0.1"), ("tolerance", "1e-10")):
        value = getattr(args, name, None)
        if value is not None and not 0 < value < float("inf"):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number such as "
                             f"{example}, got {value:g}")
    for name in ("steps", "epochs", "batch_size", "n", "every", "directions", "seed"):
        value = getattr(args, name, None)
        least = 0 if name in ("steps", "seed") else 1
        if value is not None and value < least:
            raise UsageError(f"--{name.replace('_', '-')} must be at least {least} (a whole "
                             f"number), got {value}")


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code. Errors are one-line messages on stderr, never tracebacks."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C, wherever it lands (even while the maths libraries load)
        sys.stderr.write("tutor: interrupted\n")
        return 130
    except BrokenPipeError:  # `tutor descend | head`: the reader left; say nothing more
        _silence_stdout()
        return 0
    except MemoryError as error:
        detail = f" ({error})" if str(error) else ""
        sys.stderr.write(f"tutor: error: not enough memory{detail}: use less data (--n) or a "
                         "smaller model (--layers, --hidden)\n")
        return 2
    except OSError as error:  # writing the output failed: a full disk, a closed terminal
        sys.stderr.write(f"tutor: error: {error.strerror or error}\n")
        return 2
    except Exception as error:  # a bug: one line, and how to see more
        if os.environ.get("TUTOR_TRACEBACK"):
            raise
        sys.stderr.write(f"tutor: internal error: {type(error).__name__}: {error}\n"
                         "This is a bug in tutor. Run again with TUTOR_TRACEBACK=1 to see where it "
                         "happened, and report it with the command you ran.\n")
        return 3


def _silence_stdout() -> None:
    """After a broken pipe, send what is left to /dev/null so that exiting prints nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from ..ui import run

        return run()
    if args.command == "ui":
        from ..ui import run

        return run(args.preset)
    if args.command == "lesson":
        from ..lesson import find, run

        try:
            path = find(args.name)
        except ValueError as error:
            sys.stderr.write(f"tutor: error: {error}\n")
            return 2
        if args.print:
            run(path)
            return 0
        from ..ui import run as run_ui

        return run_ui(lesson=path)
    # the commands and the maths load only now: plain `tutor` (the UI) starts without them
    from ..backends import BackendError
    from ..parser import ParseError
    from . import commands

    try:
        _defaults(args)
        return getattr(commands, args.run)(args)
    except ParseError as error:
        sys.stderr.write(f"tutor: cannot read the formula:\n{error}\n")
    except (ValueError, BackendError) as error:  # UsageError, DataError, KernelInputError, …
        sys.stderr.write(f"tutor: error: {error}\n")
    return 2
