"""Kernels: the derived gradient printed as array code, vectorized over samples.

SymPy derives each layer's rules once (G′ of its activation, the loss's ∂c/∂z at the output);
the printer turns them into ``xp`` calls, and the layers are tied together with matrix
products, as back-propagation does: forward, h_l = G(h_{l−1} β_lᵀ + α_l); backward,
δ_L = ∂c/∂z_L, δ_{l−1} = (δ_l β_l) ⊙ G′(z_{l−1}), ∂c/∂β_l = δ_lᵀ h_{l−1}, ∂c/∂α_l = Σ δ_l.
The symbolic work is per layer, not per weight, so it does not grow with the width.

>>> import numpy, tutor
>>> kernel = tutor.linear_regression(1).compile()
>>> loss, grad = kernel(numpy.array([2.0, 1.0]), numpy.array([[1.0]]), numpy.array([6.0]))
>>> float(loss), grad.tolist()
(9.0, [-6.0, -6.0])
>>> print(kernel.source)  # doctest: +ELLIPSIS
def loss_and_gradient(theta, X, Y):
...
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import math
import re

import numpy
import sympy
from sympy.printing.numpy import NumPyPrinter

from .activations import EXP_CAP, SOFTMAX, h, z
from .backends import Backend
from .backends import backend as _backend
from .derivation import output_delta
from .inplace import InPlace
from .losses import y, yhat

__all__ = ["Kernel", "compile_network", "compile_model", "KernelInputError"]


class KernelInputError(ValueError):
    """θ, X or Y has the wrong shape or holds NaN or infinity."""


class ArrayPrinter(NumPyPrinter):
    """SymPy's NumPy printer, writing ``xp.`` and only functions every array-API namespace has
    (no ``select``, ``heaviside`` or ``amax``), so the same source runs on NumPy, CuPy and
    array_api_strict."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        return _fold("xp.maximum", args)

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        return _fold("xp.minimum", args)

    def _print_Heaviside(self, expr):
        # 𝟙(x > 0), with ½ at the kink as SymPy's Heaviside(0) = ½
        return "((xp.sign(%s) + 1)/2)" % self._print(expr.args[0])

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond != sympy.true:
            raise NotImplementedError("a Piecewise needs an 'otherwise' branch to be compiled")
        text = self._print(last.expr)
        for piece in reversed(pieces):
            text = "xp.where(%s, %s, %s)" % (self._print(piece.cond), self._print(piece.expr), text)
        return text

    def doprint(self, expr, assign_to=None):
        return super().doprint(expr, assign_to).replace("numpy.", "xp.")


def _fold(function: str, args: list[str]) -> str:
    text = args[0]
    for arg in args[1:]:
        text = f"{function}({text}, {arg})"
    return text


_PRINTER = ArrayPrinter()


def code(expr: sympy.Expr, names: dict[sympy.Symbol, str]) -> str:
    """``expr`` as array code, with each symbol replaced by the variable named in ``names``."""
    plain = {s: sympy.Symbol(v) for s, v in names.items()}
    return _PRINTER.doprint(expr.xreplace(plain))


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name).strip("_") or "p"
    if base[0].isdigit() or keyword.iskeyword(base) or base in ("xp", "n", "theta", "X", "Y"):
        base = "p_" + base
    candidate = base
    for i in itertools.count(2):
        if candidate not in taken:
            break
        candidate = f"{base}_{i}"
    taken.add(candidate)
    return candidate


def _exp_cap(dtype: str) -> float:
    """The largest x of the dtype whose eˣ is finite in it: 709.78… in float64, 88.72… in
    float32. A logistic unit capped there is off only by e^−x, below the smallest normal number."""
    kind = numpy.dtype(dtype).type
    cap = kind(math.log(numpy.finfo(kind).max))
    with numpy.errstate(over="ignore"):
        while not numpy.isfinite(numpy.exp(cap)):
            cap = numpy.nextafter(cap, kind(0))
    return float(cap)


# -- the kernel object ------------------------------------------------------------------------
class Kernel:
    """A compiled loss-and-gradient function: ``loss, grad = kernel(theta, X, Y)``.

    θ is the flat parameter vector, X has shape (n, k) and Y shape (n, m) or (n,); the kernel
    returns the loss averaged over the n samples and its gradient. ``kernel.source`` is the
    generated code; its intermediates (z, h, δ) are back-propagation's cached values.
    """

    _counter = itertools.count()

    def __init__(self, source: str, model, backend: Backend, dtype: str, kind: str):
        self.source = source
        self.model = model
        self.n_parameters = model.n_parameters
        self.inputs = tuple(model.inputs)
        self.targets = tuple(model.targets)
        self.backend = backend
        self.dtype = dtype
        self.kind = kind
        self._dtype = backend.dtype(dtype)
        filename = f"<tutor kernel {next(self._counter)}>"
        # the source is printed by SymPy from expression trees we built, never from user text
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict = {"xp": backend.namespace(), EXP_CAP.name: _exp_cap(dtype)}
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - as sympy.lambdify
        self._loss_and_gradient = namespace["loss_and_gradient"]
        self._predict = namespace["predict"]

    @property
    def parameters(self) -> tuple:
        """The parameters' symbols, in θ's order (made on first use for a network)."""
        return tuple(self.model.parameters)

    @property
    def n_outputs(self) -> int:
        return len(self.targets)

    def _asarray(self, name: str, value):
        try:
            return self.backend.xp.asarray(value, dtype=self._dtype)
        except (TypeError, ValueError) as error:  # text, ragged rows, None: say which and why
            from .data import as_numbers

            try:
                as_numbers(name, value)
            except ValueError as clear:
                raise KernelInputError(str(clear)) from None
            raise KernelInputError(f"{name} can't be read as numbers ({error})") from None

    def _arrays(self, theta, X, Y=None):
        xp = self.backend.xp
        theta = self._asarray("θ", theta)
        if tuple(theta.shape) != (self.n_parameters,):
            raise KernelInputError(
                f"θ must be a flat vector of {self.n_parameters} numbers (one per parameter), "
                f"got shape {tuple(theta.shape)}"
            )
        X = self._asarray("X", X)
        k = len(self.inputs)
        if X.ndim == 1 and k == 1:
            X = xp.reshape(X, (-1, 1))
        if X.ndim != 2 or X.shape[1] != k:
            raise KernelInputError(
                f"X must have shape (n, {k}): one row per sample, one column per input "
                f"({', '.join(map(str, self.inputs))}); got shape {tuple(X.shape)}"
            )
        if X.shape[0] < 1:
            raise KernelInputError("X has no rows: there is no data to compute a loss on")
        if Y is None:
            return theta, X, None
        Y = self._asarray("Y", Y)
        m = self.n_outputs
        if Y.ndim == 1 and m == 1:
            Y = xp.reshape(Y, (-1, 1))
        if Y.ndim != 2 or Y.shape[1] != m or Y.shape[0] != X.shape[0]:
            want = f"({X.shape[0]},)" + f" or ({X.shape[0]}, 1)" if m == 1 else f"({X.shape[0]}, {m})"
            raise KernelInputError(
                f"Y must have shape {want}: one row per sample of X, one column per target; "
                f"got shape {tuple(Y.shape)}"
            )
        return theta, X, Y

    def __call__(self, theta, X, Y):
        """The mean loss over the samples and its gradient with respect to θ."""
        theta, X, Y = self._arrays(theta, X, Y)
        loss, grad = self._loss_and_gradient(theta, X, Y)
        if not math.isfinite(float(loss)):
            self._diagnose(theta, X, Y)
        return loss, grad

    def predict(self, theta, X):
        """ŷ for each row of X: shape (n,) for one output, (n, m) for several."""
        theta, X, _ = self._arrays(theta, X)
        out = self._predict(theta, X)
        if not bool(self.backend.xp.all(self.backend.xp.isfinite(out))):
            self._diagnose(theta, X, None)  # NaN in, NaN out: name the input instead
        return out[:, 0] if self.n_outputs == 1 else out

    def _diagnose(self, theta, X, Y) -> None:
        """A non-finite loss: blame the input that holds NaN or inf, if one does."""
        xp = self.backend.xp
        for name, array in (("θ", theta), ("X", X), ("Y", Y)):
            if array is None:
                continue
            bad = ~xp.isfinite(array)
            if bool(xp.any(bad)):
                where = numpy.argwhere(self.backend.to_numpy(bad))[0].tolist()
                fix = ("start from finite values" if name == "θ"
                       else "remove or impute those values first")
                raise KernelInputError(
                    f"{name} holds NaN or infinity (first at index {tuple(where)}): {fix}")

    def __repr__(self) -> str:
        return (f"<Kernel ({self.kind}) for {self.model.describe()}; backend {self.backend.name}, "
                f"{self.dtype}>")


# -- networks -------------------------------------------------------------------------------
def _require_compilable(net) -> None:
    for layer in net.layers:
        act = layer.activation
        if act is not SOFTMAX and act.is_undefined:
            raise ValueError(
                f"cannot compile: layer {layer.index}'s activation {act.symbol} is an undefined "
                "function, which has no numbers in it; it is for deriving the general formula. "
                "Choose one of logistic, tanh, relu, identity, softplus, or give a SymPy Lambda"
            )


def _folds_bias(act, hidden: bool) -> bool:
    """Whether α goes into a hidden layer's G as it is written, not into z first.

    The logistic starts from −z: written over h β, −z = −α − h β is one pass,
    ``xp.subtract(-alpha, z, out=z)``, where ``z += α`` and then negating take two. Only where G′
    is through h, so that z itself is never needed.
    """
    return (hidden and act is not SOFTMAX and act.derivative_in_h() is not None
            and any(arg == -z for arg in sympy.preorder_traversal(act.kernel_expr())))


def _activation_code(layer, hidden: bool, writer: InPlace, fold: bool) -> tuple[list[str], sympy.Expr]:
    """Lines computing h_l = G(z_l), and G′ for the backward pass, in the writer's names.

    G′ is written through the cached h when it can be (h(1 − h) for the logistic): z is then
    dead once h exists, and a hidden layer computes h in z's own array. Otherwise G and G′
    share their common subexpressions, computed once in the forward pass and kept, as
    back-propagation keeps its intermediates.
    """
    l, act = layer.index, layer.activation
    G = act.kernel_expr()
    in_h = act.derivative_in_h()
    z_l, h_l = sympy.Symbol(f"z_{l}"), sympy.Symbol(f"h_{l}")
    writer.names |= {z_l: f"z_{l}", h_l: f"h_{l}"}
    if in_h is not None:
        argument = z_l
        if fold:  # z_l holds h β only: α is added inside G (_folds_bias)
            alpha_l = sympy.Symbol(f"alpha_{l}")
            writer.names[alpha_l] = f"alpha_{l}"
            argument = z_l + alpha_l
        if G == z:
            lines = [f"h_{l} = z_{l}"]
        else:
            lines = writer.assign(f"h_{l}", G.xreplace({z: argument}), free={z_l} if hidden else ())
        # G′ is written through h, so z is no longer needed: free it now, not at the return
        # (it keeps the peak memory at hand-written back-propagation's)
        release = [f"del z_{l}  # G′ needs only h"] if hidden else []
        return [*lines, *release], in_h.xreplace({h: h_l})
    shared, (G_cse, dG_cse) = sympy.cse([G.xreplace({z: z_l}), act.derivative.xreplace({z: z_l})],
                                        symbols=sympy.numbered_symbols(f"shared_{l}_"))
    lines = []
    for s, e in shared:
        lines.append(f"{s.name} = {code(e, writer.names)}")
        writer.names[s] = s.name
    return [*lines, *writer.assign(f"h_{l}", G_cse)], dG_cse


def _forward_lines(net, writer: InPlace) -> tuple[list[str], dict[int, sympy.Expr]]:
    lines, start, derivatives = [], 0, {}
    for layer in net.layers:
        l, n, k = layer.index, layer.width, layer.fan_in
        below = "X" if l == 1 else f"h_{l - 1}"
        lines.append(f"alpha_{l} = theta[{start}:{start + n}]")
        lines.append(f"beta_{l} = xp.reshape(theta[{start + n}:{start + layer.size}], ({n}, {k}))")
        start += layer.size
        act = layer.activation
        lines.append(f"# layer {l}: z = α + h β, then h = {act.symbol}(z)")
        lines.append(f"z_{l} = {below} @ beta_{l}.T")
        fold = _folds_bias(act, l < len(net.layers))
        if fold:
            lines.append(f"# α_{l} is added as −z is formed, in one pass with the sign change")
        else:
            lines.append(f"z_{l} += alpha_{l}")
        if act is SOFTMAX:
            lines += [
                f"z_{l} -= xp.max(z_{l}, axis=1, keepdims=True)  # shifted: e^z without overflow",
                f"h_{l} = xp.exp(z_{l})",
                f"total_{l} = xp.sum(h_{l}, axis=1, keepdims=True)",
                f"h_{l} /= total_{l}",
            ]
            writer.names |= {sympy.Symbol(f"h_{l}"): f"h_{l}"}
        else:
            forward, derivatives[l] = _activation_code(layer, l < len(net.layers), writer, fold)
            lines += forward
    return lines, derivatives


def _stable_logs(net) -> tuple[dict, list[str]]:
    """log ŷ and log(1 − ŷ) written through z, so a saturated output gives no log(0).

    Only the logs the loss has are written: squared error needs none of them.
    """
    L = len(net.layers)
    out = net.output
    if not net.loss_row.term_for(out is SOFTMAX).has(sympy.log):
        return {}, []
    if out is SOFTMAX:
        # z_L holds z − max z. log Σ e^(z − max z) = log(1 + rest), rest the sum without one of
        # the maxima (whose e^0 is 1): log1p(rest) keeps a confident right answer's loss,
        # log(1 + e^−40) = 4.2e−18, where log(total) rounds 1 + 4.2e−18 to 1 and gives 0.
        # rest = the terms below the maximum, plus 1 for each further tie: round(total − below)
        # is the number of ties. In place, z_L becomes log ŷ.
        return ({sympy.log(yhat): sympy.Symbol("log_h")},
                # e^(z − max z) = ŷ · total, to an ulp or two: no second exp
                [f"below_{L} = xp.sum(xp.where(z_{L} < 0, h_{L}, 0.0), axis=1, keepdims=True) * total_{L}",
                 f"z_{L} -= xp.log1p(below_{L} + (xp.round(total_{L} - below_{L}) - 1))"
                 "  # log ŷ = z − log Σ e^z",
                 f"log_h = z_{L}"])
    if getattr(out, "name", None) == "logistic":
        return ({sympy.log(yhat): sympy.Symbol("log_h"),
                 sympy.log(1 - yhat): sympy.Symbol("log_1mh")},
                [f"log_h = -xp.logaddexp(0.0, -z_{L})  # log G(z) = −log(1 + e^−z)",
                 f"log_1mh = -xp.logaddexp(0.0, z_{L})  # log(1 − G(z)) = −log(1 + e^z)"])
    return {}, []


def _loss_lines(net, writer: InPlace) -> tuple[list[str], dict]:
    """The mean loss; returns its lines and the substitutions that let δ_L reuse its arrays.

    A loss of the form r² keeps r, so that δ_L, which has r in it (−2(y − ŷ) for the squared
    error), is computed from it in place.
    """
    L = len(net.layers)
    term = net.loss_row.term_for(net.output is SOFTMAX)
    replacements, lines = _stable_logs(net)
    for name in ("log_h", "log_1mh", "Y", "residual"):
        writer.names[sympy.Symbol(name)] = name
    term = term.xreplace(replacements)
    arrays = {yhat: sympy.Symbol(f"h_{L}"), y: sympy.Symbol("Y"), z: sympy.Symbol(f"z_{L}")}
    if term.is_Pow and term.exp == 2 and term.base.free_symbols & {yhat, y}:
        lines += writer.assign("residual", term.base.xreplace(arrays))
        lines.append("loss = xp.sum(residual * residual) / n")
        return lines, {term.base: sympy.Symbol("residual")}
    lines.append(f"loss = xp.sum({code(term.xreplace(arrays), writer.names)}) / n")
    return lines, {}


def _delta_lines(net, writer: InPlace, shared: dict) -> list[str]:
    """δ_L = ∂c/∂z_L divided by n, written over ŷ's (or the residual's) array."""
    L = len(net.layers)
    h_L, Y = sympy.Symbol(f"h_{L}"), sympy.Symbol("Y")
    arrays = {yhat: h_L, y: Y, z: sympy.Symbol(f"z_{L}")}
    # the loss's arrays replace their formulas before the output's symbols go in, as SymPy
    # would multiply −2(y − ŷ) out once y and ŷ are replaced
    coefficient, rest = output_delta(net).xreplace(shared).as_coeff_Mul()
    rest = rest.xreplace(arrays)
    if net.output is not SOFTMAX:
        lines = writer.assign(f"delta_{L}", rest, free={h_L, *shared.values()})
        return [*lines, f"delta_{L} *= {code(coefficient, {})} / n"]
    # δ = u − ŷ Σ_j u_j, with u = ŷ ⊙ ∂c/∂ŷ = c·v (for cross-entropy c = −1, v = y: δ = ŷ Σ_j y_j − y)
    if rest in writer.names:
        v = writer.names[rest]
        return [f"# δ = u − ŷ Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ = {coefficient}·{v}",
                f"h_{L} *= xp.sum({v}, axis=1, keepdims=True)", f"h_{L} -= {v}",
                f"h_{L} *= {code(-coefficient, {})} / n", f"delta_{L} = h_{L}"]
    lines = writer.assign("u", coefficient * rest)
    return ["# δ = u − ŷ Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ", *lines,
            f"h_{L} *= xp.sum(u, axis=1, keepdims=True)", f"u -= h_{L}", "u *= 1 / n",
            f"delta_{L} = u"]


def network_source(net, out_functions: bool = False) -> str:
    """The kernel's source; ``out_functions`` lets element-wise functions write in place."""
    L = len(net.layers)
    writer = InPlace(code, {}, out_functions=out_functions)
    body = ["n = X.shape[0]", "# θ → each layer's biases α_l (n_l,) and weights β_l (n_l, n_{l-1})"]
    forward_lines, derivatives = _forward_lines(net, writer)
    body += forward_lines
    forward = list(body)
    loss_lines, shared = _loss_lines(net, writer)
    body += ["# the loss: the mean over samples of Σ_k φ(ŷ_k, y_k)", *loss_lines]
    body.append("# backward pass: δ_l = ∂c/∂z_l, divided by n here so the sums below are means")
    body += _delta_lines(net, writer, shared)
    body.append(f"grad = xp.empty({net.n_parameters}, dtype=theta.dtype)")
    if out_functions:
        body.append("ones = xp.ones(n, dtype=theta.dtype)")
    starts = net._offsets()
    for layer in reversed(net.layers):
        l, s, n = layer.index, starts[layer.index - 1], layer.width
        below = "X" if l == 1 else f"h_{l - 1}"
        alpha, beta = f"grad[{s}:{s + n}]", f"grad[{s + n}:{s + layer.size}]"
        if out_functions:  # straight into θ's slots, with no array in between
            # Σ over the samples as a product with a row of ones: BLAS's gemv, two to three
            # times faster than a column sum on these arrays
            body.append(f"xp.matmul(ones, delta_{l}, out={alpha})  # ∂c/∂α_{l} = 1ᵀδ, Σ over samples")
            body.append(f"xp.matmul(delta_{l}.T, {below}, out=xp.reshape({beta}, ({n}, "
                        f"{layer.fan_in})))  # ∂c/∂β_{l}")
        else:
            body.append(f"{alpha} = xp.sum(delta_{l}, axis=0)  # ∂c/∂α_{l}")
            body.append(f"{beta} = xp.reshape(delta_{l}.T @ {below}, (-1,))  # ∂c/∂β_{l}")
        if l > 1:
            act, factor = net.layers[l - 2].activation, derivatives[l - 1]
            body.append(f"delta_{l - 1} = delta_{l} @ beta_{l}")
            scaling = writer.scale(f"delta_{l - 1}", factor, free={sympy.Symbol(f"h_{l - 1}")})
            if scaling:
                body += [f"# × {act.symbol}′(z) = {code(factor, writer.names)}", *scaling]
            body.append(f"del delta_{l}, h_{l - 1}")
    body.append("return loss, grad")
    return _function("loss_and_gradient", "theta, X, Y", body) + "\n\n" + _function(
        "predict", "theta, X", [*forward, f"return h_{L}"])


def _function(name: str, args: str, body: list[str]) -> str:
    return f"def {name}({args}):\n" + "\n".join("    " + line for line in body) + "\n"


def compile_network(net, backend="numpy", dtype="float64") -> Kernel:
    _require_compilable(net)
    chosen = _backend(backend)
    return Kernel(network_source(net, chosen.out_functions), net, chosen, dtype, "layer by layer")


# -- models given as expressions ------------------------------------------------------------
def model_source(model) -> str:
    taken: set[str] = set()
    names = {p: _identifier(p.name, taken) for p in model.parameters}
    names |= {x: _identifier(x.name, taken) for x in model.inputs}
    names |= {t: _identifier(t.name, taken) for t in model.targets}
    data = set(model.inputs) | set(model.targets)
    head = [f"{names[p]} = theta[{i}]" for i, p in enumerate(model.parameters)]
    head += [f"{names[x]} = X[:, {i}]" for i, x in enumerate(model.inputs)]
    body = ["n = X.shape[0]", *head]
    body += [f"{names[t]} = Y[:, {i}]" for i, t in enumerate(model.targets)]
    grads = [sympy.diff(model.loss, p) for p in model.parameters]
    subexprs, (loss, *gs) = sympy.cse([model.loss, *grads], symbols=sympy.numbered_symbols("t"))
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
    return _function("loss_and_gradient", "theta, X, Y", body) + "\n\n" + _function(
        "predict", "theta, X", predict)


def compile_model(model, backend="numpy", dtype="float64") -> Kernel:
    undefined = [f for e in model.expressions for f in e.atoms(sympy.core.function.AppliedUndef)]
    if undefined:
        raise ValueError(f"cannot compile: {undefined[0]} is an undefined function; give it a "
                         "formula first")
    return Kernel(model_source(model), model, _backend(backend), dtype, "per sample, with CSE")
