"""The commands that run gradient descent: descend (one row per iteration) and fit (to
convergence, next to OLS or the logit MLE). Each returns its exit code.

A run keeps in memory only what it prints: the first rows, every --every-th, the last five.
--history and --json stream every step as the run goes, so an interrupted run (Ctrl-C, exit 130)
keeps every row already taken, on the screen and in the file.
"""

from __future__ import annotations

import collections
import json
import math
import re
import signal
import sys
import threading
from dataclasses import dataclass, field

import numpy

from ..descent import Divergence, descend
from ..econometrics import logit_mle, ols
from ..notation import number
from ..spec import SpecError
from . import specs
from .commands import assignments, out
from .history import History, HistoryError, divergence_record, json_text, record
from .render import Progress, table

__all__ = ["descend_command", "fit", "SHORT_RUN"]

SHORT_RUN = 40  # runs up to this many steps print every iteration


@dataclass
class Run:
    """What a run leaves: the rows to print, the last steps, and how it ended."""

    rows: list = field(default_factory=list)  # (t, cells) of the steps to print
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=5))
    divergence: Divergence | None = None
    interrupted: bool = False

    @property
    def last(self):
        return self.tail[-1] if self.tail else None


class _Stop:
    """Ctrl-C and SIGTERM during a run: asked to stop, the run ends after the step it is on, so
    every step taken is in the table, the history and the JSON alike. A second Ctrl-C stops at
    once."""

    def __init__(self):
        self.asked, self.previous = False, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._ask)
        return self

    def _ask(self, signum, frame):
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _run(problem, kernel, run, *, row=None, every=None, tolerance=None, on_step=None,
         progress: Progress | None = None) -> Run:
    """Descend, keeping the printed rows (as text) and the last five steps; ``on_step`` sees
    every step (for --history and --json). Ctrl-C ends the run with what it has."""
    result = Run()
    try:
        with _Stop() as stop:
            for step in descend(kernel, problem.theta0, problem.X, problem.Y,
                                learning_rate=run.learning_rate, steps=run.steps,
                                batch_size=run.batch_size, seed=run.seed, epochs=run.epochs):
                _take(result, step, row, every, on_step, progress)
                if stop.asked:
                    result.interrupted = True
                    break
                if tolerance is not None and float(numpy.max(numpy.abs(step.grad))) < tolerance:
                    break
    except Divergence as error:
        result.divergence = error
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        if progress:
            progress.close()
    return result


def _take(result: Run, step, row, every, on_step, progress) -> None:
    if row and (step.t <= SHORT_RUN or (every and (step.t - 1) % every == 0)):
        result.rows.append((step.t, row(step)))
    result.tail.append(step)
    if on_step:
        on_step(step)
    if progress:
        progress.update(step.t, step.loss)


def _planned(run, n: int) -> int:
    if run.epochs is not None:
        return run.epochs * (1 if run.batch_size is None else math.ceil(n / run.batch_size))
    return run.steps


# -- descend --------------------------------------------------------------------------------------
def _columns(problem, batch_size) -> tuple[list[str], callable]:
    """The table's columns: the slides' ŷ and ε for one sample, each parameter for a few."""
    names = problem.names
    one = len(problem.X) == 1 and batch_size is None and len(problem.model.targets) == 1
    few = len(names) <= 3
    headers = ["t"] + (["epoch"] if batch_size else []) + (["ŷ", "ε"] if one else []) + ["loss"]
    headers += [f"∂c/∂{n}" for n in names] if few else ["‖∇c‖"]
    headers += [f"{n} after" for n in names[:3]]

    def row(step) -> list[str]:
        cells = [str(step.t)] + ([str(step.epoch)] if batch_size else [])
        if one:
            cells += [number(step.predictions.ravel()[0]), number(step.errors.ravel()[0])]
        cells.append(number(step.loss))
        cells += ([number(g) for g in step.grad] if few
                  else [number(float(numpy.linalg.norm(step.grad)))])
        return cells + [number(v) for v in step.theta[:3]]

    return headers, row


class JsonSteps:
    """--json on stdout, streamed: the run's settings, then each step as it is taken, then how
    it ended; a run cut short by Ctrl-C still ends in valid JSON ("interrupted": true)."""

    def __init__(self, head: dict, keys):
        self.keys, self.count = keys, 0
        sys.stdout.write(json_text(head)[:-1] + ',\n "steps": [')

    def write(self, step) -> None:
        row = json_text(record(step, self.keys))
        sys.stdout.write(("," if self.count else "") + "\n  " + row)
        self.count += 1

    def close(self, tail: dict) -> None:
        sys.stdout.write("\n ],\n " + json_text(tail)[1:] + "\n")


def _open_history(args, keys):
    if not args.history:
        return None
    try:
        return History(args.history, keys)
    except HistoryError as error:
        raise SpecError(str(error), "history") from None


def descend_command(args) -> int:
    problem = specs.problem(args, "slides", need_data=True)
    run = specs.run_spec(args, len(problem.X))
    kernel = problem.compile(args.backend, args.dtype)
    keys = problem.keys
    history = _open_history(args, keys)  # before the first step: a bad path costs no work
    stream = JsonSteps(_head(problem, run), keys) if args.json else None
    writers = [w for w in (history, stream) if w is not None]
    headers, row = _columns(problem, run.batch_size)
    planned = _planned(run, len(problem.X))
    progress = Progress(planned) if not args.json and planned > SHORT_RUN else None
    result = None
    try:
        result = _run(problem, kernel, run, row=None if args.json else row, every=args.every,
                      on_step=lambda step: [w.write(step) for w in writers], progress=progress)
    finally:
        if history is not None:
            history.close(result.divergence if result is not None else None)
    if stream is not None:
        stream.close(_tail(problem, result, keys))
        return 130 if result.interrupted else 1 if result.divergence else 0
    _print_run(problem, run, kernel, (headers, row), result, args.every)
    return _verdict(result)


def _head(problem, run) -> dict:
    keys = problem.keys
    return {"model": problem.model.describe(), "data": problem.data.source,
            "learning_rate": run.learning_rate, "batch_size": run.batch_size,
            "columns": problem.columns or None,
            "theta0": dict(zip(keys, problem.theta0.tolist(), strict=True))}


def _tail(problem, result: Run, keys) -> dict:
    last = result.last.theta if result.last is not None else problem.theta0
    return {"theta": dict(zip(keys, last.tolist(), strict=True)),
            "diverged": divergence_record(result.divergence, keys),
            "interrupted": result.interrupted}


def _shown(result: Run, row, every, width: int) -> list[list[str]]:
    """The rows to print: every one of a short run, every --every-th (and the last), or a long
    run's first five and last five."""
    count = result.last.t if result.last is not None else 0
    last = [row(s) for s in result.tail]
    if every:
        shown = [cells for t, cells in result.rows if (t - 1) % every == 0]
        return shown + ([last[-1]] if last and (count - 1) % every else [])
    if count <= SHORT_RUN:
        return [cells for _, cells in result.rows]
    first = [cells for t, cells in result.rows if t <= 5]
    return first + ([["…"] * width] if count > 10 else []) + [
        cells for s, cells in zip(result.tail, last, strict=True) if s.t > 5]


def _print_run(problem, run, kernel, columns, result: Run, every) -> None:
    out(f"{problem.model.describe()}\ndata: {problem.data.source}; γ = {run.learning_rate:g}"
        + (f", SGD with batches of {run.batch_size}" if run.batch_size else
           ", full-batch gradient descent"))
    out("θ₀: " + assignments(problem.names, problem.theta0))
    headers, row = columns
    out()
    out(table(headers, _shown(result, row, every, len(headers))))
    if result.last is None and result.divergence is None and not result.interrupted:
        loss, _ = kernel(problem.theta0, problem.X, problem.Y)
        out(f"\nno steps taken (--steps 0): the loss at θ₀ is {number(loss)}")
    elif result.divergence is None and result.last is not None:
        last = result.last
        loss, _ = kernel(last.theta, problem.X, problem.Y)
        out(f"\nafter {last.t} step{'s' if last.t != 1 else ''}: θ = "
            f"{assignments(problem.names, last.theta)}; loss there {number(loss)}")
    if result.divergence is not None and result.divergence.last_good is not None:
        good = result.divergence.last_good
        out(f"\nthe last good state, after step {good.t}: θ = "
            f"{assignments(problem.names, good.theta)}")


def _verdict(result: Run) -> int:
    if result.interrupted:
        done = result.last.t if result.last is not None else 0
        sys.stderr.write(f"tutor: interrupted after step {done}; what was done is above\n")
        return 130
    if result.divergence is not None:
        sys.stderr.write(f"tutor: {result.divergence}\n")
        return 1
    return 0


# -- fit ------------------------------------------------------------------------------------------
REFERENCES = {"linear": "OLS", "logistic": "logit MLE"}


def fit(args) -> int:
    problem = specs.problem(args, args.model if args.model in REFERENCES else "linear",
                            need_data=True)
    run = specs.run_spec(args, len(problem.X))
    if run.epochs is None and run.steps == 0:
        raise SpecError("the number of steps must be at least 1 to fit anything", "steps")
    name = REFERENCES.get(problem.kind)
    # the econometrician's answer first: data it can't be computed on (a constant column, a
    # target that never varies, separated classes) is refused before a long descent
    reference = _reference(problem, name) if name else None
    scale = None
    if name is not None and not args.no_rescale:
        scale = _standardize(problem)
    kernel = problem.compile(args.backend, args.dtype)
    result = _run(problem, kernel, run, tolerance=args.tolerance)
    if result.interrupted:
        return _verdict(result)
    if result.divergence:
        sys.stderr.write(f"tutor: {result.divergence}\n")
        return 1
    last = result.last
    converged = float(numpy.max(numpy.abs(last.grad))) < args.tolerance
    theta = _original_units(last.theta, scale)
    report = _fit_report(problem, name, theta, reference)
    if args.json:
        out(json.dumps({"model": problem.model.describe(), "data": problem.data.source,
                        "steps": last.t, "converged": converged,
                        "learning_rate": run.learning_rate,
                        "standardized_for_descent": scale is not None, **report},
                       indent=2, ensure_ascii=False))
        return 0 if converged else 1
    _print_fit(problem, run, last, converged, args.tolerance, scale is not None, report)
    if not converged:
        sys.stderr.write(f"tutor: not converged after {last.t} steps: raise --steps, or "
                         "change --learning-rate\n")
        return 1
    return 0


def _standardize(problem):
    """Descend on standardized features, where one γ suits every slope (map back with
    _original_units)."""
    X = problem.X
    means, stds = X.mean(axis=0), X.std(axis=0)
    stds[stds == 0] = 1.0
    problem.X = (X - means) / stds
    return means, stds


def _original_units(theta, scale):
    """β = β*/s, α = α* − Σ β* m/s: the estimates for the features as given."""
    if scale is None:
        return theta.copy()
    means, stds = scale
    alpha, beta = theta[0], theta[1:]
    return numpy.concatenate([[alpha - numpy.sum(beta * means / stds)], beta / stds])


def _fit_report(problem, name, theta, reference) -> dict:
    """The estimates by parameter, with the data column each multiplies and the reference."""
    columns = problem.columns
    rows = []
    for i, key in enumerate(problem.keys):
        entry = {"parameter": key, "column": columns.get(key), "estimate": float(theta[i])}
        if reference is not None:
            entry |= {"reference": float(reference[i]),
                      "difference": float(theta[i] - reference[i])}
        rows.append(entry)
    distance = None if reference is None else float(numpy.max(numpy.abs(theta - reference)))
    return {"estimates": dict(zip(problem.keys, theta.tolist(), strict=True)),
            "coefficients": rows,
            "reference": None if reference is None else {
                "name": name, "estimates": dict(zip(problem.keys, reference.tolist(),
                                                    strict=True)),
                "max_abs_difference": distance}}


def _print_fit(problem, run, last, converged, tolerance, scaled, report) -> None:
    out(f"{problem.model.describe()}\ndata: {problem.data.source}")
    note = "; features standardized for the descent, estimates in the original units" if scaled \
        else ""
    out(f"gradient descent: γ = {run.learning_rate:g}, {last.t} steps, "
        f"{'converged' if converged else 'NOT converged'} (largest |∂c/∂θ| "
        f"{number(numpy.max(numpy.abs(last.grad)), 3)}, tolerance {tolerance:g}){note}\n")
    reference = report["reference"]
    headers = ["parameter", "gradient descent"] + ([reference["name"], "difference"]
                                                   if reference else [])
    rows = []
    for name, entry in zip(problem.names, report["coefficients"], strict=True):
        label = f"{name} ({entry['column']})" if entry["column"] else name
        cells = [label, f"{entry['estimate']:.10g}"]
        if reference:
            cells += [f"{entry['reference']:.10g}", f"{entry['difference']:.1e}".replace("-", "−")]
        rows.append(cells)
    out(table(headers, rows, right=[False] + [True] * (len(headers) - 1)))
    if reference:
        distance, biggest = reference["max_abs_difference"], max(
            abs(v) for v in reference["estimates"].values())
        digits = max(0, int(-math.log10(max(distance, 1e-16) / max(1e-300, biggest))))
        out(f"\nlargest difference {distance:.1e}: gradient descent and {reference['name']} "
            f"agree to about {digits} significant digits")


def _reference(problem, name: str) -> numpy.ndarray:
    """OLS or the logit MLE on the problem's data; a SpecError naming the columns if the data
    can't give one."""
    data, X, Y = problem.data, problem.X, problem.Y
    the = "the " if name.startswith("logit") else ""
    features = list(data.features)
    for j, feature in enumerate(features):
        column = X[:, j]
        if column.min() == column.max():
            others = [f for f in features if f != feature]
            fix = (f"leave it out with --features {','.join(others)}" if others else
                   "there is no other feature to regress on: use data whose inputs vary")
            raise SpecError(f"{data.source}: feature {feature!r} is constant (every value is "
                            f"{column[0]:g}), so {the}{name} can't tell it from the constant α: "
                            f"{fix}")
    try:
        return ols(X, Y) if name == "OLS" else logit_mle(X, Y)
    except (ValueError, RuntimeError) as error:
        message = re.sub(r"X column (\d+)", lambda m: f"column {features[int(m.group(1))]!r}",
                         str(error))
        raise SpecError(f"{data.source}: {the}{name} can't be computed: {message}") from None
