"""From parsed options to tutor's specs, and from a SpecError back to the options' words.

The command line is a thin adapter: it turns its options into a ModelSpec, a DataSpec and a
RunSpec, hands them to the one pipeline (tutor.problem), and says what goes wrong by option.
"""

from __future__ import annotations

from .. import spec
from ..spec import DataSpec, ModelSpec, RunSpec, SpecError
from .options import OPTION

__all__ = ["model_spec", "data_spec", "run_spec", "settings", "in_our_words", "problem"]

_NAMED = {"slides": "slides", "linear": "linear", "logistic": "logistic", "neuron": "neuron",
          "mlp": "mlp", "network": "mlp"}


def in_our_words(error: SpecError) -> str:
    """The error, said by the option that sets its field: "--params: …"."""
    option = OPTION.get(error.field or "")
    return f"{option}: {error}" if option else str(error)


def model_spec(args) -> ModelSpec:
    """--model and the options that go with it; for derive with nothing said, the slides' 2-2-1
    network with the unspecified F_1 and F_2."""
    text = (args.model or "mlp").strip()
    kind = _NAMED.get(text, "formula")
    params = spec.assignments(getattr(args, "params", None))
    if kind == "formula" and not params:
        raise SpecError(f"{text!r} is not one of the named models ({', '.join(_NAMED)}), so it "
                        "is read as a formula: name its parameters with --params, e.g. --params "
                        "alpha=2,beta=0 (the other names are inputs, read from data columns)",
                        "model")
    options = dict(layers=args.layers, hidden=args.hidden, activation=args.activation,
                   output=args.output, loss=args.loss)
    if (args.run == "derive" and kind == "mlp" and args.data is None and not args.layers
            and not args.hidden):
        options |= dict(layers="2,2,1", activation=args.activation or "F",
                        output=args.output or "F")
    given = {name: value for name, value in options.items() if value}
    return ModelSpec(kind, formula=text if kind == "formula" else None, params=params, **given)


def data_spec(args, default: str | None) -> DataSpec:
    features = tuple(f.strip() for f in args.features.split(",")) if args.features else None
    return DataSpec(args.data or default, target=args.target, features=features,
                    standardize=args.standardize, n=args.n, seed=args.seed)


def run_spec(args, n: int) -> RunSpec:
    """γ, the batch size (checked against the n samples), steps or epochs and the seed."""
    batch = spec.batch_size(args.batch_size, n)
    return RunSpec(args.learning_rate, batch, args.steps, args.epochs, args.seed)


def settings(args) -> None:
    """The settings that are not part of a spec, checked before anything is built."""
    if getattr(args, "learning_rate", None) is not None:
        spec.learning_rate(args.learning_rate)
    if getattr(args, "tolerance", None) is not None and not 0 < args.tolerance < float("inf"):
        raise SpecError(f"the tolerance must be a positive number such as 1e-10, not "
                        f"{args.tolerance:g}", "tolerance")
    for name, least in (("steps", 0), ("epochs", 1), ("batch_size", 1), ("n", 1), ("every", 1),
                        ("directions", 1), ("seed", 0)):
        value = getattr(args, name, None)
        if value is not None:
            what = {"n": "the number of samples n", "batch_size": "the batch size",
                    "seed": "the seed", "every": "the step between printed rows"}.get(
                name, f"the number of {name}")
            spec.whole(value, what, least, name)


def problem(args, default_data: str | None, need_data: bool):
    """The problem the options describe, through the one pipeline."""
    from ..problem import build

    return build(model_spec(args), data_spec(args, default_data), need_data=need_data,
                 dtype=getattr(args, "dtype", "float64"))
