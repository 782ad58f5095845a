"""The commands: derive, check, descend, fit, kernel, tour. Each returns its exit code."""

from __future__ import annotations

import collections
import csv
import json
import math
import re
import sys

import numpy
import sympy

from .. import datasets
from ..derivation import Backprop
from ..descent import Divergence, descend
from ..econometrics import logit_mle, ols
from ..gradient_check import gradcheck
from ..network import Network
from ..notation import latex, unicode
from .render import Progress, dump_json, number, table
from .setup import Problem, UsageError, problem_from

__all__ = ["derive", "check", "descend_command", "fit", "kernel", "tour"]

SHORT_RUN = 40  # runs up to this many steps print every iteration


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# -- derive -------------------------------------------------------------------------------------
def derive(args) -> int:
    problem = problem_from(args, None, need_data=False)
    model = problem.model
    if args.all:
        return _derive_all(args, model)
    param = args.param
    if param is None:
        param = (model.layers[0].beta[0][0] if isinstance(model, Network)
                 else model.parameters[0])
    try:
        d = model.derivation(param)
    except (ValueError, IndexError) as error:
        raise UsageError(f"--param: {error}") from None
    if args.json:
        _out(dump_json({
            "model": model.describe(), "parameter": d.parameter.name,
            "steps": [{"rule": s.rule, "lhs": s.lhs, "rhs": s.__str__().split(" = ", 1)[1],
                       "latex": s.latex()} for s in d.steps],
            "chain": str(d.chain), "compact": sympy.sstr(d.compact),
            "latex": d.latex(), "result": sympy.sstr(d.result) if args.result else None}))
    elif args.latex:
        _out(d.latex())
    else:
        _out(model.describe())
        _out(str(d))
        if args.result:
            _out(f"\nin inputs, targets and parameters only:\n∂c/∂{unicode(d.parameter)} = "
                 f"{unicode(d.result)}")
    return 0


def _derive_all(args, model) -> int:
    if isinstance(model, Network):
        bp = Backprop(model)
        if args.json:
            _out(dump_json({
                "model": model.describe(),
                "equations": [{"lhs": lhs.name, "rhs": sympy.sstr(rhs)} for lhs, rhs in bp.equations],
                "gradient": {p.name: sympy.sstr(g) for p, g in bp.gradient.items()}}))
        else:
            _out(bp.latex() if args.latex else str(bp))
        return 0
    gradients = {p: model.derivation(p) for p in model.parameters}
    if args.json:
        _out(dump_json({"model": model.describe(),
                        "gradient": {p.name: sympy.sstr(d.compact) for p, d in gradients.items()},
                        "result": {p.name: sympy.sstr(d.result) for p, d in gradients.items()}}))
    elif args.latex:
        _out("\\begin{aligned}\n" + " \\\\\n".join(
            r"\frac{\partial c}{\partial %s} &= %s" % (latex(p), latex(d.compact))
            for p, d in gradients.items()) + "\n\\end{aligned}")
    else:
        _out(model.describe())
        for p, d in gradients.items():
            _out(f"  ∂c/∂{unicode(p)} = {unicode(d.compact)} = {unicode(d.result)}")
    return 0


# -- check --------------------------------------------------------------------------------------
def check(args) -> int:
    problem = problem_from(args, None, need_data=True)
    kernel = problem.model.compile(backend=args.backend, dtype=args.dtype)
    theta = problem.theta0
    with numpy.errstate(all="ignore"):  # a loss that can't be computed is reported below
        loss, _ = kernel(theta, problem.X, problem.Y)
        if not math.isfinite(float(loss)):
            raise UsageError(f"the loss is {float(loss)} at the starting values θ₀ = "
                             f"{_assignments(problem.names, theta)}: the model or loss can't be "
                             "computed there (a log or square root of a negative number, or an "
                             "overflow): start from other values with --params")
        report = gradcheck(kernel, theta, problem.X, problem.Y, mode=args.mode,
                           directions=args.directions, seed=args.seed)
    if args.json:
        _out(dump_json({
            "model": problem.model.describe(), "data": problem.data.source, "ok": report.ok,
            "mode": report.mode, "rtol": report.rtol, "atol": report.atol, "eps": report.eps,
            "max_abs_error": report.max_abs_error, "max_rel_error": report.max_rel_error,
            "rows": [{"name": r.name, "analytic": r.analytic, "numeric": r.numeric,
                      "abs_error": r.abs_error, "rel_error": r.rel_error, "status": r.status,
                      "note": r.note} for r in report.rows]}))
    else:
        _out(f"{problem.model.describe()}\ndata: {problem.data.source}; backend "
             f"{kernel.backend.name}, {kernel.dtype}\n")
        _out(str(report))
    return 0 if report.ok else 1


# -- descend ------------------------------------------------------------------------------------
def _columns(problem: Problem, batch_size) -> tuple[list[str], callable]:
    """The table's columns: the slides' ŷ and ε for one sample, each parameter for a few."""
    names = problem.names
    one_sample = problem.X is not None and len(problem.X) == 1 and batch_size is None
    few = len(names) <= 3
    headers = ["t"] + (["epoch"] if batch_size else [])
    if one_sample and len(problem.model.targets) == 1:
        headers += ["ŷ", "ε"]
    headers += ["loss"]
    headers += [f"∂c/∂{n}" for n in names] if few else ["‖∇c‖"]
    headers += [f"{n} after" for n in names] if few else [f"{n} after" for n in names[:3]]

    def row(step) -> list[str]:
        cells = [str(step.t)] + ([str(step.epoch)] if batch_size else [])
        if one_sample and len(problem.model.targets) == 1:
            cells += [number(step.predictions.ravel()[0]), number(step.errors.ravel()[0])]
        cells.append(number(step.loss))
        cells += ([number(g) for g in step.grad] if few
                  else [number(float(numpy.linalg.norm(step.grad)))])
        cells += [number(v) for v in (step.theta if few else step.theta[:3])]
        return cells

    return headers, row


def _assignments(names, values, limit: int = 8) -> str:
    shown = ", ".join(f"{n} = {number(v)}" for n, v in zip(names[:limit], values, strict=False))
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


def _history_rows(steps, names) -> list[dict]:
    return [{"t": s.t, "epoch": s.epoch, "loss": s.loss,
             **{f"grad {n}": float(g) for n, g in zip(names, s.grad, strict=False)},
             **{f"before {n}": float(v) for n, v in zip(names, s.theta_before, strict=False)},
             **{n: float(v) for n, v in zip(names, s.theta, strict=False)}} for s in steps]


def _write_history(path: str, steps, names, divergence) -> None:
    rows = _history_rows(steps, names)
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            if path.endswith(".json"):
                json.dump({"steps": rows, "diverged": _divergence_json(divergence, names)}, handle,
                          indent=1)
            else:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["t"])
                writer.writeheader()
                writer.writerows(rows)
    except OSError as error:
        raise UsageError(f"--history: cannot write {path}: {error.strerror}") from None


def _divergence_json(divergence, keys=None) -> dict | None:
    if divergence is None:
        return None
    good = divergence.last_good
    return {"message": str(divergence), "step": divergence.step, "began": divergence.began,
            "last_good": None if good is None or keys is None else {
                "t": good.t, "theta": dict(zip(keys, good.theta.tolist(), strict=True))}}


def _run(problem: Problem, args, kernel, steps_total: int | None, keep_all: bool = False):
    """Run descend; returns (the steps kept, divergence or None).

    Every step is kept when ``keep_all`` (for --json and --history) and in a short run; in a
    long one only the first SHORT_RUN, every --every-th and the last five, so that a run of a
    billion steps fits in memory. The last step taken is always the last one kept.
    """
    _check_batch_size(args, len(problem.X))
    steps, tail, divergence = [], collections.deque(maxlen=5), None
    total = steps_total or 0
    progress = Progress(total) if not args.json and total > SHORT_RUN else None
    every = getattr(args, "every", None)
    try:
        for step in descend(kernel, problem.theta0, problem.X, problem.Y,
                            learning_rate=args.learning_rate, steps=args.steps,
                            batch_size=args.batch_size, seed=args.seed, epochs=args.epochs):
            if keep_all or step.t <= SHORT_RUN or (every and (step.t - 1) % every == 0):
                steps.append(step)
            else:
                tail.append(step)
            if progress:
                progress.update(step.t, step.loss)
            if _converged(args, step):
                break
    except Divergence as error:
        divergence = error
    finally:
        if progress:
            progress.close()
    last = steps[-1].t if steps else 0
    return steps + [s for s in tail if s.t > last], divergence


def _check_batch_size(args, n: int) -> None:
    """--batch-size against the data's size, in the command line's words."""
    if args.batch_size is not None and args.batch_size > n:
        raise UsageError(f"--batch-size must be from 1 to {n} (the number of samples in the "
                         f"data), got {args.batch_size}; leave it out for full-batch gradient "
                         f"descent on all {n}")


def _converged(args, step) -> bool:
    tol = getattr(args, "tolerance", None)
    return tol is not None and float(numpy.max(numpy.abs(step.grad))) < tol


def _planned_steps(args, n: int) -> int:
    if args.epochs is not None:
        per_epoch = 1 if args.batch_size is None else math.ceil(n / args.batch_size)
        return args.epochs * per_epoch
    return args.steps


def descend_command(args) -> int:
    problem = problem_from(args, "slides", need_data=True)
    _check_batch_size(args, len(problem.X))
    kernel = problem.model.compile(backend=args.backend, dtype=args.dtype)
    steps, divergence = _run(problem, args, kernel, _planned_steps(args, len(problem.X)),
                             keep_all=bool(args.json or args.history))
    names, keys = problem.names, problem.keys
    if args.history:
        _write_history(args.history, steps, keys, divergence)
    if args.json:
        _out(dump_json({
            "model": problem.model.describe(), "data": problem.data.source,
            "learning_rate": args.learning_rate, "batch_size": args.batch_size,
            "theta0": dict(zip(keys, problem.theta0.tolist(), strict=True)),
            "steps": _history_rows(steps, keys),
            "theta": dict(zip(keys, (steps[-1].theta if steps else problem.theta0).tolist(),
                              strict=True)),
            "diverged": _divergence_json(divergence, keys)}))
        return 1 if divergence else 0
    _out(f"{problem.model.describe()}\ndata: {problem.data.source}; γ = {args.learning_rate:g}"
         + (f", SGD with batches of {args.batch_size}" if args.batch_size else
            ", full-batch gradient descent"))
    _out("θ₀: " + _assignments(names, problem.theta0))
    headers, row = _columns(problem, args.batch_size)
    count = steps[-1].t if steps else 0
    every = args.every or (1 if count <= SHORT_RUN else 0)
    if every:
        shown = [s for s in steps if (s.t - 1) % every == 0 or s is steps[-1]]
    else:  # a long run: its beginning and its end
        shown = [s for s in steps if s.t <= 5 or s.t > max(5, count - 5)]
    rows = [row(s) for s in shown]
    if not every and count > 10:
        rows.insert(5, ["…"] * len(headers))
    _out()
    _out(table(headers, rows))
    if not steps and not divergence:
        loss, _ = kernel(problem.theta0, problem.X, problem.Y)
        _out(f"\nno steps taken (--steps 0): the loss at θ₀ is {number(loss)}")
    if steps and not divergence:
        last = steps[-1]
        loss, _ = kernel(last.theta, problem.X, problem.Y)
        _out(f"\nafter {last.t} step{'s' if last.t != 1 else ''}: θ = "
             f"{_assignments(names, last.theta)}; loss there {number(loss)}")
    if divergence:
        good = divergence.last_good
        if good is not None:
            _out(f"\nthe last good state, after step {good.t}: θ = "
                 f"{_assignments(names, good.theta)}")
        sys.stderr.write(f"tutor: {divergence}\n")
        return 1
    return 0


# -- fit ------------------------------------------------------------------------------------------
def fit(args) -> int:
    problem = problem_from(args, args.model if args.model in ("linear", "logistic") else "linear",
                           need_data=True)
    X = problem.X
    _check_batch_size(args, len(X))
    if args.epochs is None and args.steps == 0:
        raise UsageError("--steps must be at least 1 to fit anything")
    reference_name = {"linear": "OLS", "logistic": "logit MLE"}.get(problem.kind)
    # the econometrician's answer first: data it can't be computed on (a constant column, a
    # target that never varies, separated classes) is refused before a long descent
    reference = _reference(problem, reference_name) if reference_name else None
    scale = reference_name is not None and not args.no_rescale
    if scale:
        # descend on standardized features, where one γ suits every slope, then map back:
        # β = β*/s, α = α* − Σ β* m/s
        means, stds = X.mean(axis=0), X.std(axis=0)
        stds[stds == 0] = 1.0
        problem.X = (X - means) / stds
    kernel = problem.model.compile(backend=args.backend, dtype=args.dtype)
    steps, divergence = _run(problem, args, kernel, args.steps)
    if divergence:
        sys.stderr.write(f"tutor: {divergence}\n")
        return 1
    if not steps:
        raise UsageError("--steps must be at least 1 to fit anything")
    theta = steps[-1].theta.copy()
    converged = _converged(args, steps[-1])
    if scale:
        alpha, beta = theta[0], theta[1:]
        theta = numpy.concatenate([[alpha - numpy.sum(beta * means / stds)], beta / stds])
    names = problem.names
    distance = None if reference is None else float(numpy.max(numpy.abs(theta - reference)))
    if args.json:
        _out(dump_json({
            "model": problem.model.describe(), "data": problem.data.source,
            "steps": steps[-1].t, "converged": converged, "learning_rate": args.learning_rate,
            "standardized_for_descent": scale,
            "estimates": dict(zip(problem.keys, theta.tolist(), strict=True)),
            "reference": None if reference is None else {
                "name": reference_name, "estimates": dict(zip(problem.keys, reference.tolist(),
                                                               strict=True)),
                "max_abs_difference": distance}}))
        return 0 if converged else 1
    _out(f"{problem.model.describe()}\ndata: {problem.data.source}")
    note = "; features standardized for the descent, estimates in the original units" if scale else ""
    _out(f"gradient descent: γ = {args.learning_rate:g}, {steps[-1].t} steps, "
         f"{'converged' if converged else 'NOT converged'} (largest |∂c/∂θ| "
         f"{number(numpy.max(numpy.abs(steps[-1].grad)), 3)}, tolerance {args.tolerance:g}){note}\n")
    headers = ["parameter", "gradient descent"]
    labels = list(names)
    if reference is not None:  # β_i multiplies the i-th feature: say which
        labels = [labels[0] + " (constant)"] + [f"{n} ({f})" for n, f in zip(
            labels[1:], problem.data.features, strict=False)]
    rows = [[n, f"{v:.10g}"] for n, v in zip(labels, theta, strict=True)]
    if reference is not None:
        headers += [reference_name, "difference"]
        for r, v, ref in zip(rows, theta, reference, strict=True):
            r += [f"{ref:.10g}", f"{v - ref:.1e}".replace("-", "−")]
    _out(table(headers, rows, right=[False] + [True] * (len(headers) - 1)))
    if reference is not None:
        digits = max(0, int(-math.log10(max(distance, 1e-16) / max(1e-300, float(
            numpy.max(numpy.abs(reference)))))))
        _out(f"\nlargest difference {distance:.1e}: gradient descent and {reference_name} agree to "
             f"about {digits} significant digits")
    if not converged:
        sys.stderr.write(f"tutor: not converged after {steps[-1].t} steps: raise --steps, or "
                         "change --learning-rate\n")
        return 1
    return 0


def _reference(problem: Problem, name: str) -> numpy.ndarray:
    """OLS or the logit MLE on the problem's data; a UsageError naming the columns if the data
    can't give one."""
    data, X, Y = problem.data, problem.X, problem.Y
    features = list(data.features)
    for j, feature in enumerate(features):
        column = X[:, j]
        if column.min() == column.max():
            others = [f for f in features if f != feature]
            fix = (f"leave it out with --features {','.join(others)}" if others else
                   "there is no other feature to regress on: use data whose inputs vary")
            raise UsageError(f"{data.source}: feature {feature!r} is constant (every value is "
                             f"{column[0]:g}), so {'the ' * name.startswith('logit')}{name} "
                             f"can't tell it from the constant α: {fix}")
    if name == "logit MLE" and Y.min() == Y.max():
        raise UsageError(f"{data.source}: the target {data.targets[0]!r} is {Y[0]:g} in every row: "
                         "logistic regression needs both 0s and 1s (otherwise the logit MLE does "
                         "not exist and gradient descent never stops)")
    try:
        return ols(X, Y) if name == "OLS" else logit_mle(X, Y)
    except (ValueError, RuntimeError) as error:
        message = re.sub(r"X column (\d+)", lambda m: f"column {features[int(m.group(1))]!r}",
                         str(error))
        raise UsageError(f"{data.source}: {'the ' * name.startswith('logit')}{name} can't be "
                         f"computed: {message}") from None


# -- kernel ---------------------------------------------------------------------------------------
def kernel(args) -> int:
    problem = problem_from(args, None, need_data=False)
    k = problem.model.compile(backend=args.backend, dtype=args.dtype)
    if args.json:
        _out(dump_json({"model": problem.model.describe(), "backend": k.backend.name,
                        "dtype": k.dtype, "kind": k.kind, "source": k.source}))
    else:
        _out(f"# {problem.model.describe()}\n# backend: {k.backend.name}, dtype: {k.dtype}; "
             f"compiled {k.kind}; xp is {k.backend.name}"
             + ("; exp_cap is the largest x with a finite eˣ in this dtype" * ("exp_cap" in k.source))
             + "\n")
        _out(k.source.rstrip())
    return 0


# -- tour -----------------------------------------------------------------------------------------
def tour(args) -> int:
    """The slides' gradient-descent example, every number computed live."""
    from ..expression import Model
    from ..network import mlp
    from ..notation import Symbol

    alpha, x = Symbol("alpha"), Symbol("x")
    model = Model(alpha + x, [alpha], [x])
    k = model.compile()
    _out("The slides' gradient-descent example: ŷ = α + x, c = (y − ŷ)², data y = 5 + x at x = 1\n")
    _out(str(model.derivation(alpha)))
    X, Y = datasets.slides_example()
    for rate, n in ((0.1, 4), (1.0, 4), (0.5, 2), (1.1, 200)):
        rows = []
        try:
            for s in descend(k, [2.0], X, Y, learning_rate=rate, steps=n):
                if s.t <= 4:
                    rows.append([str(s.t), number(s.theta_before[0]), number(s.predictions[0]),
                                 number(s.errors[0]), number(s.loss), number(s.grad[0]),
                                 number(s.theta[0])])
            verdict = ""
        except Divergence as error:
            rows.append(["…"] * 7)
            verdict = str(error)
        _out(f"\nγ = {rate:g}")
        _out(table(["t", "α_t−1", "ŷ", "ε", "loss", "dc/dα", "α_t"], rows))
        if verdict:
            _out(verdict)
    F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")
    net = mlp([2, 2, 1], activation=F1, output=F2)
    _out("\nBack-propagation through a 2-2-1 network, as on the slides:")
    _out(f"∂c/∂β₁^(1,2) = {net.derivation('beta_1^(1,2)').chain}")
    return 0
