"""The kernel of a model given as expressions: one equation a line, SymPy's common
subexpressions of the loss and its gradient computed once (they are back-propagation's cached
intermediates), each parameter's ∂c/∂θ_i averaged over the samples."""

from __future__ import annotations

import sympy

from .activations import zero_slope_at_kinks
from .array_code import code, function, identifier, numbered

__all__ = ["model_source"]


def model_source(model) -> str:
    taken: set[str] = set()
    names = {p: identifier(p.name, taken) for p in model.parameters}
    names |= {x: identifier(x.name, taken) for x in model.inputs}
    names |= {t: identifier(t.name, taken) for t in model.targets}
    data = set(model.inputs) | set(model.targets)
    head = [f"{names[p]} = theta[{i}]" for i, p in enumerate(model.parameters)]
    head += [f"{names[x]} = X[:, {i}]" for i, x in enumerate(model.inputs)]
    body = ["n = X.shape[0]", *head]
    body += [f"{names[t]} = Y[:, {i}]" for i, t in enumerate(model.targets)]
    grads = [zero_slope_at_kinks(sympy.diff(model.loss, p)) for p in model.parameters]
    subexprs, (loss, *gs) = sympy.cse([model.loss, *grads], symbols=numbered("t", taken))
    body.append("# common subexpressions of the loss and its gradient")
    body += [f"{s} = {code(e, names)}" for s, e in subexprs]
    body.append("grad = xp.empty(%d, dtype=theta.dtype)" % len(model.parameters))

    def mean(expr, original):
        text = code(expr, names)
        return f"xp.mean({text})" if original.free_symbols & data else text

    body.append(f"loss = {mean(loss, model.loss)}")
    for i, (g, original) in enumerate(zip(gs, grads, strict=True)):
        body.append(f"grad[{i}] = {mean(g, original)}  # ∂c/∂{model.parameters[i].name}")
    body.append("return loss, grad")
    predict = ["n = X.shape[0]", *head]
    columns = []
    for e in model.expressions:
        text = code(e, names)
        columns.append(text if e.free_symbols & set(model.inputs)
                       else f"xp.broadcast_to(xp.asarray({text}, dtype=theta.dtype), (n,))")
    predict.append(f"return xp.stack([{', '.join(columns)}], axis=1)")
    return function("loss_and_gradient", "theta, X, Y", body) + "\n\n" + function(
        "predict", "theta, X", predict)


