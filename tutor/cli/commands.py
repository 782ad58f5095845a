"""The commands that show the maths: derive, check, kernel and tour. Each returns its exit code."""

from __future__ import annotations

import math
import sys

import numpy
import sympy

from ..descent import Divergence, descend
from ..gradient_check import gradcheck
from ..notation import number, unicode
from ..spec import SpecError
from . import specs
from .render import dump_json, table

__all__ = ["derive", "check", "kernel", "tour", "out", "assignments"]


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def assignments(names, values, limit: int = 8) -> str:
    """α = 2, β₁ = 0.5, … ({n} more)."""
    shown = ", ".join(f"{n} = {number(v)}" for n, v in zip(names[:limit], values, strict=False))
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


# -- derive -------------------------------------------------------------------------------------
def derive(args) -> int:
    model = specs.problem(args, None, need_data=False).model
    if args.all:
        return _derive_all(args, model)
    try:
        d = model.derivation(args.param)
    except (ValueError, IndexError) as error:
        raise SpecError(str(error), "param") from None
    if args.json:
        out(dump_json({
            "model": model.describe(), "parameter": d.parameter.name,
            "steps": [{"rule": s.rule, "lhs": s.lhs, "rhs": str(s).split(" = ", 1)[1],
                       "latex": s.latex()} for s in d.steps],
            "chain": str(d.chain), "compact": sympy.sstr(d.compact),
            "latex": d.latex(), "result": sympy.sstr(d.result) if args.result else None}))
    elif args.latex:
        out(d.latex())
    else:
        out(model.describe())
        out(str(d))
        if args.result:
            out(f"\nin inputs, targets and parameters only:\n∂c/∂{unicode(d.parameter)} = "
                f"{unicode(d.result)}")
    return 0


def _derive_all(args, model) -> int:
    gradients = model.backprop()
    if args.json:
        out(dump_json({"model": model.describe(), **gradients.as_dict()}))
    else:
        out(gradients.latex() if args.latex else str(gradients))
    return 0


# -- check --------------------------------------------------------------------------------------
def check(args) -> int:
    problem = specs.problem(args, None, need_data=True)
    kernel = problem.compile(args.backend, args.dtype)
    theta = problem.theta0
    with numpy.errstate(all="ignore"):  # a loss that can't be computed is reported below
        loss, _ = kernel(theta, problem.X, problem.Y)
        if not math.isfinite(float(loss)):
            raise SpecError(f"the loss is {float(loss)} at the starting values θ₀ = "
                            f"{assignments(problem.names, theta)}: the model or loss can't be "
                            "computed there (a log or square root of a negative number, or an "
                            "overflow): start from other values with --params")
        report = gradcheck(kernel, theta, problem.X, problem.Y, mode=args.mode,
                           directions=args.directions, seed=args.seed)
    if args.json:
        out(dump_json({
            "model": problem.model.describe(), "data": problem.data.source, "ok": report.ok,
            "mode": report.mode, "rtol": report.rtol, "atol": report.atol, "eps": report.eps,
            "max_abs_error": report.max_abs_error, "max_rel_error": report.max_rel_error,
            "rows": [{"name": r.name, "analytic": r.analytic, "numeric": r.numeric,
                      "abs_error": r.abs_error, "rel_error": r.rel_error, "status": r.status,
                      "note": r.note} for r in report.rows]}))
    else:
        out(f"{problem.model.describe()}\ndata: {problem.data.source}; backend "
            f"{kernel.backend.name}, {kernel.dtype}\n")
        out(str(report))
    return 0 if report.ok else 1


# -- kernel ---------------------------------------------------------------------------------------
def kernel(args) -> int:
    problem = specs.problem(args, None, need_data=False)
    k = problem.compile(args.backend, args.dtype)
    source = k.fast_source if args.in_place else k.source
    form = "in place, as it runs" if args.in_place else "one equation a line, as it reads"
    if args.json:
        out(dump_json({"model": problem.model.describe(), "backend": k.backend.name,
                       "dtype": k.dtype, "kind": k.kind, "source": k.source,
                       "fast_source": k.fast_source}))
        return 0
    out(f"# {problem.model.describe()}\n# backend: {k.backend.name}, dtype: {k.dtype}; "
        f"compiled {k.kind}, {form}; xp is {k.backend.name}"
        + ("; exp_cap is the largest x with a finite eˣ in this dtype" * ("exp_cap" in source))
        + "\n")
    out(source.rstrip())
    return 0


# -- tour -----------------------------------------------------------------------------------------
TOUR_RATES = ((0.1, 4), (1.0, 4), (0.5, 2), (1.1, 200))  # γ, and the steps to take at it


def _tour_runs():
    """The slides' example at each γ: the first four rows, and the divergence if there is one."""
    from ..problem import build

    problem = build("slides", "slides")
    kernel = problem.compile()
    for rate, steps in TOUR_RATES:
        rows, verdict = [], None
        try:
            for s in descend(kernel, problem.theta0, problem.X, problem.Y, learning_rate=rate,
                             steps=steps):
                if s.t <= 4:
                    rows.append((s.t, s.theta_before[0], s.predictions[0], s.errors[0], s.loss,
                                 s.grad[0], s.theta[0]))
        except Divergence as error:
            verdict = error
        yield rate, rows, verdict, problem


def tour(args) -> int:
    """The slides' gradient-descent example, every number computed live."""
    from ..network import mlp

    runs = list(_tour_runs())
    problem = runs[0][3]
    F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")
    backprop = mlp([2, 2, 1], activation=F1, output=F2).derivation("beta_1^(1,2)")
    columns = ("t", "alpha_before", "yhat", "epsilon", "loss", "dc/dalpha", "alpha")
    if args.json:
        out(dump_json({
            "model": problem.model.describe(), "data": problem.data.source,
            "derivation": str(problem.model.derivation()),
            "runs": [{"learning_rate": rate, "steps": [dict(zip(columns, map(float, row),
                                                                 strict=True)) for row in rows],
                      "diverged": None if verdict is None else str(verdict)}
                     for rate, rows, verdict, _ in runs],
            "backpropagation": {"parameter": "beta_1^(1,2)", "chain": str(backprop.chain)}}))
        return 0
    out("The slides' gradient-descent example: ŷ = α + x, c = (y − ŷ)², data y = 5 + x at x = 1\n")
    out(str(problem.model.derivation()))
    for rate, rows, verdict, _ in runs:
        shown = [[str(row[0]), *map(number, row[1:])] for row in rows]
        out(f"\nγ = {rate:g}")
        out(table(["t", "α_t−1", "ŷ", "ε", "loss", "dc/dα", "α_t"],
                  shown + ([["…"] * 7] if verdict else [])))
        if verdict:
            out(str(verdict))
    out("\nBack-propagation through a 2-2-1 network, as on the slides:")
    out(f"∂c/∂β₁^(1,2) = {backprop.chain}")
    return 0
