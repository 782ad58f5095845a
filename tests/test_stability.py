"""Numerical stability: every activation, its slope and the losses at |z| up to 1000, with
targets at exactly 0 and 1, in float64 and float32, against mpmath.

What tutor computes is read off compiled kernels of tiny networks (``predict`` for G, the
gradient for G′ and for the losses' slopes), so the numbers checked are the ones a learner
gets. The references are the slides' own formulas (each row's ``expr``, SymPy's derivative of
it, a network's one-sample ``loss`` and SymPy's derivatives of that), evaluated by mpmath with
1000 digits of working precision, so that 1 − G(1000) = e^−1000 and 1 − tanh(1000)² = 4e^−2000
survive, and checked to 50 digits against 1100 digits.

A value passes when |tutor − reference| ≤ 16 ε |reference| + floor, with ε the dtype's machine
epsilon. The floor is the smallest normal number of the dtype (values below it are subnormal
or 0), plus, where tutor works from a rounded number on purpose, exactly what that rounding
can move the result: G′ written through the cached h (h(1 − h), 1 − h²) is computed from h,
which holds G(z) to an ulp, so it is only as good as F(h ± 4εh) lets it be, F being tutor's
formula in h. At z = 40 that is 0 for logistic′(40) = 4.2e−18 (as in PyTorch's sigmoid
backward); at z = −40, where h = 4.2e−18 itself is exact, it is every digit.

Every kernel call runs under ``numpy.errstate(over="raise", divide="raise", invalid="raise")``
(underflow to 0 or a subnormal is allowed), on top of pytest's warnings-are-errors.
"""

from __future__ import annotations

import functools
import math
import warnings

import mpmath
import numpy
import pytest
import sympy
from figures import tally

import tutor
from tutor.activations import ACTIVATIONS, h, z, zero_slope_at_kinks

GRID = (-1000, -750, -745, -710, -104, -100, -89, -88, -87, -40, -37, -20, -17, -10, -3, -1, -0.5,
        -1e-8, 0, 1e-8, 0.5, 1, 3, 10, 17, 20, 37, 40, 87, 88, 89, 100, 104, 710, 745, 750, 1000)
EDGES = (-1000, -710, -89, -40, -17, -1e-8, 0, 1e-8, 17, 40, 89, 710, 1000)  # a sparser grid
DTYPES = ("float64", "float32")
DIGITS, GUARD = 50, 1000  # digits checked, digits of working precision


# -- references ---------------------------------------------------------------------------
def _mp(x) -> mpmath.mpf:
    return mpmath.mpf(float(x))  # exactly the number the kernel holds


def working_digits(*args) -> int:
    """Digits enough for the slides' formulas at these arguments: the worst cancellation,
    1 − tanh(z)² = 4e^−2|z|, loses 2|z|/ln 10 digits."""
    bound = max([abs(float(a)) for a in args] + [1.0])
    return min(GUARD, DIGITS + 20 + math.ceil(2 * bound / math.log(10)))


def reference(f, *args, dps: int | None = None) -> list:
    """f(*args) by mpmath, confirmed to DIGITS digits with 100 more digits of working precision."""
    values = []
    digits = dps or working_digits(*args)
    for working in (digits, digits + 100):
        with mpmath.workdps(working):
            out = f(*[_mp(a) for a in args])
            values.append([mpmath.mpf(v) for v in (out if isinstance(out, list | tuple) else [out])])
    low, high = values
    for a, b in zip(low, high, strict=True):
        assert mpmath.almosteq(a, b, rel_eps=mpmath.mpf(10) ** -DIGITS,
                               abs_eps=mpmath.mpf(10) ** -(GUARD - 60)), (f, args, a, b)
    return low


def _logaddexp(a, b):
    return mpmath.log(mpmath.exp(a) + mpmath.exp(b))  # its definition: mpmath cannot overflow


def mpmath_function(args, exprs):
    """The expressions as one mpmath function of ``args`` (compiled once per test session)."""
    return _lambdified(tuple(args), tuple(exprs) if isinstance(exprs, list) else exprs)


@functools.cache
def _lambdified(args, exprs):
    body = list(exprs) if isinstance(exprs, tuple) else exprs
    return sympy.lambdify(args, body, modules=[{"logaddexp": _logaddexp}, "mpmath"], cse=True)


def rounding_floor(F, h_value: float, dtype: str, **values) -> float:
    """How far F (tutor's formula in the cached h) moves when h moves by its rounding, 4εh."""
    if F is None or not F.has(h):
        return 0.0
    f = mpmath_function([h, *values], F)
    e = 4 * numpy.finfo(dtype).eps

    def spread(hv, *rest):
        centre = f(hv, *rest)
        return max(abs(f(hv * (1 + s * e), *rest) - centre) for s in (-1, 1))

    with mpmath.workdps(DIGITS + 20):
        return float(spread(_mp(h_value), *[_mp(v) for v in values.values()]))


def assert_close(got, want, dtype, floor=0.0, what=""):
    """|got − want| ≤ 16ε|want| + max(floor, 16 × smallest normal), element by element: values
    below the normal range (a logistic unit at z = −1000 is 5.6e−309 in a kernel, e^−1000 in
    truth) count as zero."""
    got = numpy.asarray(got, dtype=numpy.float64)
    want = numpy.asarray([float(w) for w in numpy.ravel(want)]).reshape(got.shape)
    assert numpy.all(numpy.isfinite(got)), f"{what}: not finite: {got}"
    info = numpy.finfo(dtype)
    tolerance = 16 * info.eps * numpy.abs(want) + numpy.maximum(floor, 16 * info.smallest_normal)
    bad = numpy.abs(got - want) > tolerance
    tally("values checked against mpmath (50 digits)", got.size, int(bad.sum()))
    assert not bad.any(), (
        f"{what} ({dtype}): " + "; ".join(
            f"[{i}] tutor {g!r}, mpmath {w!r}, allowed {t:.3g}"
            for i, (g, w, t) in enumerate(zip(got.ravel(), want.ravel(),
                                              numpy.broadcast_to(tolerance, got.shape).ravel(),
                                              strict=True)) if bad.ravel()[i]))


def strict(kernel_call, *args):
    """A kernel call that may not overflow, divide by zero or make a NaN (underflow is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with numpy.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            out = kernel_call(*args)
    tally("kernel calls with overflow, divide and invalid raising", 1)
    return out


def grid(dtype, points=GRID) -> numpy.ndarray:
    return numpy.asarray(points, dtype=dtype)  # 1e-8 as float32 is 9.99999994e-9: checked as such


ROWS = pytest.mark.parametrize("row", ACTIVATIONS, ids=[r.name for r in ACTIVATIONS])
TYPES = pytest.mark.parametrize("dtype", DTYPES)


# -- the table itself ---------------------------------------------------------------------
@ROWS
def test_each_numeric_form_is_its_expression_at_every_z(row):
    """The stable form the kernels print is the learner's G, to 50 digits, |z| ≤ 1000."""
    same = mpmath_function([z], [row.numeric_expr(), row.expr])
    for value in GRID:
        numeric, exact = reference(same, value)
        assert mpmath.almosteq(numeric, exact, rel_eps=mpmath.mpf(10) ** -DIGITS,
                               abs_eps=mpmath.mpf(10) ** -(GUARD - 60)), (row.name, value)
    tally("values checked against mpmath (50 digits)", len(GRID))


@ROWS
@TYPES
def test_the_numeric_form_as_numpy_code_is_accurate(row, dtype):
    """``numeric_expr()`` through lambdify, as lesson 03 plots it: finite, accurate, same dtype."""
    G = sympy.lambdify(z, row.numeric_expr(), "numpy")
    zs = grid(dtype)
    got = strict(lambda: numpy.broadcast_to(G(zs), zs.shape))
    assert got.dtype == numpy.dtype(dtype)
    exact = mpmath_function([z], row.expr)
    assert_close(got, [reference(exact, v)[0] for v in zs], dtype, what=f"{row.name}(z)")


# -- G and G′ as kernels compute them -----------------------------------------------------
@ROWS
@TYPES
def test_activation_values_from_a_kernels_predictions(row, dtype):
    """h = G(α + xβ) with α = 0, β = 1 and x on the grid: predict gives G(z) itself."""
    assert_predictions_are_g(row, dtype, what=f"{row.name}(z)")


def assert_predictions_are_g(act, dtype, what):
    """A neuron with α = 0, β = 1 predicts G(z) at every z of the grid, to mpmath's value."""
    zs = grid(dtype)
    got = strict(tutor.neuron(1, activation=act).compile(dtype=dtype).predict,
                 numpy.array([0.0, 1.0]), zs.reshape(-1, 1))
    assert got.dtype == numpy.dtype(dtype)
    exact = mpmath_function([z], act.expr)
    assert_close(got, [reference(exact, v)[0] for v in zs], dtype, what=what)


@ROWS
@TYPES
def test_hidden_layer_values_and_slopes(row, dtype):
    """A hidden layer of one neuron per grid point: ∂c/∂β₂ = δ₂ h₁ and ∂c/∂α₁ = δ₂ β₂ G′(z₁).

    With x = 0, α₁ = z, β₂ = 1 and ŷ far from y, δ₂ = ∂c/∂α₂ is large and positive, and the
    ratios give G(z) and G′(z) as back-propagation computes them, each to an ulp or two.
    """
    zs = grid(dtype)
    N = zs.size
    net = tutor.mlp([1, N, 1], activation=row)
    kernel = net.compile(dtype=dtype)
    theta = net.pack([(zs.astype(float), numpy.zeros((N, 1))), (numpy.zeros(1), numpy.ones((1, N)))])
    loss, grad = strict(kernel, theta, numpy.zeros((1, 1)), numpy.array([-1e4]))
    assert grad.dtype == numpy.dtype(dtype) and loss.dtype == numpy.dtype(dtype)
    grad = grad.astype(numpy.float64)
    delta = grad[2 * N]  # ∂c/∂α₂ = δ₂
    assert delta > 1e4
    G, dG = grad[2 * N + 1:] / delta, grad[:N] / delta
    exact = mpmath_function([z], [row.expr, row.derivative])
    refs = [reference(exact, v) for v in zs]
    assert_close(G, [r[0] for r in refs], dtype, what=f"hidden {row.name}(z)")
    in_h = row.derivative_in_h()
    floors = [rounding_floor(in_h, float(r[0]), dtype) for r in refs]
    assert_close(dG, [r[1] for r in refs], dtype, floor=numpy.array(floors),
                 what=f"hidden {row.name}′(z)")


@ROWS
@TYPES
@pytest.mark.parametrize("target", [0.0, 1.0, -2.0])
def test_output_layer_squared_error_value_and_slope(row, dtype, target):
    """One output per grid point, c = Σ_k (y − G(z_k))²: c and ∂c/∂α_k = 2(G − y) G′(z_k)."""
    zs = grid(dtype)
    N = zs.size
    net = tutor.mlp([1, N], output=row, loss="squared_error")
    kernel = net.compile(dtype=dtype)
    theta = net.pack([(zs.astype(float), numpy.zeros((N, 1)))])
    Y = numpy.full((1, N), target)
    loss, grad = strict(kernel, theta, numpy.zeros((1, 1)), Y)
    assert grad.dtype == numpy.dtype(dtype) and loss.dtype == numpy.dtype(dtype)
    y = sympy.Symbol("y")
    exact = mpmath_function([z, y], [row.expr, (y - row.expr) ** 2,  # ReLU′(0) = 0, as tutor's
                                      zero_slope_at_kinks(sympy.diff((y - row.expr) ** 2, z))])
    refs = [reference(exact, v, target) for v in zs]
    in_h = row.derivative_in_h()
    delta_in_h = None if in_h is None else 2 * (h - y) * in_h
    floors = [rounding_floor(delta_in_h, float(r[0]), dtype, y=target) for r in refs]
    assert_close(grad[:N], [r[2] for r in refs], dtype, floor=numpy.array(floors),
                 what=f"∂c/∂α for output {row.name}, y = {target}")
    # (y − ŷ)² is computed from the rounded ŷ too: at y = 1 and z = 3, 1 − ŷ carries ŷ's ulp
    total = mpmath.fsum(r[1] for r in refs)
    floor = sum(rounding_floor((y - h) ** 2, float(r[0]), dtype, y=target) for r in refs)
    assert_close(loss, [total], dtype, floor=floor,
                 what=f"squared error of output {row.name}, y = {target}")


# -- the losses on tiny networks ----------------------------------------------------------
@functools.cache
def _network_reference(sizes, hidden, output, loss):
    net = tutor.mlp(list(sizes), activation=hidden, output=output, loss=loss)
    symbols = [*net.parameters, *net.inputs, *net.targets]
    return mpmath_function(symbols, [net.loss, *[zero_slope_at_kinks(sympy.diff(net.loss, p))
                                                 for p in net.parameters]])


def network_reference(net):
    """The network's one-sample loss and its gradient, from the slides' formulas, by mpmath."""
    hidden = tuple(layer.activation.name for layer in net.layers[:-1])
    return _network_reference(net.sizes, hidden, net.output.name, net.loss_row.name)


@TYPES
def test_binary_cross_entropy_at_huge_z_and_targets_0_and_1(dtype):
    """Logistic regression, one sample at a time and all together: z on the grid, y = 0 and 1.

    log ŷ and log(1 − ŷ) are written through z (no log 0 at z = ±1000), and δ = ŷ − y.
    The loss must be right to every digit (at z = 40, y = 1 it is log(1 + e^−40) = 4.2e−18);
    δ is computed from the rounded ŷ, so it is right to 4ε|ŷ| (PyTorch's is the same).
    """
    net = tutor.logistic_regression(1)
    kernel = net.compile(dtype=dtype)
    exact = network_reference(net)
    zs = grid(dtype)
    theta = numpy.array([0.0, 1.0])  # z = x
    losses, grads, floors = [], [], []
    for value in zs:
        for target in (0.0, 1.0):
            loss, grad = strict(kernel, theta, numpy.array([[value]]), numpy.array([target]))
            assert loss.dtype == grad.dtype == numpy.dtype(dtype)
            ref = reference(exact, *theta, value, target)
            yhat = float(mpmath.exp(-mpmath.log1p(mpmath.exp(-_mp(value)))))
            # ŷ below the normal range counts as zero (see assert_close), and δx scales it by x
            floor = 4 * numpy.finfo(dtype).eps * yhat + 16 * numpy.finfo(dtype).smallest_normal
            what = f"z = {value}, y = {target}"
            assert_close(loss, ref[:1], dtype, what=f"cross-entropy at {what}")
            assert_close(grad, ref[1:], dtype, floor=numpy.array([floor, floor * abs(value)]),
                         what=f"its gradient at {what}")
            losses.append(ref[0])
            grads.append(ref[1:])
            floors.append([floor, floor * abs(value)])
    # the same samples in one batch: the mean of the losses and of the gradients
    X = numpy.repeat(zs, 2).reshape(-1, 1)
    Y = numpy.tile([0.0, 1.0], zs.size)
    loss, grad = strict(kernel, theta, X, Y)
    n = len(Y)
    assert_close(loss, [mpmath.fsum(losses) / n], dtype, what="mean cross-entropy")
    mean_grad = [mpmath.fsum(g[j] for g in grads) / n for j in range(2)]
    # a mean of terms of both signs: rounding is relative to the terms, not to their sum
    scale = numpy.array([sum(abs(float(g[j])) + f[j] for g, f in zip(grads, floors, strict=True))
                         for j in range(2)]) / n
    assert_close(grad, mean_grad, dtype, floor=8 * numpy.finfo(dtype).eps * scale,
                 what="mean gradient")


SOFTMAX_CASES = [  # z for three classes, and the true class
    ((-1000.0, 1000.0, 1000.0), 0),  # the right class far below the others: c = 2000 + log 2
    ((-1000.0, 1000.0, 1000.0), 1),
    ((1000.0, -1000.0, 0.0), 0),  # right and sure: c = e^−1000, underflows to 0
    ((1000.0, -1000.0, 0.0), 1),  # wrong and sure: c = 2000
    ((1000.0, -1000.0, 0.0), 2),
    ((-1000.0, -1000.0, -1000.0), 2),  # all equally far down: ŷ = 1/3 each
    ((710.0, 710.0, -710.0), 2),
    ((40.0, 0.0, -40.0), 0),
    ((40.0, 0.0, -40.0), 2),
    ((89.0, 88.0, -104.0), 1),
    ((0.0, 0.0, 0.0), 1),
    ((1e-8, 0.0, -1e-8), 0),
]


@TYPES
def test_softmax_cross_entropy_with_one_hot_targets_at_huge_z(dtype):
    """Softmax regression, z = α + βx with x = 1, β = 0: loss and all six slopes per case.

    log ŷ = z − max z − log Σ e^(z − max z): no overflow and no 0 · log 0 for the classes a
    one-hot y does not pick; δ = ŷ − y, right to 4ε|ŷ|.
    """
    net = tutor.mlp([1, 3], output="softmax", loss="cross_entropy")
    kernel = net.compile(dtype=dtype)
    exact = network_reference(net)
    eps = numpy.finfo(dtype).eps
    for zs, right in SOFTMAX_CASES:
        zs = numpy.asarray(zs, dtype=dtype).astype(float)
        y = numpy.eye(3)[right]
        theta = net.pack([(zs, numpy.zeros((3, 1)))])
        loss, grad = strict(kernel, theta, numpy.ones((1, 1)), y.reshape(1, 3))
        assert loss.dtype == grad.dtype == numpy.dtype(dtype)
        ref = reference(exact, *theta, 1.0, *y)
        with mpmath.workdps(DIGITS + 20):
            es = [mpmath.exp(_mp(v)) for v in zs]
            yhat = numpy.array([float(e / mpmath.fsum(es)) for e in es])
        floor = numpy.tile(4 * eps * yhat, 2) + 4 * eps * numpy.tile(yhat, 2).max() * (yhat.max() < 1)
        what = f"z = {tuple(zs)}, class {right + 1}"
        assert_close(loss, ref[:1], dtype, what=f"softmax cross-entropy at {what}")
        assert_close(grad, ref[1:], dtype, floor=floor, what=f"its gradient at {what}")


@TYPES
@pytest.mark.parametrize("output", ["identity", "logistic", "tanh", "softplus"])
def test_squared_error_with_targets_0_and_1_at_huge_z(dtype, output):
    """A neuron with squared error: c = (y − G(α + xβ))², y = 0 or 1, z = x on the grid."""
    net = tutor.neuron(1, activation=output, loss="squared_error")
    kernel = net.compile(dtype=dtype)
    exact = network_reference(net)
    in_h = net.output.derivative_in_h()
    y = sympy.Symbol("y")
    delta_in_h = 2 * (h - y) * in_h
    G = mpmath_function([z], net.output.expr)
    theta = numpy.array([0.0, 1.0])
    for value in grid(dtype, EDGES):
        for target in (0.0, 1.0):
            loss, grad = strict(kernel, theta, numpy.array([[value]]), numpy.array([target]))
            assert loss.dtype == grad.dtype == numpy.dtype(dtype)
            ref = reference(exact, *theta, value, target)
            yhat = float(reference(G, value)[0])
            # δ below the normal range counts as zero (see assert_close), and δx scales it by x
            floor = (rounding_floor(delta_in_h, yhat, dtype, y=target)
                     + 16 * numpy.finfo(dtype).smallest_normal)
            what = f"{output}, z = {value}, y = {target}"
            assert_close(loss, ref[:1], dtype, floor=rounding_floor((y - h) ** 2, yhat, dtype, y=target),
                         what=f"squared error at {what}")
            assert_close(grad, ref[1:], dtype, floor=numpy.array([floor, floor * abs(value)]),
                         what=f"its gradient at {what}")


@TYPES
@pytest.mark.parametrize("hidden,output,loss", [
    ("tanh", "logistic", "cross_entropy"),
    ("logistic", "softmax", "cross_entropy"),
    ("softplus", "identity", "squared_error"),
    ("relu", "logistic", "cross_entropy"),
])
def test_a_two_layer_network_saturated_everywhere(dtype, hidden, output, loss):
    """Hidden pre-activations at ±1000 and ±40, outputs pushed far out (z₂ = ±17 and beyond).

    The loss is checked to 16ε. The gradient is checked to 16ε of the size of what
    back-propagation multiplies and adds: δ₂ = ŷ − y is ŷ's rounding away from exact, so the
    floor is 16ε(|ŷ| + |y|)·max(1, |β₂|)·max(1, |x|, |h₁|), the accuracy it can promise.
    """
    m = 2 if output == "softmax" else 1
    net = tutor.mlp([1, 2, m], activation=hidden, output=output, loss=loss)
    kernel = net.compile(dtype=dtype)
    exact = network_reference(net)
    alpha1 = numpy.array([1000.0, -40.0])
    beta1 = numpy.array([[1.0], [-1000.0]])  # z₁ = (1000 + x, −40 − 1000x): ±1000 and ±40
    beta2 = numpy.array([[17.0, -10.0], [-17.0, 5.0]])[:m]
    if hidden in ("relu", "softplus"):  # h₁ up to 1001: keep z₂ within ±1000 all the same
        beta2 = beta2 / 20
    theta = net.pack([(alpha1, beta1), (numpy.zeros(m), beta2)])
    theta = theta.astype(dtype).astype(float)
    for x in (0.0, 1.0, -1.0):
        for cls in range(2):
            Y = numpy.eye(2)[cls][:m] if m == 2 else numpy.array([float(cls)])
            got_loss, got_grad = strict(kernel, theta, numpy.array([[x]]), Y.reshape(1, -1))
            ref = reference(exact, *theta, x, *Y, dps=GUARD)
            assert_close(got_loss, ref[:1], dtype, what=f"{net.describe()} loss at x = {x}")
            yhat = kernel.predict(theta, numpy.array([[x]])).astype(float)
            scale = ((numpy.abs(yhat).max() + numpy.abs(Y).max()) * max(1.0, numpy.abs(beta2).max())
                     * max(1.0, abs(x)))
            assert_close(got_grad, ref[1:], dtype, floor=16 * numpy.finfo(dtype).eps * scale,
                         what=f"{net.describe()} gradient at x = {x}, y = {Y}")


@TYPES
def test_float32_kernels_stay_float32_end_to_end(dtype):
    """No float64 sneaks into a float32 kernel: the loss, gradient and predictions keep it."""
    for act, out, loss in [("logistic", "logistic", "cross_entropy"),
                           ("tanh", "softmax", "cross_entropy"),
                           ("softplus", "identity", "squared_error"),
                           ("relu", "tanh", "squared_error")]:
        net = tutor.mlp([2, 3, 2 if out == "softmax" else 1], activation=act, output=out, loss=loss)
        kernel = net.compile(dtype=dtype)
        X, Y = tutor.datasets.toy(net, n=5, seed=1)
        value, grad = strict(kernel, net.init(seed=2) * 300, X * 300, Y)
        assert value.dtype == grad.dtype == kernel.predict(net.init(), X).dtype == numpy.dtype(dtype)
        assert numpy.isfinite(value) and numpy.all(numpy.isfinite(grad))


@TYPES
@pytest.mark.parametrize("text,row", [("exp(z)/(1 + exp(z))", "logistic"),
                                      ("1/(1 + exp(-t))", "logistic"),
                                      ("log(1 + exp(z))", "softplus")])
def test_a_typed_formula_of_a_table_function_computes_with_its_stable_form(dtype, text, row):
    """The slides' eᶻ/(1 + eᶻ) typed as a formula was NaN at z = 1000 (inf/inf), 1/(1 + e^−z)
    overflowed at z = −1000 and log(1 + eᶻ) was inf: they now compute as the table's row does,
    and still read as typed."""
    from tutor.parser import parse_activation

    typed = parse_activation(text)
    act = tutor.activation(typed)
    assert act.expr == typed(z) and act.numeric_expr() == tutor.activation(row).numeric_expr()
    assert_predictions_are_g(act, dtype, what=f"{text} at z")
    net = tutor.mlp([1, 2, 1], activation=act)
    theta = net.pack([(numpy.array([-1000.0, 1000.0]), numpy.ones((2, 1))),
                      (numpy.zeros(1), numpy.ones((1, 2)))])
    loss, grad = strict(net.compile(dtype=dtype), theta, numpy.zeros((1, 1)), numpy.zeros(1))
    assert numpy.isfinite(loss) and numpy.all(numpy.isfinite(grad))


@TYPES
@pytest.mark.parametrize("text,row,inner", [("1/(1 + exp(-2*z))", "logistic", 2 * z),
                                            ("1/(1 + exp(1 - 3*z))", "logistic", 3 * z - 1),
                                            ("log(1 + exp(z/2))", "softplus", z / 2)])
def test_a_table_function_of_a_scaled_z_computes_with_its_stable_form(dtype, text, row, inner):
    """1/(1 + e^(−2z)) is the logistic of 2z: as typed it overflowed at z = −1000; it now
    computes as the table's stable form applied to 2z, and its G′ is still through h."""
    from tutor.parser import parse_activation

    act = tutor.activation(parse_activation(text))
    assert act.numeric_expr() == tutor.activation(row).numeric_expr().subs(z, inner)
    assert act.derivative_in_h() is not None
    assert_predictions_are_g(act, dtype, what=f"{text} at z")


@pytest.mark.parametrize("text", ["1/(1 + exp(-z^2))", "2/(1 + exp(-z))", "log(2 + exp(z))"])
def test_a_formula_that_is_no_table_function_of_an_affine_z_keeps_its_own_form(text):
    from tutor.parser import parse_activation

    act = tutor.activation(parse_activation(text))
    assert act.numeric is None and act.kernel is None


# -- float32 overflow inside a kernel -----------------------------------------------------
def overflowing_net():
    """1-1-1, identity then tanh: z₁ = 1e20·1e20 = 1e40, past float32's 3.4e38, so z₁ = inf;
    z₂ = 1e−10·z₁ − 2e30 is −1e30 in truth (ŷ = −1) but inf in float32 (ŷ = +1)."""
    net = tutor.mlp([1, 1, 1], activation="identity", output="tanh")
    theta = numpy.array([0.0, 1e20, -2e30, 1e-10])  # α₁, β₁, α₂, β₂
    return net, theta, numpy.array([[1e20]]), numpy.array([0.5])


def test_a_float32_overflow_is_an_error_not_a_finite_wrong_loss():
    net, theta, X, Y = overflowing_net()
    loss64, _ = net.compile()(theta, X, Y)
    assert float(loss64) == pytest.approx(2.25)  # (0.5 − (−1))²: what float32 would give as 0.25
    kernel = net.compile(dtype="float32")
    for f in (kernel, kernel.readable):
        with numpy.errstate(all="ignore"):  # as descend runs it: no warning says anything
            with pytest.raises(tutor.KernelInputError, match="layer 1's pre-activations z_1 "
                               "overflowed float32") as caught:
                f(theta, X, Y)
            with pytest.raises(tutor.KernelInputError, match="layer 1"):
                f.predict(theta, X)
        message = str(caught.value)
        assert "float64" in message and "smaller weights or inputs" in message
        assert isinstance(caught.value, tutor.kernel.KernelOverflowError)
        assert caught.value.layer == 1


def test_a_float32_sum_that_overflows_over_finite_values_is_no_error():
    """z₁ = (3e38, 3e38): each finite, their sum inf. The cheap check (the sum) is confirmed
    element by element before anything is raised."""
    net = tutor.mlp([1, 2, 1], activation="identity")
    theta = numpy.array([0.0, 0.0, 3e38, 3e38, 0.5, 1e-38, -1e-38])
    with numpy.errstate(all="ignore"):
        loss, grad = net.compile(dtype="float32")(theta, [[1.0]], [0.5])
    assert float(loss) == 0.0 and numpy.all(numpy.isfinite(grad))


def test_nan_in_x_is_still_blamed_on_x_in_a_float32_kernel():
    net, theta, X, Y = overflowing_net()
    with numpy.errstate(all="ignore"), pytest.raises(tutor.KernelInputError, match="X holds NaN"):
        net.compile(dtype="float32")(theta, [[numpy.nan]], Y)
