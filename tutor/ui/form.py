"""The playground's form as tutor's specs, and what goes wrong said in the form's words.

The form is the UI's way of writing a :class:`tutor.ModelSpec`, :class:`tutor.DataSpec` and
:class:`tutor.RunSpec`, as options are the command line's: every name, default and check comes
from :mod:`tutor.spec`; this module only labels them and reads the fields. It imports neither
Textual nor the maths libraries.

>>> model, data, run = specs(Fields(model="formula", formula="alpha + beta*x",
...                                 params="alpha=0,beta=0", data="linear", rate="0.5"))
>>> model.kind, model.params, data.source, run.learning_rate
('formula', {'alpha': 0.0, 'beta': 0.0}, 'linear', 0.5)
>>> in_our_words(SpecError("a width cannot be negative", "hidden"))
'the hidden widths: a width cannot be negative'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..spec import USES, DataSpec, ModelSpec, RunSpec, SpecError, assignments, learning_rate

__all__ = ["CSV", "LABELS", "Fields", "specs", "fields_of", "rate", "title", "in_our_words"]

CSV = "csv"  # the data select's last choice: the file named in the CSV field

#: how the form shows tutor.spec's names; a name without a label is shown as it is
LABELS = {
    "model": {"slides": "the slides' ŷ = α + x", "linear": "linear regression",
              "logistic": "logistic regression", "neuron": "a neuron", "mlp": "a network",
              "formula": "my formula (below)"},
    "data": {"slides": "the slides' one sample", "linear": "linear (simulated)",
             "logistic": "logistic (simulated)", "moons": "two moons", "circles": "circles",
             "function": "a function on an interval", CSV: "a CSV file (path below)"},
    "output": {"identity": "identity (regression)", "logistic": "logistic (two classes)",
               "softmax": "softmax (several classes)"},
    "loss": {"squared_error": "squared error", "cross_entropy": "cross-entropy"},
}

#: a spec's field → the form's words for it
WORDS = {"model": "the model", "formula": "the formula", "params": "the parameters",
         "hidden": "the hidden widths", "layers": "the network's widths",
         "activation": "the activation", "output": "the output", "loss": "the loss",
         "data": "the data", "target": "the target column", "features": "the features",
         "n": "the number of samples", "seed": "the seed", "learning_rate": "γ",
         "batch_size": "the batch size", "t": "the step"}


@dataclass(frozen=True)
class Fields:
    """What the form holds, as typed (an empty string: nothing chosen, the kind's default)."""

    model: str = "mlp"
    hidden: str = ""
    data: str = ""
    csv: str = ""
    activation: str = ""
    output: str = ""
    loss: str = ""
    rate: str = ""
    formula: str = ""
    params: str = ""


def fields_of(model: ModelSpec, data: DataSpec) -> Fields:
    """The form filled in with a spec's settings (the playground starts from a preset's)."""
    return Fields(model=model.kind, hidden=",".join(map(str, model.hidden or ())),
                  data=data.source or "", activation=model.activation or "",
                  output=model.output or "", loss=model.loss or "", formula=model.formula or "")


def rate(text: str) -> float | None:
    """γ as typed (None when nothing is: the preset's own, or the RunSpec's), read by the one
    validator of γ."""
    return learning_rate(text) if text.strip() else None


def specs(form: Fields) -> tuple[ModelSpec, DataSpec, RunSpec]:
    """The specs the form describes; a SpecError names the field at fault."""
    kind = form.model
    options = {name: getattr(form, name).strip() or None
               for name in ("hidden", "activation", "output", "loss") if name in USES[kind]}
    model = ModelSpec(kind, formula=form.formula.strip() or None if kind == "formula" else None,
                      params=assignments(form.params), **options)
    source, target = form.data, None
    if source == CSV:
        path, _, column = form.csv.partition(",")
        source, target = path.strip(), column.strip() or None
        if not source:
            raise SpecError("type the CSV file's path (and its target column after a comma)",
                            "data")
    # the single-layer regressions read a file's columns on a common scale, as the slides do
    data = DataSpec(source, target=target, standardize=form.data == CSV and kind in ("linear",
                                                                                      "logistic"))
    chosen = rate(form.rate)
    return model, data, RunSpec() if chosen is None else RunSpec(chosen)


def title(form: Fields) -> str:
    """The stepper's title for a model built from the form."""
    if form.model == "formula":
        return f"ŷ = {form.formula.strip()}"
    return LABELS["model"].get(form.model, form.model)


def in_our_words(error: BaseException) -> str:
    """The error, said by the form's field that sets it: "the parameters: …"; a formula that
    cannot be read is shown with its caret under the place."""
    # a ParseError comes from tutor's parser, loaded by then; the form does not load it (and
    # SymPy with it) only to ask
    parser = sys.modules.get(__name__.rsplit(".", 2)[0] + ".parser")
    if parser is not None and isinstance(error, parser.ParseError):
        return f"{WORDS['formula']}:\n{error}"
    words = WORDS.get(getattr(error, "field", None) or "")
    return f"{words}: {error}" if words else str(error)
