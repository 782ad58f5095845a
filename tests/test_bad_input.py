"""A catalogue of bad data and bad settings, each tried where a learner meets it: the Python API,
the command line and the terminal UI.

Every entry is refused with a message that names what is wrong AND what would be accepted;
nothing crashes, nothing prints a traceback, nothing turns silently into NaN, and the UI keeps
its previous state. Then divergence: caught from a non-finite loss, a non-finite θ, an exploding
loss or parameters that explode while the loss stays finite; reported with the step where it
began; the last good state kept; and the learner rewinds from there, in all three places.

Each catalogue row reads: what is wrong, how it is tried, a pattern the message must contain
naming the defect, and a pattern naming what would be accepted.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import signal
import subprocess
import sys
import time

import numpy
import pytest
from figures import tally

import tutor
from tutor.cli import main
from tutor.csvfile import load_csv
from tutor.data import Data

nan, inf = float("nan"), float("inf")
API, CLI, UI = ("bad inputs tried through the Python API", "bad inputs tried at the command line",
                "bad inputs tried in the terminal UI")
DIVERGENCES = "divergences caught and rewound (API, CLI, UI)"


# -- the Python API ---------------------------------------------------------------------------
@functools.cache
def kernel():
    """ŷ = α + xβ₁: θ has 2 numbers, X is (n, 1)."""
    return tutor.linear_regression(1).compile()


X3, Y3 = numpy.array([[1.0], [2.0], [3.0]]), numpy.array([1.0, 2.0, 3.5])


def descend(theta=(0.0, 0.0), X=X3, Y=Y3, **settings):
    return tutor.descend(kernel(), list(theta), X, Y, **settings)


def session(theta=(0.0, 0.0), X=X3, Y=Y3, **settings):
    return tutor.Session(tutor.linear_regression(1), kernel(), X, Y, list(theta), **settings)


def data(X=X3, Y=Y3, features=("x",), targets=("y",)):
    return Data(X, Y, features, targets, "my data")


def with_nan(array, where):
    array = numpy.array(array, dtype=float)
    array[where] = nan
    return array


API_CATALOGUE = [
    # what is wrong, how it is tried, the defect named, what is accepted
    ("descend: X is 3-D", lambda: descend(X=numpy.ones((3, 1, 1))), r"got shape \(3, 1, 1\)",
     r"must have shape \(n, 1\): one row per sample"),
    ("descend: X has the wrong number of inputs", lambda: descend(X=numpy.ones((3, 2))),
     r"got shape \(3, 2\)", r"shape \(n, 1\)"),
    ("descend: Y has the wrong number of outputs", lambda: descend(Y=numpy.ones((3, 2))),
     r"got shape \(3, 2\)", r"Y must have shape \(3,\) or \(3, 1\)"),
    ("descend: X and Y have different rows", lambda: descend(Y=numpy.ones(4)),
     "X has 3 rows but Y has 4", "one target row per sample"),
    ("descend: NaN in X", lambda: descend(X=with_nan(X3, (1, 0))), r"NaN or infinity \(first at "
     "row 1, column 0", "remove or impute"),
    ("descend: infinity in Y", lambda: descend(Y=numpy.array([1, inf, 3])), r"Y holds NaN or "
     "infinity", "remove or impute"),
    ("descend: infinity in θ₀", lambda: descend(theta=(inf, 0)), r"θ₀\[0\] = inf",
     "start from finite values"),
    ("descend: NaN in θ₀", lambda: descend(theta=(0, nan)), r"θ₀\[1\] = nan",
     "start from finite values"),
    ("descend: θ₀ too short", lambda: descend(theta=(0,)), "got 1", "must hold 2 numbers"),
    ("descend: text in θ₀", lambda: descend(theta=("a", 0)), "'a'", "one number per parameter"),
    ("descend: empty data", lambda: descend(X=numpy.empty((0, 1)), Y=numpy.empty(0)), "no rows",
     "at least one sample"),
    ("descend: text in X", lambda: descend(X=[["a"], ["b"], ["c"]]), "text such as 'a'",
     "a table of numbers"),
    ("descend: ragged X", lambda: descend(X=[[1.0], [2.0, 3.0], [3.0]]),
     "not all the same length", "a table of numbers"),
    ("descend: X is None", lambda: descend(X=None), r"missing \(None\)", "a table of numbers"),
    ("descend: γ = 0", lambda: descend(learning_rate=0), "not 0", "positive number such as 0.1"),
    ("descend: γ < 0", lambda: descend(learning_rate=-0.1), "not -0.1", "positive number"),
    ("descend: γ = NaN", lambda: descend(learning_rate=nan), "not nan", "positive number"),
    ("descend: γ = inf", lambda: descend(learning_rate=inf), "not inf", "positive number"),
    ("descend: γ is a word", lambda: descend(learning_rate="fast"), "not 'fast'",
     "a positive number such as 0.1"),
    ("descend: γ is None", lambda: descend(learning_rate=None), "not None",
     "a positive number such as 0.1"),
    ("descend: batch of 0", lambda: descend(batch_size=0), "not 0", "whole number from 1 to 3"),
    ("descend: negative batch", lambda: descend(batch_size=-1), "not -1", "from 1 to 3"),
    ("descend: batch of 1.5", lambda: descend(batch_size=1.5), "not 1.5", "whole number"),
    ("descend: batch larger than the data", lambda: descend(batch_size=4), "not 4",
     r"from 1 to 3 \(the number of samples\)"),
    ("descend: batch size as a word", lambda: descend(batch_size="two"), "not 'two'",
     "whole number"),
    ("descend: negative steps", lambda: descend(steps=-1), "not -1", "whole number ≥ 0"),
    ("descend: fractional steps", lambda: descend(steps=1.5), "not 1.5", "whole number ≥ 0"),
    ("descend: negative epochs", lambda: descend(epochs=-2), "not -2", "whole number ≥ 0"),
    ("descend: negative seed", lambda: descend(seed=-1, batch_size=1), "not -1",
     "whole number ≥ 0"),
    ("descend: seed as a word", lambda: descend(seed="a", batch_size=1), "not 'a'",
     "whole number ≥ 0"),
    ("kernel: text in X", lambda: kernel()([0.0, 0.0], [["a"], ["b"]], [1.0, 2.0]),
     "text such as 'a'", "a table of numbers"),
    ("kernel: NaN in Y", lambda: kernel()([0.0, 0.0], X3, with_nan(Y3, 2)), r"Y holds NaN or "
     r"infinity \(first at index \(2, 0\)\)", "remove or impute"),
    ("kernel: θ as a matrix", lambda: kernel()([[0.0, 0.0]], X3, Y3), r"got shape \(1, 2\)",
     "a flat vector of 2 numbers"),
    ("kernel: predict at a NaN θ", lambda: kernel().predict([nan, 0.0], X3), "θ holds NaN",
     "start from finite values"),
    ("Data: X is 3-D", lambda: data(X=numpy.ones((3, 1, 1))), r"shape \(3, 1, 1\)",
     r"a table \(n, k\)"),
    ("Data: X and Y have different rows", lambda: data(Y=numpy.ones(4)),
     "X has 3 rows but Y has 4", "my data"),
    ("Data: NaN in X", lambda: data(X=with_nan(X3, (1, 0))), "row 2, column 'x' is nan",
     "must be finite numbers; drop or impute"),
    ("Data: infinity in Y", lambda: data(Y=numpy.array([1, inf, 3])), "column 'y' is inf",
     "finite numbers"),
    ("Data: no rows", lambda: data(X=numpy.empty((0, 1)), Y=numpy.empty(0)), "no rows",
     "at least one sample"),
    ("Data: text in X", lambda: data(X=[["a"], ["b"], ["c"]]), "text such as 'a'",
     "a table of numbers"),
    ("Data: a name used twice", lambda: data(X=numpy.ones((3, 2)), features=("x", "x")),
     "'x' is used twice", "needs its own name"),
    ("Data: too many feature names", lambda: data(features=("x", "z")),
     "2 feature names for 1 columns", "my data"),
    ("Data: standardizing a constant column", lambda: data(X=numpy.ones((3, 1))).standardized(),
     "'x' .* is constant", "drop it from the features"),
    ("Session: γ = 0", lambda: session(learning_rate=0), "not 0", "positive number such as 0.1"),
    ("Session: batch larger than the data", lambda: session(batch_size=9), "not 9",
     "from 1 to 3"),
    ("Session: NaN in θ₀", lambda: session(theta=(nan, 0)), "nan", "start from finite values"),
    ("Session: NaN in X", lambda: session(X=with_nan(X3, (0, 0))), "X holds NaN",
     "remove or impute"),
    ("Session: X is 3-D", lambda: session(X=numpy.ones((3, 1, 1))), r"\(3, 1, 1\)",
     r"shape \(n, 1\)"),
    ("Session: γ typed as text", lambda: session().set_learning_rate("fast"), "not 'fast'",
     "positive number such as 0.1"),
    ("Session: γ = −1", lambda: session().set_learning_rate(-1), "not -1",
     "positive number such as 0.1"),
    ("Session: γ = inf", lambda: session().set_learning_rate(inf), "not inf", "positive number"),
    ("Session: γ too large for a float", lambda: session().set_learning_rate("1e400"),
     "not '1e400'", "positive number"),
    ("Session: γ is None", lambda: session().set_learning_rate(None), "not None",
     "positive number"),
    ("Session: batch of 0", lambda: session().set_batch_size(0), "not 0", "from 1 to 3"),
    ("Session: batch of 1.5", lambda: session().set_batch_size(1.5), "not 1.5", "whole number"),
    ("Session: batch as a word", lambda: session().set_batch_size("ten"), "not 'ten'",
     "whole number from 1 to 3"),
    ("Session: batch of True", lambda: session().set_batch_size(True), "not True",
     "whole number"),
    ("Session: unknown parameter", lambda: session().set_parameter("gamma", 1), "'gamma'",
     "the parameters are α, β₁"),
    ("Session: parameter number out of range", lambda: session().set_parameter(9, 1),
     "not 9", "a parameter's number, 0 to 1"),
    ("Session: parameter value as text", lambda: session().set_parameter("alpha", "two"),
     "not 'two'", "a number such as 2"),
    ("Session: infinite parameter value", lambda: session().set_parameter("alpha", inf),
     "not inf", "finite number"),
    ("Session: rewind past the steps taken", lambda: session().rewind(5), "not 5",
     r"from 0 \(θ₀\) to 0"),
    ("ols: a constant column", lambda: tutor.ols(numpy.ones((3, 1)), Y3), "is constant",
     "drop the redundant column"),
    ("ols: NaN in X", lambda: tutor.ols(with_nan(X3, (1, 0)), Y3), "NaN or infinite",
     "drop or impute"),
    ("ols: X is 3-D", lambda: tutor.ols(numpy.ones((3, 1, 1)), Y3), "ndim=3",
     r"1-D \(n,\) or 2-D \(n, k\)"),
    ("ols: no rows", lambda: tutor.ols(numpy.empty((0, 1)), numpy.empty(0)), "n=0",
     r"need n >= k \+ 1"),
    ("logit_mle: y is 1 in every row", lambda: tutor.logit_mle(X3, numpy.ones(3)),
     "1 for every row", "needs both 0s and 1s"),
    ("logit_mle: y is not 0/1", lambda: tutor.logit_mle(X3, Y3), "found 2", "only 0 and 1"),
    ("mlp: an unknown activation", lambda: tutor.mlp([1, 2, 1], activation="relux"), "'relux'",
     "choose one of logistic, tanh, relu"),
    ("mlp: an unknown output", lambda: tutor.mlp([1, 2, 1], output="sigmoidd"), "'sigmoidd'",
     "choose one of"),
    ("mlp: an unknown loss", lambda: tutor.mlp([1, 2, 1], loss="hinge"), "'hinge'",
     "choose one of squared_error, cross_entropy"),
    ("mlp: a width of 0", lambda: tutor.mlp([1, 0, 1]), r"got \[1, 0, 1\]",
     "at least two positive integers"),
    ("neuron: an unknown activation", lambda: tutor.neuron(1, "sigmoidd"), "'sigmoidd'",
     "choose one of"),
    ("compile: an unknown dtype", lambda: tutor.linear_regression(1).compile(dtype="float16"),
     "'float16'", "'float64' or 'float32'"),
    ("datasets: an unknown data set", lambda: tutor.datasets.load("moon"), "'moon'",
     "the built-in data sets are"),
    ("datasets: n = 0", lambda: tutor.datasets.linear(n=0), "not 0", "at least 1"),
    ("datasets: k = 0", lambda: tutor.datasets.logistic(k=0), "not 0", "at least 1"),
]


@pytest.mark.parametrize("call,wrong,accepted",
                         [pytest.param(*row[1:], id=row[0]) for row in API_CATALOGUE])
def test_the_python_api_refuses_bad_input_clearly(call, wrong, accepted):
    tally(API)
    with pytest.raises((ValueError, TypeError)) as refused:
        result = call()
        if hasattr(result, "__next__"):
            next(result)
    message = str(refused.value)
    assert re.search(wrong, message), f"does not name what is wrong: {message}"
    assert re.search(accepted, message), f"does not say what is accepted: {message}"


def test_descend_refuses_at_the_call_not_at_the_first_step():
    """A learner who writes ``run = tutor.descend(…, learning_rate=0)`` hears it at once."""
    with pytest.raises(tutor.SpecError, match="the learning rate γ") as refused:
        descend(learning_rate=0)  # not iterated
    assert refused.value.field == "learning_rate"
    tally(API)


# -- CSV files: through load_csv and the command line -----------------------------------------
GOOD = "x,y\n1,2\n2,3\n3,5\n"
CSV_CATALOGUE = [
    # what is wrong, the file, load_csv's options, the defect named, what is accepted
    ("an empty file", "", {}, "is empty", "a header row"),
    ("only a header", "x,y\n", {}, "0 data rows", "at least 2"),
    ("a word in a number column", "x,y\n1,abc\n2,3\n", {}, "'abc' is not a number",
     "fix the cell"),
    ("an empty cell", "x,y\n1,2\n,3\n", {}, "is empty/NaN", "fill or drop it"),
    ("a NaN cell", "x,y\n1,2\n2,nan\n", {}, "is empty/NaN", "fill or drop it"),
    ("an infinite cell", "x,y\n1,2\n2,inf\n", {}, "'inf' is infinite", "use a finite number"),
    ("a missing target column", GOOD, {"target": "wage"}, "no target column 'wage'",
     "the columns are 'x', 'y'"),
    ("a missing feature column", GOOD, {"features": ["age"]}, "no feature column 'age'",
     "the columns are 'x', 'y'"),
    ("a column named twice", "x,x,y\n1,2,3\n4,5,6\n", {}, "'x' appears twice", "rename one"),
    ("the target among the features", GOOD, {"features": ["x", "y"]},
     "'y' is both a feature and a target", "leave it out of the features"),
    ("a row with too many cells", "x,y\n1,2\n2,3,4\n", {}, "line 3 has 3 cells",
     "missing or extra commas"),
    ("numbers where the header should be", "1,2\n3,4\n5,6\n", {}, "holds numbers, not column "
     "names", "add a header row"),
    ("a binary file", bytes(range(256)) * 2, {}, "not UTF-8", "Save it as 'CSV UTF-8'"),
    ("a folder, not a file", None, {}, "is a folder", "give the CSV file's path"),
    ("a missing file", "MISSING", {}, "no such file", "check the path"),
    ("a constant column, standardized", "x,c,y\n1,5,2\n2,5,3\n3,5,5\n", {"standardize": True},
     "'c' .* is constant", "drop it from the features"),
]


def write(tmp_path, content):
    path = tmp_path / "data.csv"
    if content is None:
        path.mkdir()
    elif content != "MISSING":
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("content,options,wrong,accepted",
                         [pytest.param(*row[1:], id=row[0]) for row in CSV_CATALOGUE])
def test_load_csv_refuses_bad_files_clearly(tmp_path, content, options, wrong, accepted):
    tally(API)
    path = write(tmp_path, content)
    with pytest.raises(tutor.DataError) as refused:
        load_csv(path, **options)
    message = str(refused.value)
    assert message.startswith(str(path)) and re.search(wrong, message) and re.search(
        accepted, message), message


@pytest.mark.parametrize("content,options,wrong,accepted",
                         [pytest.param(*row[1:], id=row[0]) for row in CSV_CATALOGUE])
def test_the_command_line_refuses_bad_files_clearly(capsys, tmp_path, content, options, wrong,
                                                    accepted):
    argv = ["descend", "--model", "linear", "--data", str(write(tmp_path, content))]
    argv += ["--target", options["target"]] if "target" in options else []
    argv += ["--features", ",".join(options["features"])] if "features" in options else []
    argv += ["--standardize"] if options.get("standardize") else []
    refused(capsys, argv, 2, wrong, accepted)


# -- the command line -------------------------------------------------------------------------
def run(capsys, argv):
    """tutor.cli.main in this process: (exit code, stdout, stderr); argparse's exits included."""
    try:
        code = main(list(argv))
    except SystemExit as done:
        code = done.code
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, argv, code, wrong, accepted):
    tally(CLI)
    got, out, err = run(capsys, argv)
    assert "Traceback" not in err + out
    assert got == code, (got, err)
    last = err.strip().splitlines()[-1] if err.strip() else ""
    message = err if err.startswith("tutor") else last  # argparse: usage, then the error
    assert re.search(wrong, message), f"does not name what is wrong: {err}"
    assert re.search(accepted, message), f"does not say what is accepted: {err}"


CLI_CATALOGUE = [
    # what is wrong, the arguments, the defect named, what is accepted
    ("γ = 0", ["descend", "--learning-rate", "0"], "--learning-rate: .*, not 0$",
     "positive number such as 0.1"),
    ("γ < 0", ["descend", "--learning-rate", "-0.5"], "not -0.5", "positive number"),
    ("γ = NaN", ["descend", "--learning-rate", "nan"], "not nan", "positive number"),
    ("γ = inf", ["descend", "--learning-rate", "inf"], "not inf", "positive number"),
    ("γ too large for a float", ["descend", "--lr", "1e400"], "not inf", "positive number"),
    ("γ as a word", ["descend", "--learning-rate", "fast"], "'fast' is not a number",
     "give one such as 0.1"),
    ("a batch of 0", ["descend", "--batch-size", "0"], "--batch-size: .*not 0", "≥ 1"),
    ("a batch larger than the data", ["descend", "--batch-size", "5"], "not 5",
     r"from 1 to 1 \(the number of samples"),
    ("a batch larger than the data, in fit", ["fit", "--batch-size", "1000"], "not 1000",
     "from 1 to 100"),
    ("a fractional batch", ["descend", "--batch-size", "1.5"], "'1.5' is not a whole number",
     "give one such as 10"),
    ("negative steps", ["descend", "--steps", "-3"], "--steps: .*not -3", "whole number ≥ 0"),
    ("fractional steps", ["descend", "--steps", "1.5"], "'1.5' is not a whole number",
     "such as 10"),
    ("no steps to fit with", ["fit", "--steps", "0"], "--steps", "at least 1"),
    ("0 epochs", ["descend", "--epochs", "0"], "--epochs: .*not 0", "whole number ≥ 1"),
    ("a negative seed", ["descend", "--seed", "-1"], "--seed: .*not -1", "whole number ≥ 0"),
    ("no samples", ["descend", "--data", "linear", "--n", "0"], "--n: .*not 0",
     "whole number ≥ 1"),
    ("too few samples for the data set", ["descend", "--data", "moons", "--n", "1"], "not 1",
     "at least 2"),
    ("a negative tolerance", ["fit", "--tolerance", "-1"], "--tolerance: .*not -1",
     "positive number"),
    ("a NaN tolerance", ["fit", "--tolerance", "nan"], "not nan", "positive number"),
    ("every 0th step", ["descend", "--every", "0"], "--every: .*not 0", "whole number ≥ 1"),
    ("a parameter value as a word", ["descend", "--params", "alpha=two"],
     "--params: the value of alpha .*not 'two'", "a number such as 2"),
    ("an infinite parameter value", ["descend", "--params", "alpha=inf"], "not 'inf'",
     "finite number"),
    ("an unknown parameter", ["descend", "--params", "beta=1"], "no parameter called 'beta'",
     "the parameters are alpha"),
    ("a negative hidden width", ["descend", "--model", "mlp", "--hidden", "-2"],
     "--hidden: .*a width cannot be negative", "positive whole numbers such as 16,16"),
    ("a hidden width of 0", ["descend", "--model", "mlp", "--hidden", "0"], "'0'",
     "positive whole numbers"),
    ("a hidden width as a word", ["descend", "--model", "mlp", "--hidden", "a"],
     "--hidden: .*'a' is not a width", "positive whole numbers"),
    ("a network larger than any machine's memory",
     ["descend", "--model", "mlp", "--hidden", "300000,300000"],
     r"has [\d,]+ parameters: descending needs about [\d,.]+ GB",
     "make the hidden layers narrower or fewer"),
    ("a negative layer width", ["descend", "--model", "mlp", "--layers", "2,-3,1"],
     "--layers: .*a width cannot be negative", "such as 2,16,16,3"),
    ("an unknown activation", ["descend", "--model", "mlp", "--activation", "relux"],
     "--activation: unknown activation 'relux'", "choose one of logistic, tanh, relu.*type a "
     "formula in one variable"),
    ("an activation for a model that has none", ["descend", "--activation", "relux"],
     "--activation: an activation does not apply to the slides' model",
     "the models that take it: neuron, mlp"),
    ("a loss for logistic regression", ["fit", "--model", "logistic", "--loss", "squared_error"],
     "--loss: a loss does not apply to logistic regression",
     "the models that take it: slides, neuron"),
    ("hidden widths for a neuron", ["descend", "--model", "neuron", "--hidden", "3"],
     "--hidden: hidden widths do not apply to a neuron", "the models that take it: mlp"),
    ("a parameter named without a value", ["descend", "--params", "beta"],
     "no parameter called 'beta'", "the parameters are alpha"),
    ("an unknown output", ["descend", "--model", "mlp", "--output", "sigmoidd"],
     "'sigmoidd'", "softmax"),
    ("an unknown loss", ["descend", "--loss", "hinge"], "--loss: unknown loss 'hinge'",
     r"squared_error, cross_entropy, or type a formula .*such as '\(y - yhat\)\^2'"),
    ("an unknown model", ["descend", "--model", "lasso"], "'lasso' is not one of the named",
     "slides, linear, logistic, neuron, mlp"),
    ("an unknown data set", ["descend", "--data", "moon"], "'moon'",
     "the built-in data sets are"),
    ("data with more features than the model's inputs", ["descend", "--data", "moons"],
     "takes 1 input but the data has 2", "choose 1 of the features, or a model with 2 inputs"),
    ("a model with more outputs than the data's targets",
     ["descend", "--model", "mlp", "--layers", "1,2,2", "--data", "linear"],
     "--layers: the model has 2 outputs but the data has 1 target column",
     "make the last width 1"),
    ("a 0/1 loss on real-valued targets", ["descend", "--model", "logistic", "--data", "linear"],
     "'y' has other values", "a 0/1 target"),
    ("a history file in a folder that is not there",
     ["descend", "--steps", "1", "--history", "/nowhere/at/all/run.csv"], "cannot write",
     "--history"),
    ("an unknown lesson", ["lesson", "99"], "no lesson '99'", "the lessons are"),
    ("a model that can't be computed at θ₀ (check)",
     ["check", "--model", "log(alpha*x)", "--params", "alpha=-1", "--data", "linear"],
     "the loss is nan at the starting values", "start from other values with --params"),
]


@pytest.mark.parametrize("argv,wrong,accepted",
                         [pytest.param(*row[1:], id=row[0]) for row in CLI_CATALOGUE])
def test_the_command_line_refuses_bad_settings_clearly(capsys, argv, wrong, accepted):
    refused(capsys, argv, 2, wrong, accepted)


def fit_csv(tmp_path, text):
    path = tmp_path / "fit.csv"
    path.write_text(text)
    return str(path)


FIT_CATALOGUE = [
    # tutor fit on data that OLS or the logit MLE can't use: refused before any descent
    ("a constant feature", "linear", "x,c,y\n1,5,2\n2,5,3\n3,5,5\n4,5,4\n",
     "feature 'c' is constant", "leave it out with --features x"),
    ("two collinear features", "linear", "a,b,y\n1,2,1\n2,4,2\n3,6,4\n4,8,3\n",
     "column 'a', column 'b' are linearly dependent", "drop the redundant column"),
    ("a target that is 1 in every row", "logistic", "x,y\n1,1\n2,1\n3,1\n",
     "'y' is 1 in every row", "needs both 0s and 1s"),
    ("a target that is 0 in every row", "logistic", "x,y\n1,0\n2,0\n3,0\n",
     "'y' is 0 in every row", "needs both 0s and 1s"),
    ("classes a line separates", "logistic", "x,y\n1,0\n2,0\n3,1\n4,1\n",
     "perfectly separated", "drop or merge the offending regressor"),
]


@pytest.mark.parametrize("model,text,wrong,accepted",
                         [pytest.param(*row[1:], id=row[0]) for row in FIT_CATALOGUE])
def test_fit_refuses_data_without_an_answer_before_descending(capsys, tmp_path, model, text,
                                                               wrong, accepted):
    started = time.perf_counter()
    refused(capsys, ["fit", "--model", model, "--data", fit_csv(tmp_path, text)], 2, wrong,
            accepted)
    assert time.perf_counter() - started < 2  # not after 100,000 steps of a hopeless descent


def test_ctrl_c_in_a_long_descend_exits_130_and_keeps_what_was_done(capsys, monkeypatch):
    """Ctrl-C ends the run, not the work: the rows taken are printed, with one line saying so."""
    from tutor.cli import descend

    real = descend.descend

    def interrupted_at_step_4(*args, **kwargs):
        for step in real(*args, **kwargs):
            if step.t == 4:
                raise KeyboardInterrupt
            yield step

    monkeypatch.setattr(descend, "descend", interrupted_at_step_4)
    code, out, err = run(capsys, ["descend", "--steps", "1000000000"])
    assert code == 130 and err == "tutor: interrupted after step 3; what was done is above\n"
    rows = [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    assert rows == ["1", "2", "3"] and out.splitlines()[-1].startswith("after 3 steps: θ = α = ")
    code, out, err = run(capsys, ["descend", "--steps", "1000000000", "--json"])
    document = json.loads(out)  # still a whole JSON document
    assert code == 130 and document["interrupted"] and len(document["steps"]) == 3
    tally(CLI, 2)


INTERRUPTED = re.compile(r"tutor: interrupted( after step (\d+); what was done is above)?\n")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_from_outside_exits_130_without_a_traceback(signum):
    """The real command, a real signal, in the middle of a descent that would never end."""
    process = subprocess.Popen([sys.executable, "-m", "tutor", "descend", "--steps",
                                "1000000000000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(2.5)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    said = INTERRUPTED.fullmatch(err)
    assert process.returncode == 130 and said, err
    if said[2]:  # caught in the descent: its first rows and its last are on the screen
        assert any(line.startswith(said[2] + " ") for line in out.splitlines())
        assert out.splitlines()[-1].startswith(f"after {said[2]} steps: θ = α = ")
    tally(CLI)


@pytest.mark.parametrize("error,code,message", [
    (MemoryError("Unable to allocate 74.5 GiB"), 2, "not enough memory .*74.5 GiB.*use less data"),
    (OSError(28, "No space left on device"), 2, "tutor: error: No space left on device"),
    (RuntimeError("something nobody foresaw"), 3,
     "internal error: RuntimeError: something nobody foresaw\nThis is a bug.*TUTOR_TRACEBACK=1"),
])
def test_anything_else_is_one_line_never_a_traceback(capsys, monkeypatch, error, code, message):
    from tutor.cli import descend

    def fail(args):
        raise error

    monkeypatch.setattr(descend, "descend_command", fail)
    got, _, err = run(capsys, ["descend"])
    assert got == code and re.search(message, err) and "Traceback" not in err, err
    tally(CLI)


def test_tutor_traceback_shows_the_traceback_for_a_bug_report(capsys, monkeypatch):
    from tutor.cli import descend

    monkeypatch.setattr(descend, "descend_command", lambda args: 1 / 0)
    monkeypatch.setenv("TUTOR_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        main(["descend"])


def test_a_huge_steps_keeps_only_what_it_prints(capsys):
    """--steps 10⁹ would hold 10⁹ steps in memory; the table needs the first and last few."""
    from tutor.cli import descend

    problem = tutor.build("slides", "slides")
    result = descend._run(problem, problem.compile(), tutor.RunSpec(0.1, steps=3000),
                          row=lambda step: [str(step.t)])
    assert result.divergence is None and result.last.t == 3000
    assert len(result.rows) == descend.SHORT_RUN and [s.t for s in result.tail] == list(
        range(2996, 3001))
    code, out, _ = run(capsys, ["descend", "--steps", "3000"])
    lines = out.splitlines()
    assert code == 0 and lines[-1].startswith("after 3000 steps") and any(
        line.startswith("3000 ") for line in lines)


# -- the terminal UI --------------------------------------------------------------------------
def drive(preset, check, size=(80, 24)):
    """Open the UI (on a preset, or at home) with the UI tests' driver (tests/ui_driver.py) and
    let ``check(app, pilot, notes)`` press keys; ``notes`` are the notifications' messages."""
    from ui_driver import open_app

    async def go():
        async with open_app(preset, size=size) as (app, pilot):
            await check(app, pilot, app.notes)

    asyncio.run(go())


async def answer(app, pilot, key, text):
    from ui_driver import answer

    await answer(app, pilot, key, text)


# The UI reads what is typed with the Session's own checks (the API catalogue above tries every
# value); here each control is tried with the values a learner is likely to type, through the
# real prompt, and the message must appear and the state stay as it was.
STEPPER_CATALOGUE = [
    # the key, what is typed, the defect named, what is accepted
    ("l", "fast", "not 'fast'", "positive number such as 0.1"),
    ("l", "-1", "not '-1'", "positive number such as 0.1"),
    ("l", "[/b]", r"not '\[/b\]'", "positive number"),  # markup in what is typed is just text
    ("s", "1.5", "not '1.5'", r"whole number from 1 to 1 \(the number of samples\)"),
    ("p", "alpha=two", "not 'two'", "a number such as 2"),
    ("p", "alpha", "not 'alpha'", "type name=value, such as α=2"),
]


def test_the_stepper_refuses_bad_typed_values_and_keeps_its_state():
    async def check(app, pilot, notes):
        screen = app.screen
        session = screen.session
        await pilot.press("space")  # one step taken: the state to keep
        for key, typed, wrong, accepted in STEPPER_CATALOGUE:
            before = len(notes)
            await answer(app, pilot, key, typed)
            assert len(notes) == before + 1, (key, typed)
            assert re.search(wrong, notes[-1]) and re.search(accepted, notes[-1]), notes[-1]
            assert app.screen is screen and screen.session is session
            assert (session.learning_rate, session.batch_size, session.theta0.tolist(),
                    session.t) == (0.1, None, [2.0], 1), (key, typed)
        # + and − past the largest or the smallest float: a message, and γ stays
        for key, rate in (("plus", 1e308), ("minus", 5e-324)):
            session.learning_rate = rate
            await pilot.press(key)
            assert session.learning_rate == rate and "positive number" in notes[-1]
        tally(UI, len(STEPPER_CATALOGUE) + 2)

    drive("slides", check)


# refused on the form itself, in its words: what the specs can tell before anything is built
FORM_CATALOGUE = [
    # the form's fields, what the message says (each a pattern found in it)
    (dict(model="slides", rate="fast"), ["^γ: ", "not 'fast'", "positive number such as 0.1"]),
    (dict(model="slides", rate="0"), ["^γ: ", "not '0'", "positive number such as 0.1"]),
    (dict(model="slides", rate="[/b]"), ["^γ: ", r"not '\[/b\]'", "positive number"]),
    (dict(model="mlp", hidden="-2"), ["^the hidden widths: ", "a width cannot be negative",
                                      "positive whole numbers such as 16,16"]),
    (dict(model="formula", formula="alpha + x"), ["^the parameters: ",
                                                  "name the formula's parameters"]),
    (dict(model="linear", data="csv"), ["^the data: ", "type the CSV file's path"]),
]
HOME_CATALOGUE = [
    # the form's fields, the defect named, what is accepted (the model is not built)
    (dict(model="formula", formula="alpha + x", params="beta=1"), "the parameters: beta is not",
     "whose names are alpha, x"),
    (dict(model="mlp", hidden="300000,300000"), "parameters: descending needs about",
     "make the hidden layers narrower or fewer"),
    (dict(model="formula", formula="alpha +", params="alpha=2"), "stops after '\\+'",
     "needs a number, a name or '\\(' after it"),
    (dict(model="linear", data="csv", csv="{dir}/good.csv,wage"), "no target column 'wage'",
     "the columns are 'x', 'y'"),
    (dict(model="logistic", data="csv", csv="{dir}/ones.csv,y"), "'y' is 1 in every row",
     "needs both 0s and 1s"),
]


def test_the_home_form_refuses_bad_settings_and_stays_usable(tmp_path):
    from ui_driver import settle

    from tutor.ui.screens.home import HomeScreen
    from tutor.ui.screens.stepper import StepperScreen

    for name, text in (("good", GOOD), ("ones", "x,y\n1,1\n2,1\n")):
        (tmp_path / f"{name}.csv").write_text(text)

    async def submit(app, pilot, fields):
        home = app.screen
        for field in ("hidden", "csv", "rate", "formula", "params"):
            home.query_one(f"#{field}").value = ""
        for field, value in fields.items():
            home.query_one(f"#{field}").value = value.format(dir=tmp_path)
            await pilot.pause()
        home.query_one("#rate").focus()
        await pilot.press("enter")
        await settle(app, pilot)

    async def check(app, pilot, notes):
        home = app.screen
        for fields, said in FORM_CATALOGUE:  # refused on the form itself
            before = len(notes)
            await submit(app, pilot, fields)
            assert app.screen is home and len(notes) == before + 1, fields
            assert all(re.search(pattern, notes[-1]) for pattern in said), notes[-1]
        for fields, wrong, accepted in HOME_CATALOGUE:  # the rest: said where the model would be
            await submit(app, pilot, fields)
            screen = app.screen
            assert isinstance(screen, StepperScreen) and screen.session is None, fields
            shown = str(screen.query_one("#explain").content)
            assert "could not build this model" in shown, shown
            assert re.search(wrong, shown) and re.search(accepted, shown), (fields, shown)
            assert "--" not in shown, shown  # the form's words, not the command line's
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is home and isinstance(home, HomeScreen)
        tally(UI, len(FORM_CATALOGUE) + len(HOME_CATALOGUE))

    drive(None, check, size=(100, 40))


# -- divergence -------------------------------------------------------------------------------
def slides_kernel(root=False):
    """ŷ = α + x, or ŷ = √α + x (NaN for α < 0)."""
    import sympy

    alpha, x = sympy.symbols("alpha x")
    return tutor.model((sympy.sqrt(alpha) if root else alpha) + x, parameters=[alpha],
                       inputs=[x]).compile()


def test_an_exploding_loss_is_caught_where_it_began_with_the_last_good_step():
    X, Y = tutor.datasets.slides_example()
    seen = []
    with pytest.raises(tutor.Divergence) as caught:
        for step in tutor.descend(slides_kernel(), [2.0], X, Y, learning_rate=1.1, steps=1000):
            seen.append(step)
    error = caught.value
    assert (error.step, error.began, error.last_good.t, len(seen)) == (39, 1, 38, 38)
    assert error.last_good is seen[-1] and all(numpy.isfinite(s.loss) for s in seen)
    assert "grew more than a million-fold by step 39, climbing since step 1" in str(error)
    assert "γ = 1.1 is too large" in str(error) and "Try a smaller γ (e.g. 0.11)" in str(error)
    tally(DIVERGENCES)


def test_an_update_that_makes_theta_infinite_is_caught_at_that_update():
    X, Y = tutor.datasets.slides_example()
    with pytest.raises(tutor.Divergence) as caught:
        list(tutor.descend(slides_kernel(), [2.0], X, Y, learning_rate=1e308, steps=5))
    assert caught.value.step == caught.value.began == 1 and caught.value.last_good is None
    assert "update 1 made the parameters θ infinite or NaN" in str(caught.value)
    tally(DIVERGENCES)


def test_a_loss_that_turns_nan_midway_is_caught_with_the_step():
    """ŷ = √α + x from α = 30: a big step throws α below 0, where √α is NaN."""
    kernel = slides_kernel(root=True)
    X, Y = tutor.datasets.slides_example()
    seen = []
    with pytest.raises(tutor.Divergence) as caught:
        for step in tutor.descend(kernel, [30.0], X, Y, learning_rate=400, steps=10):
            seen.append(step)
    assert seen[-1].theta[0] < 0 and caught.value.step == len(seen) + 1
    assert f"the loss became infinite or NaN at step {len(seen) + 1}" in str(caught.value)
    assert caught.value.last_good is seen[-1]
    tally(DIVERGENCES)


def test_a_loss_that_cant_be_computed_at_theta0_is_not_blamed_on_the_learning_rate():
    kernel = slides_kernel(root=True)
    X, Y = tutor.datasets.slides_example()
    with pytest.raises(tutor.Divergence) as caught:
        next(tutor.descend(kernel, [-1.0], X, Y, learning_rate=0.1))
    message = str(caught.value)
    assert "infinite or NaN at the starting values θ₀" in message and "not to blame" in message
    assert "Start from other" in message and "too large" not in message
    tally(DIVERGENCES)


class Outward:
    """A loss that stays at 1 while its gradient, −θ, pushes θ outward: at γ = 1, θ doubles
    each step, and the loss never notices."""

    def __init__(self):
        self.inner = tutor.linear_regression(1).compile()
        self.n_parameters, self.parameters = 2, self.inner.parameters
        self.backend, self.dtype = self.inner.backend, "float64"

    def __call__(self, theta, X, Y):
        return 1.0, -numpy.asarray(theta)

    def predict(self, theta, X):
        return numpy.zeros(len(X))


def test_parameters_that_explode_while_the_loss_stays_finite_are_divergence():
    seen = []
    with pytest.raises(tutor.Divergence) as caught:
        for step in tutor.descend(Outward(), [1.0, 1.0], X3, Y3, learning_rate=1.0, steps=10_000):
            seen.append(step)
    error = caught.value
    assert all(s.loss == 1.0 for s in seen) and numpy.max(numpy.abs(seen[-1].theta)) <= 1e100
    assert error.step == len(seen) + 1 and error.began == 1 and error.last_good is seen[-1]
    assert "the parameters grew past 1e+100" in str(error) and "the loss stayed finite" in str(
        error) and "growing since step 1" in str(error)
    tally(DIVERGENCES)


def test_a_session_keeps_the_history_and_rewinds_from_a_divergence():
    s = tutor.start("slides", learning_rate=1.1)
    while s.forward() is not None:
        pass
    error = s.diverged
    assert error is not None and s.t == error.last_good.t == 38
    assert numpy.array_equal(s.theta, error.last_good.theta)  # the last good state, kept
    assert s.forward() is None and s.t == 38  # stepping on does nothing more
    s.back()  # out of the divergence, still at the last good state
    assert s.diverged is None and s.t == 38
    s.rewind(error.began - 1)  # back to where the climb began
    assert s.t == 0 and s.diverged is None
    s.set_learning_rate(0.5)  # another γ, from the same θ₀: one step to the minimum
    assert s.forward().theta[0] == 5.0
    tally(DIVERGENCES)


def test_a_session_reports_exploding_parameters_and_steps_back():
    s = tutor.Session(tutor.linear_regression(1), Outward(), X3, Y3, [1.0, 1.0], learning_rate=1.0)
    while s.forward() is not None:
        pass
    assert "parameters grew past" in str(s.diverged) and s.t == s.diverged.last_good.t
    last = s.t
    s.back()
    s.back()
    assert s.diverged is None and s.t == last - 1
    assert s.forward().t == last  # stepping again from the rewound state works
    tally(DIVERGENCES)


def test_the_command_line_reports_divergence_with_the_last_good_state(capsys):
    code, out, err = run(capsys, ["descend", "--learning-rate", "1.1", "--steps", "100"])
    assert code == 1 and "Traceback" not in err
    assert "climbing since step 1" in err and "Try a smaller γ" in err
    assert "the last good state, after step 38: θ = α = −3057.02" in out
    code, out, _ = run(capsys, ["descend", "--learning-rate", "1.1", "--steps", "100", "--json"])
    diverged = json.loads(out)["diverged"]
    assert code == 1 and (diverged["step"], diverged["began"], diverged["last_good"]["t"]) == (
        39, 1, 38)
    code, _, err = run(capsys, ["descend", "--learning-rate", "1e308"])
    assert code == 1 and "update 1 made the parameters θ infinite" in err
    code, _, err = run(capsys, ["descend", "--model", "sqrt(alpha) + x", "--params", "alpha=-1"])
    assert code == 1 and "cannot start" in err and "not to blame" in err
    code, _, err = run(capsys, ["fit", "--learning-rate", "50"])
    assert code == 1 and "diverged" in err and "Traceback" not in err
    tally(DIVERGENCES, 5)


def test_the_ui_reports_divergence_and_the_learner_rewinds_and_goes_on():
    async def check(app, pilot, notes):
        screen, session = app.screen, app.screen.session
        session.set_learning_rate(1.1)  # (c runs into it too: tests/test_ui.py)
        while session.forward() is not None:
            pass
        screen.refresh_view()
        await pilot.pause()
        assert session.diverged is not None and session.t == 38
        assert "DIVERGED[/b] (climbing since step 1)" in str(screen.query_one("#status").content)
        assert "too large" in str(screen.query_one("#explain").content)
        await pilot.press("space")  # stepping on from a divergence does nothing
        assert session.t == 38 and session.diverged is not None
        await pilot.press("b")  # out of the divergence: the last good state
        assert session.diverged is None and session.t == 38
        await pilot.press("b")  # and further back
        assert session.t == 37
        await answer(app, pilot, "l", "0.5")  # another γ, from the same θ₀
        await pilot.press("space")
        assert session.t == 1 and session.theta[0] == 5.0 and session.diverged is None
        assert "DIVERGED" not in str(screen.query_one("#status").content)
        # a starting value where the loss can't be computed: said so, and p starts elsewhere
        await answer(app, pilot, "p", "alpha=1e200")
        await pilot.press("space")
        assert "CANNOT START" in str(screen.query_one("#status").content)
        await answer(app, pilot, "p", "alpha=2")
        await pilot.press("space")
        assert session.theta[0] == 5.0 and session.diverged is None  # γ is still 0.5
        tally(DIVERGENCES, 2)

    drive("slides", check)
