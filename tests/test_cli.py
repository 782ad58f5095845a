"""The command line as a learner or a script uses it: the slides' numbers, the back-propagation
formula, OLS next to gradient descent on the user's own CSV, and clear refusals."""

import json
import subprocess
import sys

import numpy
import pytest

from tutor.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_descend_prints_the_slides_first_iteration(capsys):
    code, out, _ = run(capsys, "descend", "--steps", "3")
    assert code == 0
    first = out.split("\n─")[1].splitlines()[1].split()
    assert first == ["1", "3", "3", "9", "−6", "2.6"]  # t, ŷ, ε, loss, dc/dα, α after


def test_descend_bounces_between_2_and_8_at_learning_rate_1(capsys):
    code, out, _ = run(capsys, "descend", "--learning-rate", "1", "--steps", "4", "--json")
    assert code == 0
    assert [s["alpha"] for s in json.loads(out)["steps"]] == [8.0, 2.0, 8.0, 2.0]


def test_descend_reports_divergence_at_1_1_with_exit_code_1(capsys):
    code, out, err = run(capsys, "descend", "--learning-rate", "1.1", "--steps", "200")
    assert code == 1
    assert "diverged" in err and "γ = 1.1 is too large" in err
    assert "diverged" not in out and "38" in out  # the rows before it on stdout, the verdict on stderr


def test_descend_writes_its_history(capsys, tmp_path):
    path = tmp_path / "run.csv"
    code, _, _ = run(capsys, "descend", "--model", "linear", "--data", "linear", "--batch-size",
                     "10", "--epochs", "3", "--history", str(path))
    assert code == 0
    lines = path.read_text().splitlines()
    assert lines[0].startswith("t,epoch,loss") and len(lines) == 1 + 30
    code, _, _ = run(capsys, "descend", "--history", str(tmp_path / "run.json"), "--steps", "2")
    assert json.loads((tmp_path / "run.json").read_text())["steps"][0]["alpha"] == pytest.approx(2.6)


def test_derive_prints_the_back_propagation_slide(capsys):
    code, out, _ = run(capsys, "derive", "--param", "beta_1^(1,2)")
    assert code == 0
    assert ("∂c/∂β₁^(1,2) = −2(y − h₂) · F₂′(α₂^(1) + β₂^(1,1)·h₁^(1) + β₂^(1,2)·h₁^(2)) · β₂^(1,1)"
            " · F₁′(α₁^(1) + β₁^(1,1)·x₁ + β₁^(1,2)·x₂) · x₂") in out


def test_derive_the_one_parameter_model_in_latex_and_json(capsys):
    code, out, _ = run(capsys, "derive", "--model", "slides", "--latex")
    assert code == 0 and r"\frac{\partial c}{\partial \alpha} &= -2\varepsilon" in out
    code, out, _ = run(capsys, "derive", "--model", "slides", "--json", "--result")
    payload = json.loads(out)
    assert payload["compact"] == "-2*epsilon" and payload["steps"][-1]["rule"] == "chain rule"


def test_derive_all_lists_every_gradient(capsys):
    code, out, _ = run(capsys, "derive", "--layers", "2,2,1", "--activation", "tanh", "--all")
    assert code == 0 and "∂c/∂β₁^(1,2) = δ₁^(1)·x₂" in out and "δ₂ = " in out


def test_check_passes_with_a_typed_activation(capsys):
    code, out, _ = run(capsys, "check", "--activation", "1/(1+exp(-z))")
    assert code == 0 and "all 9 passed" in out


def test_check_json_and_fast_mode(capsys):
    code, out, _ = run(capsys, "check", "--layers", "2,16,16,3", "--output", "softmax", "--mode",
                       "fast", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] and len(payload["rows"]) == 8


def write_csv(path, X, y, names):
    lines = [",".join([*names, "wage"])]
    lines += [",".join(f"{v:.12g}" for v in [*row, target]) for row, target in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")


def test_fit_on_a_users_csv_agrees_with_ols_to_six_digits(capsys, tmp_path):
    rng = numpy.random.default_rng(3)
    X = numpy.column_stack([rng.normal(12, 3, 80), rng.normal(40, 10, 80)])  # schooling, age
    y = 1.5 + 0.8 * X[:, 0] + 0.05 * X[:, 1] + rng.normal(0, 1, 80)
    path = tmp_path / "wages.csv"
    write_csv(path, X, y, ["schooling", "age"])
    code, out, _ = run(capsys, "fit", "--data", str(path), "--target", "wage", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["converged"] and payload["reference"]["name"] == "OLS"
    gd, reference = payload["estimates"], payload["reference"]["estimates"]
    for name in gd:
        assert gd[name] == pytest.approx(reference[name], rel=1e-6)
    code, out, _ = run(capsys, "fit", "--data", str(path), "--target", "wage")
    assert "OLS" in out and "agree to about" in out


def test_json_names_each_coefficient_by_its_data_column(capsys, tmp_path):
    """As the text table does: β₁ (schooling), β₂ (age)."""
    rng = numpy.random.default_rng(4)
    X = numpy.column_stack([rng.normal(12, 3, 40), rng.normal(40, 10, 40)])
    path = tmp_path / "wages.csv"
    write_csv(path, X, 2 + 0.5 * X[:, 0] + rng.normal(0, 1, 40), ["schooling", "age"])
    code, out, _ = run(capsys, "fit", "--data", str(path), "--target", "wage", "--json")
    rows = json.loads(out)["coefficients"]
    assert code == 0 and [(r["parameter"], r["column"]) for r in rows] == [
        ("alpha", "constant"), ("beta_1", "schooling"), ("beta_2", "age")]
    assert all(abs(r["difference"]) < 1e-6 for r in rows)
    code, out, _ = run(capsys, "descend", "--model", "linear", "--data", str(path), "--target",
                       "wage", "--standardize", "--steps", "3", "--json")
    assert json.loads(out)["columns"] == {"alpha": "constant", "beta_1": "schooling",
                                          "beta_2": "age"}


def test_tour_takes_json_as_every_command_does(capsys):
    code, out, _ = run(capsys, "tour", "--json")
    runs = {r["learning_rate"]: r for r in json.loads(out)["runs"]}
    assert code == 0 and [s["alpha"] for s in runs[1.0]["steps"]] == [8.0, 2.0, 8.0, 2.0]
    first = runs[0.1]["steps"][0]
    assert (first["yhat"], first["epsilon"], first["loss"], first["dc/dalpha"], first["alpha"]) == (
        3.0, 3.0, 9.0, -6.0, pytest.approx(2.6))
    assert runs[0.5]["steps"][0]["alpha"] == 5.0 and "diverged" in runs[1.1]["diverged"]
    code, text, _ = run(capsys, "tour")
    assert code == 0 and "2.6" in text and "−2(y − h₂)" in text


def test_fit_logistic_regression_against_the_logit_mle(capsys):
    code, out, _ = run(capsys, "fit", "--model", "logistic", "--data", "logistic", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["reference"]["max_abs_difference"] < 1e-6


def test_kernel_prints_the_generated_source(capsys):
    code, out, _ = run(capsys, "kernel", "--layers", "2,2,1")
    assert code == 0 and "def loss_and_gradient(theta, X, Y):" in out and "backend: numpy" in out


def test_a_formula_model_descends_on_built_in_data(capsys):
    code, out, _ = run(capsys, "descend", "--model", "alpha + beta*x", "--params", "alpha=2,beta=0",
                       "--data", "linear", "--steps", "200", "--json")
    theta = json.loads(out)["theta"]
    assert code == 0 and theta["beta"] == pytest.approx(1.0, abs=0.2)


@pytest.mark.parametrize("formula", ["__import__('os').getpid()", "x.real", "9**9**9"])
def test_hostile_formulas_are_refused_at_once(capsys, formula):
    code, _, err = run(capsys, "descend", "--model", formula, "--params", "alpha=1")
    assert code == 2 and "cannot read the formula" in err and "^" in err


@pytest.mark.parametrize("argv,match", [
    (["descend", "--learning-rate", "-1"], "must be a positive number"),
    (["descend", "--batch-size", "0"], "--batch-size: the batch size must be a whole number ≥ 1, not 0"),
    (["derive", "--param", "beta_9^(9,9)"], "no parameter called"),
    (["descend", "--data", "nowhere.csv"], "nowhere.csv"),
    (["check", "--activation", "swish(z)"], "cannot read the formula"),
    (["descend", "--model", "alpha*x"], "name its parameters with --params"),
    (["descend", "--model", "alpha*w", "--params", "alpha=1", "--data", "linear"], "'w'"),
    (["kernel", "--backend", "cupy"], None),
])
def test_usage_errors_exit_2_with_a_message(capsys, argv, match):
    code, _, err = run(capsys, *argv)
    if match is None:  # cupy: works where a GPU is, a clear message elsewhere
        from tutor import gpu_available

        assert code == (0 if gpu_available() else 2)
        return
    assert code == 2 and match in err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "derive" in out and "descend" in out and "ui" in out


def test_the_real_command_runs_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "tutor", "descend", "--learning-rate", "1.1",
                           "--steps", "100"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "diverged" in done.stderr


def test_a_typed_loss_is_derived_and_descended(capsys):
    code, out, _ = run(capsys, "derive", "--model", "slides", "--loss", "(y - yhat)^4")
    assert code == 0 and "∂c/∂ŷ = −4(y − ŷ)³" in out
    code, out, _ = run(capsys, "descend", "--loss", "abs(y - yhat)", "--steps", "1", "--json")
    step = json.loads(out)["steps"][0]
    assert step["grad alpha"] == -1.0 and step["alpha"] == pytest.approx(2.1)


def _csv_rows(path):
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["t", "epoch", "loss"] and all(len(r) == len(rows[0]) for r in rows)
    return [int(r[0]) for r in rows[1:]]


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_an_interrupted_run_keeps_every_step_in_its_history(tmp_path, signum):
    """The history streams as the run goes: Ctrl-C or SIGTERM leaves a whole CSV file with
    every step taken (before, the file was written only when the run ended)."""
    import re
    import signal
    import time

    path = tmp_path / "run.csv"
    process = subprocess.Popen([sys.executable, "-m", "tutor", "descend", "--steps",
                                str(10**12), "--history", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for _ in range(300):  # until the run is under way: its first rows are on disk
        if path.exists() and path.read_text().count("\n") > 1:
            break
        time.sleep(0.1)
    process.send_signal(getattr(signal, signum))
    _, err = process.communicate(timeout=30)
    taken = re.fullmatch(r"tutor: interrupted after step (\d+); what was done is above\n", err)
    assert process.returncode == 130 and taken, err
    assert _csv_rows(path) == list(range(1, int(taken[1]) + 1))


def test_a_history_that_cannot_be_written_is_refused_before_the_first_step(capsys, tmp_path):
    import time

    started = time.perf_counter()
    code, _, err = run(capsys, "descend", "--steps", str(10**9), "--history",
                       str(tmp_path / "no such folder" / "run.csv"))
    assert code == 2 and err.startswith("tutor: error: --history: cannot write the history")
    assert time.perf_counter() - started < 5  # not after 10⁹ steps


def test_two_runs_cannot_write_one_history(capsys, tmp_path):
    import time

    path = tmp_path / "run.json"
    first = subprocess.Popen([sys.executable, "-m", "tutor", "descend", "--steps", str(10**12),
                              "--history", str(path)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # until the first run holds the file
            if path.exists() and path.stat().st_size:
                break
            time.sleep(0.1)
        code, _, err = run(capsys, "descend", "--steps", "5", "--history", str(path))
        assert code == 2 and "another tutor run is writing it" in err
    finally:
        first.terminate()
        first.wait(timeout=30)
    steps = json.loads(path.read_text())["steps"]  # the first run's file, whole
    assert [s["t"] for s in steps] == list(range(1, len(steps) + 1))


@pytest.mark.parametrize("argv", [
    ["check", "--model", "grad^2*x", "--params", "grad=1", "--data", "function"],
    ["check", "--model", "loss*x + n + theta", "--params", "loss=1,n=2,theta=0.5",
     "--data", "function"],
    ["check", "--activation", "z^3 - 40*z"],
    ["check", "--loss", "y-yhat"],
    ["check", "--loss", "2*yhat"],
    ["check", "--layers", "2,3,1", "--activation", "relu"],
], ids=["a parameter named grad", "parameters named loss, n, theta", "a cubic activation",
        "a loss linear in ŷ", "a loss proportional to ŷ", "relu"])
def test_plausible_models_that_once_failed_now_check(capsys, argv):
    """Each of these failed its gradient check or crashed before: a user's name shadowed the
    kernel's own, a cubic's G′ came out complex, a linear loss made δ a number."""
    code, out, err = run(capsys, *argv)
    assert code == 0 and "passed" in out.splitlines()[-1], out + err


def test_a_formula_with_a_complex_constant_is_refused(capsys):
    """sqrt(−1) was read as i and its real part kept: a negative squared error, exit 0."""
    code, _, err = run(capsys, "descend", "--model", "a*x + sqrt(-1)", "--params", "a=1",
                       "--data", "function", "--steps", "2")
    assert code == 2 and "'sqrt(-1)' is not a real number" in err and "^" in err
