"""Networks: names in the slides' notation, θ's layout, and kernels that agree with finite
differences and with SymPy's own per-weight derivative."""

import numpy
import pytest
import sympy
from figures import tally
from hypothesis import given, settings
from hypothesis import strategies as st

import tutor
from tutor import datasets


def test_parameters_follow_the_slides_notation_in_theta_order():
    net = tutor.mlp([2, 2, 1])
    assert [p.name for p in net.parameters] == [
        "alpha_1^(1)", "alpha_1^(2)", "beta_1^(1,1)", "beta_1^(1,2)", "beta_1^(2,1)",
        "beta_1^(2,2)", "alpha_2^(1)", "beta_2^(1,1)", "beta_2^(1,2)"]
    assert [str(x) for x in net.inputs] == ["x_1", "x_2"] and [str(y) for y in net.targets] == ["y"]
    assert [str(y) for y in tutor.mlp([2, 3, 2]).targets] == ["y_1", "y_2"]


def test_regressions_use_alpha_and_betas_in_statsmodels_order():
    assert [p.name for p in tutor.linear_regression(3).parameters] == ["alpha", "beta_1", "beta_2",
                                                                       "beta_3"]
    logit = tutor.logistic_regression(2)
    assert logit.output.name == "logistic" and logit.loss_row.name == "cross_entropy"
    assert tutor.neuron(2, activation="tanh").output.name == "tanh"


def test_names_print_readably_in_unicode_and_latex():
    beta = tutor.mlp([2, 2, 1]).parameter("beta_1^(1,2)")
    assert tutor.unicode(beta) == "β₁^(1,2)"
    assert tutor.latex(beta) == r"\beta_{1}^{(1,2)}"
    assert sympy.pretty(beta) == "β₁^(1,2)"
    assert "__" not in sympy.pretty(tutor.mlp([2, 2, 1]).loss)


def test_unpack_gives_per_layer_alpha_and_beta_and_pack_inverts_it():
    net = tutor.mlp([3, 4, 2])
    theta = numpy.arange(len(net.parameters), dtype=float)
    (a1, b1), (a2, b2) = net.unpack(theta)
    assert a1.shape == (4,) and b1.shape == (4, 3) and a2.shape == (2,) and b2.shape == (2, 4)
    assert b1[1, 2] == theta[net.parameters.index(net.parameter("beta_1^(2,3)"))]
    assert numpy.array_equal(net.pack(net.unpack(theta)), theta)
    with pytest.raises(ValueError, match="flat vector of 26"):
        net.unpack(numpy.zeros(5))


def test_loss_is_one_samples_expression_for_the_slides_model():
    net = tutor.linear_regression(1)
    alpha, beta = net.parameters
    assert sympy.expand(net.loss - (net.targets[0] - alpha - beta * net.inputs[0]) ** 2) == 0


def test_a_2_16_16_3_softmax_network_passes_gradcheck():
    net = tutor.mlp([2, 16, 16, 3], activation="tanh", output="softmax", loss="cross_entropy")
    X, Y = datasets.toy(net, n=40, seed=1)
    report = tutor.gradcheck(net.compile(), net.init(seed=0), X, Y)
    assert report.ok, str(report)
    assert len(report.rows) == len(net.parameters) == 371


def test_gradcheck_fails_loudly_on_a_gradient_wrong_by_one_percent():
    net = tutor.mlp([2, 16, 16, 3], activation="tanh", output="softmax", loss="cross_entropy")
    kernel = net.compile()
    X, Y = datasets.toy(net, n=40, seed=1)

    def wrong(theta, X, Y):
        loss, grad = kernel(theta, X, Y)
        return loss, grad * 1.01

    report = tutor.gradcheck(wrong, net.init(seed=0), X, Y, names=net.parameters)
    assert not report.ok and len(report.failures) > 100
    with pytest.raises(AssertionError, match="FAILED"):
        report.raise_if_failed()


ACTIVATIONS = ["logistic", "tanh", "identity", "softplus", "relu"]
HEADS = [("identity", "squared_error"), ("logistic", "squared_error"),
         ("logistic", "cross_entropy"), ("softmax", "cross_entropy"), ("softmax", "squared_error"),
         ("tanh", "squared_error")]


random_networks = dict(
    widths=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    k=st.integers(1, 4),
    m=st.integers(1, 3),
    acts=st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3),
    head=st.sampled_from(HEADS),
    seed=st.integers(0, 2**16),
)


def _check_against_finite_differences(widths, k, m, acts, head, seed):
    output, loss = head
    if output == "softmax":
        m = max(m, 2)
    net = tutor.mlp([k, *widths, m], activation=acts[:len(widths)], output=output, loss=loss)
    X, Y = datasets.toy(net, n=7, seed=seed)
    theta = net.init(seed=seed) + numpy.random.default_rng(seed).normal(0, 0.3, len(net.parameters))
    report = tutor.gradcheck(net.compile(), theta, X, Y)
    tally("random networks checked against finite differences", failures=0 if report.ok else 1)
    assert report.ok, str(report)


@settings(max_examples=40, deadline=None)
@given(**random_networks)
def test_random_networks_match_finite_differences(widths, k, m, acts, head, seed):
    _check_against_finite_differences(widths, k, m, acts, head, seed)


@pytest.mark.fuzz
@settings(max_examples=2000, deadline=None)
@given(**random_networks)
def test_many_more_random_networks_match_finite_differences(widths, k, m, acts, head, seed):
    _check_against_finite_differences(widths, k, m, acts, head, seed)


@pytest.mark.parametrize("sizes,act,out,loss", [
    ([2, 2, 1], "logistic", "identity", "squared_error"),
    ([2, 3, 2], "tanh", "softmax", "cross_entropy"),
    ([1, 2, 2, 1], "softplus", "logistic", "cross_entropy"),
])
def test_kernel_agrees_with_sympys_per_weight_derivative(sizes, act, out, loss):
    """The per-weight scalar expansion (for display) and the layer-wise kernel agree."""
    net = tutor.mlp(sizes, activation=act, output=out, loss=loss)
    X, Y = datasets.toy(net, n=5, seed=3)
    theta = net.init(seed=2) + 0.1
    loss_value, grad = net.compile()(theta, X, Y)
    symbols = [*net.parameters, *net.inputs, *net.targets]
    per_weight = sympy.lambdify(symbols, [net.loss, *[sympy.diff(net.loss, p) for p in net.parameters]])
    Y2 = Y.reshape(len(X), -1)
    values = numpy.array([per_weight(*theta, *X[i], *Y2[i]) for i in range(len(X))]).mean(axis=0)
    assert loss_value == pytest.approx(values[0], rel=1e-12)
    numpy.testing.assert_allclose(grad, values[1:], rtol=1e-10, atol=1e-13)


def test_derivation_result_matches_the_kernel_for_every_parameter():
    net = tutor.mlp([2, 2, 2], activation="tanh", output="softmax", loss="cross_entropy")
    X, Y = datasets.toy(net, n=1, seed=4)
    theta = net.init(seed=1) + 0.2
    _, grad = net.compile()(theta, X, Y)
    symbols = [*net.parameters, *net.inputs, *net.targets]
    for index, p in enumerate(net.parameters):
        f = sympy.lambdify(symbols, net.derivation(p).result)
        assert f(*theta, *X[0], *Y[0]) == pytest.approx(grad[index], rel=1e-10, abs=1e-14)


def test_float32_kernels_compute_in_float32():
    net = tutor.mlp([2, 8, 1])
    X, Y = datasets.toy(net, n=16)
    loss32, grad32 = net.compile(dtype="float32")(net.init(), X, Y)
    loss64, grad64 = net.compile()(net.init(), X, Y)
    assert grad32.dtype == numpy.float32
    numpy.testing.assert_allclose(grad32, grad64, rtol=1e-4, atol=1e-6)
    assert tutor.gradcheck(net.compile(dtype="float32"), net.init(), X, Y).ok


def test_the_cupy_code_path_runs_on_array_api_strict():
    """array_api_strict stands in for CuPy: no NumPy-only function may appear in a kernel."""
    xp = pytest.importorskip("array_api_strict")
    for sizes, act, out, loss in [([2, 4, 3], "relu", "softmax", "cross_entropy"),
                                  ([2, 4, 1], "softplus", "logistic", "cross_entropy"),
                                  ([3, 4, 4, 2], "logistic", "identity", "squared_error")]:
        net = tutor.mlp(sizes, activation=act, output=out, loss=loss)
        X, Y = datasets.toy(net, n=6, seed=5)
        theta = net.init(seed=1)
        strict = net.compile(backend=xp)
        loss_s, grad_s = strict(xp.asarray(theta), xp.asarray(X), xp.asarray(Y))
        loss_n, grad_n = net.compile()(theta, X, Y)
        numpy.testing.assert_allclose(numpy.from_dlpack(grad_s), grad_n, rtol=1e-12, atol=1e-15)
        assert float(loss_s) == pytest.approx(float(loss_n), rel=1e-12)
        assert strict.predict(xp.asarray(theta), xp.asarray(X)).shape[0] == 6


def test_expression_models_run_on_array_api_strict_too():
    xp = pytest.importorskip("array_api_strict")
    a, b, x = sympy.symbols("a b x")
    m = tutor.model(a * sympy.tanh(b * x) + sympy.Max(0, x - a), [a, b], [x])
    X, Y = datasets.toy(m, n=5)
    loss_s, grad_s = m.compile(backend=xp)(xp.asarray([0.3, -0.4]), xp.asarray(X), xp.asarray(Y))
    loss_n, grad_n = m.compile()([0.3, -0.4], X, Y)
    numpy.testing.assert_allclose(numpy.from_dlpack(grad_s), grad_n, rtol=1e-12)


def test_asking_for_cupy_without_a_gpu_is_a_clear_error():
    if tutor.gpu_available():
        pytest.skip("a GPU is here: the CuPy backend is tested for real in test_gpu.py")
    with pytest.raises(tutor.BackendError, match="backend='numpy'"):
        tutor.mlp([2, 2, 1]).compile(backend="cupy")
    assert tutor.mlp([2, 2, 1]).compile(backend="auto").backend.name == "numpy"


def test_kernel_fast_source_is_back_propagation_in_place():
    source = tutor.mlp([2, 2, 1]).compile().fast_source
    for line in ("z_1 = X @ beta_1.T",
                 "xp.subtract(-alpha_1, h_1, out=h_1)",  # −z = −α − hβ, one pass for both
                 "z_2 += alpha_2", "delta_2 =",
                 "delta_1 = delta_2 @ beta_2", "× logistic′(z) = h_1*(1 - h_1)",
                 "delta_1 *= h_1"):
        assert line in source
    assert "numpy." not in source and "select" not in source


def test_kernel_source_is_back_propagation_one_equation_a_line():
    kernel = tutor.mlp([2, 2, 1]).compile()
    source = kernel.source
    lines = [line.split("  #")[0].strip() for line in source.splitlines()]
    for line in ("z_1 = X @ beta_1.T + alpha_1",
                 "h_1 = 1/(xp.exp(xp.minimum(exp_cap, -z_1)) + 1)",  # the capped e^−z, as fast
                 "z_2 = h_1 @ beta_2.T + alpha_2", "h_2 = z_2",
                 "loss = xp.sum((Y - h_2)**2) / n",
                 "delta_2 = -2*(Y - h_2) / n",
                 "grad[6:7] = xp.sum(delta_2, axis=0)",
                 "grad[7:9] = xp.reshape(delta_2.T @ h_1, (-1,))",
                 "delta_1 = (delta_2 @ beta_2) * h_1*(1 - h_1)",  # G′ through h: h(1 − h)
                 "grad[2:6] = xp.reshape(delta_1.T @ X, (-1,))"):
        assert line in lines, line
    # one equation a line: nothing updated in place, nothing freed, no out= tricks
    for trick in ("+=", "-=", "*=", "/=", "out=", "del "):
        assert trick not in source, trick
    assert "# δ_1 = (δ_2 β_2) ⊙ logistic′(z_1)" in source and "∂c/∂β_2 = δ_2ᵀ h_1" in source
    assert source != kernel.fast_source and "def predict" in source


def test_the_readable_kernel_is_callable_and_an_expression_models_is_the_kernel():
    net = tutor.mlp([2, 3, 1], activation="tanh")
    kernel = net.compile()
    X, Y = datasets.toy(net, n=6, seed=2)
    theta = net.init(seed=1)
    loss, grad = kernel.readable(theta, X, Y)
    fast_loss, fast_grad = kernel(theta, X, Y)
    assert loss == pytest.approx(fast_loss, rel=1e-13)
    numpy.testing.assert_allclose(grad, fast_grad, rtol=1e-12, atol=1e-15)
    assert kernel.readable.source == kernel.readable.fast_source == kernel.source
    assert tutor.gradcheck(kernel.readable, theta, X, Y).ok
    a, x = sympy.symbols("a x")
    model_kernel = tutor.model(a * x, [a], [x]).compile()
    assert model_kernel.readable is model_kernel and model_kernel.source == model_kernel.fast_source


TYPED = sympy.Lambda(sympy.Symbol("t"), sympy.Symbol("t") / (1 + sympy.Abs(sympy.Symbol("t"))))
STABLE_TYPED = sympy.Lambda(sympy.Symbol("t"), 1 / (1 + sympy.exp(-2 * sympy.Symbol("t"))))
EQUAL_HEADS = [("identity", "squared_error"), ("logistic", "squared_error"),
               ("logistic", "cross_entropy"), ("softmax", "cross_entropy"),
               ("softmax", "squared_error")]


def _tolerance(dtype):
    return 1e-12 if dtype == "float64" else 2e-5


@settings(max_examples=60, deadline=None)
@given(widths=st.lists(st.integers(1, 5), min_size=0, max_size=3), k=st.integers(1, 3),
       m=st.integers(1, 3),
       acts=st.lists(st.sampled_from([*ACTIVATIONS, TYPED, STABLE_TYPED]), min_size=3, max_size=3),
       head=st.sampled_from(EQUAL_HEADS), dtype=st.sampled_from(["float64", "float32"]),
       seed=st.integers(0, 2**16))
def test_the_readable_and_the_fast_kernel_compute_the_same(widths, k, m, acts, head, dtype, seed):
    """What learners read is what runs: loss, gradient and predictions of kernel.readable
    (kernel.source) and of the kernel (kernel.fast_source) agree to rounding."""
    output, loss = head
    m = max(m, 2) if output == "softmax" else m
    net = tutor.mlp([k, *widths, m], activation=acts[:len(widths)], output=output, loss=loss)
    kernel = net.compile(dtype=dtype)
    X, Y = datasets.toy(net, n=9, seed=seed)
    theta = net.init(seed=seed) + numpy.random.default_rng(seed).normal(0, 0.5, len(net.parameters))
    tol = _tolerance(dtype)
    fast_loss, fast_grad = kernel(theta, X, Y)
    loss, grad = kernel.readable(theta, X, Y)
    assert float(loss) == pytest.approx(float(fast_loss), rel=tol, abs=tol)
    numpy.testing.assert_allclose(grad, fast_grad, rtol=tol,
                                  atol=tol * max(1.0, float(numpy.max(numpy.abs(fast_grad)))))
    numpy.testing.assert_allclose(kernel.readable.predict(theta, X), kernel.predict(theta, X),
                                  rtol=tol, atol=tol)
    assert grad.dtype == fast_grad.dtype == numpy.dtype(dtype)


@pytest.mark.parametrize("bad,match", [
    (dict(theta=numpy.zeros(3)), "θ must be a flat vector of 9"),
    (dict(X=numpy.zeros((4, 3))), r"X must have shape \(n, 2\)"),
    (dict(Y=numpy.zeros(5)), r"Y must have shape \(4,\)"),
    (dict(X=numpy.full((4, 2), numpy.nan)), "X holds NaN"),
])
def test_bad_arrays_get_clear_errors(bad, match):
    net = tutor.mlp([2, 2, 1])
    args = dict(theta=net.init(), X=numpy.ones((4, 2)), Y=numpy.ones(4)) | bad
    with pytest.raises(ValueError, match=match):
        net.compile()(args["theta"], args["X"], args["Y"])


@pytest.mark.parametrize("call,match", [
    (lambda: tutor.mlp([2]), "at least two positive integers"),
    (lambda: tutor.mlp([2, 0, 1]), "at least two positive integers"),
    (lambda: tutor.mlp([2, 2, 1], activation="swish"), "unknown activation 'swish'"),
    (lambda: tutor.mlp([2, 2, 1], loss="hinge"), "unknown loss 'hinge'"),
    (lambda: tutor.mlp([2, 2, 1], output="softmax"), "at least two outputs"),
    (lambda: tutor.mlp([2, 2, 1], output="identity", loss="cross_entropy"), "needs probabilities"),
    (lambda: tutor.mlp([2, 2, 2], activation="softmax"), "only be the output"),
    (lambda: tutor.mlp([2, 2, 2, 1], activation=["tanh"]), "1 activations for 2 hidden"),
    (lambda: tutor.mlp([2, 2, 1]).derivation("beta_9^(1,1)"), "no parameter called"),
    (lambda: tutor.mlp([2, 2, 1]).compile(dtype="float16"), "dtype must be"),
    (lambda: tutor.mlp([2, 2, 1]).compile(backend="jax"), "unknown backend"),
])
def test_bad_settings_get_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_expression_models_check_their_symbols():
    a, x, w = sympy.symbols("a x w")
    with pytest.raises(ValueError, match="neither a parameter nor an input"):
        tutor.model(a + w * x, parameters=[a], inputs=[x])
    with pytest.raises(TypeError, match="SymPy expression"):
        tutor.model("a + x", parameters=[a], inputs=[x])


def test_activation_table_rows_are_consistent():
    """Each row's stable numeric form is the same function as its expression."""
    z = tutor.activations.z
    for row in tutor.ACTIVATIONS:
        for value in (-30.0, -2.0, 0.3, 4.0, 30.0):
            exact = float(row.expr.subs(z, value).evalf(30))
            assert float(row.numeric_expr().subs(z, value).evalf(30)) == pytest.approx(exact, rel=1e-14)
    assert tutor.activation("sigmoid") is tutor.activation("logistic")


def test_an_activation_typed_as_text_is_the_lambda_it_reads_as():
    text = "1/(1+exp(-z))"
    typed, lam = tutor.activation(text), tutor.activation(tutor.parse_activation(text))
    assert typed.expr == lam.expr and typed.name == lam.name
    assert typed.numeric_expr() == lam.numeric_expr() != typed.expr  # the stable form
    assert typed.kernel_expr() == lam.kernel_expr() and typed.kernel_expr().has(tutor.activations.EXP_CAP)
    assert tutor.activation("z^3 - 40*z").expr == tutor.activations.z**3 - 40 * tutor.activations.z
    with pytest.raises(ValueError, match=r"unknown activation 'relux': choose one of logistic, "
                                         r"tanh, relu.*'1/\(1\+exp\(-z\)\)'"):
        tutor.activation("relux")


def test_a_typed_activation_at_a_huge_bias_descends_without_a_warning():
    """As the command line's --activation "1/(1+exp(-z))" with α₁^(1) = −800: the stable,
    capped form computes, where the typed one overflows e^800."""
    net = tutor.mlp([1, 2, 1], activation="1/(1+exp(-z))")
    kernel = net.compile()
    theta = net.init(seed=0)
    theta[net.parameters.index(net.parameter("alpha_1^(1)"))] = -800.0
    X, Y = datasets.toy(net, n=10, seed=1)
    with numpy.errstate(over="raise", divide="raise", invalid="raise"):  # e^−800 may underflow
        for f in (kernel, kernel.readable):
            loss, grad = f(theta, X, Y)
            assert numpy.isfinite(loss) and numpy.all(numpy.isfinite(grad))
            assert numpy.all(numpy.isfinite(f.predict(theta, X)))
    steps = list(tutor.descend(kernel, theta, X, Y, learning_rate=0.1, steps=2))
    assert len(steps) == 2 and all(numpy.isfinite(step.loss) for step in steps)


@pytest.mark.parametrize("text", ["z^3 - 40*z", "z^3", "z^2 - 3*z", "z^3 - 40*z + 1/(1+exp(-z))"])
def test_a_real_formula_whose_inverse_is_not_one_function_compiles_and_checks(text):
    """h = z³ − 40z has three real z for most h: G′ through h, from one root of a cubic, was
    complex (Cardano's I) and right only near the probe points, so the kernel failed to cast
    complex128 into float64. G′ stays in z there."""
    act = tutor.activation(text)
    in_h = act.derivative_in_h()
    assert in_h is None or not in_h.has(sympy.I)
    net = tutor.mlp([1, 3, 1], activation=text)
    X, Y = datasets.toy(net, n=8, seed=5)
    X = X * 4  # |z| past the probe points: where another root of the cubic is the one
    for f in (net.compile(), net.compile().readable):
        report = tutor.gradcheck(f, net.init(seed=3, scale=1.0), X, Y)
        assert report.ok, str(report)


def test_a_loss_typed_as_text_is_a_loss_named_by_its_text():
    from tutor.losses import loss, y, yhat

    typed = loss("(y - yhat)^2/2")
    assert typed.name == "(y - yhat)^2/2" and typed.term == (y - yhat) ** 2 / 2
    assert loss("mse").name == "squared_error" and loss("cross-entropy").name == "cross_entropy"
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*such as '\\(y - yhat\\)\\^2'"):
        loss("hinge")
    with pytest.raises(ValueError, match="does not use the prediction yhat"):
        loss("y^2")
    net = tutor.mlp([2, 2, 1], loss="(y - yhat)^2/2")
    X, Y = datasets.toy(net, n=5, seed=2)
    assert tutor.gradcheck(net.compile(), net.init(seed=1), X, Y).ok


def test_saturated_logistic_output_gives_finite_cross_entropy():
    """z = ±800 would be inf/inf in eᶻ/(1 + eᶻ); the kernel stays finite and exact."""
    net = tutor.logistic_regression(1)
    loss, grad = net.compile()(numpy.array([0.0, 800.0]), numpy.array([[1.0], [-1.0]]),
                               numpy.array([0.0, 1.0]))
    assert loss == pytest.approx(800.0) and numpy.all(numpy.isfinite(grad))


def test_backprop_equations_give_the_kernels_gradient():
    """δ_L from the loss, δ_l = G′(z_l)·Σ β δ_{l+1}, ∂c/∂β = δ·h: evaluated in order, by SymPy."""
    net = tutor.mlp([2, 3, 2], activation="tanh", output="softmax", loss="cross_entropy")
    X, Y = datasets.toy(net, n=1, seed=7)
    theta = net.init(seed=3) + 0.1
    values = dict(zip(net.parameters, theta, strict=True))
    values |= dict(zip(net.inputs, X[0], strict=True)) | dict(zip(net.targets, Y[0], strict=True))
    bp = net.backprop()
    for lhs, rhs in bp.equations:
        values[lhs] = float(rhs.subs(values).evalf(30))
    symbolic = [float(bp.gradient[p].subs(values)) for p in net.parameters]
    _, grad = net.compile()(theta, X, Y)
    numpy.testing.assert_allclose(symbolic, grad, rtol=1e-12, atol=1e-15)
    assert "δ₁^(1) = " in str(bp) and "∂c/∂β₁^(1,2) = δ₁^(1)·x₂" in str(bp)


def test_a_relu_kink_is_reported_as_a_kink_not_a_failure():
    net = tutor.mlp([1, 2, 1], activation="relu")
    X, Y = numpy.array([[1.0], [2.0]]), numpy.array([0.5, -1.0])
    theta = net.pack([(numpy.array([-1.0, 0.3]), numpy.array([[1.0], [0.5]])),
                      (numpy.array([0.1]), numpy.array([[0.7, -0.4]]))])
    # neuron 1 of layer 1 sits exactly at its kink for the first sample: z = −1 + 1·1 = 0
    report = tutor.gradcheck(net.compile(), theta, X, Y)
    assert report.ok, str(report)
    assert {row.name for row in report.kinks} >= {"alpha_1^(1)", "beta_1^(1,1)"}
    assert "kink" in str(report)


def test_fast_mode_checks_a_big_network_along_random_directions():
    net = tutor.mlp([64, 128, 64, 10], activation="logistic", output="softmax",
                    loss="cross_entropy")
    X, Y = datasets.toy(net, n=64, seed=2)
    kernel = net.compile()
    report = tutor.gradcheck(kernel, net.init(seed=1), X, Y, mode="fast", directions=6)
    assert report.ok and len(report.rows) == 6

    def wrong(theta, X, Y):
        loss, grad = kernel(theta, X, Y)
        return loss, grad * 1.01

    assert not tutor.gradcheck(wrong, net.init(seed=1), X, Y, mode="fast").ok


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_relu_has_slope_0_at_0_as_in_pytorch_jax_and_tensorflow(dtype):
    """1-1-1, ReLU hidden: sample 1 has x = 0 and α₁ = 0, so z₁ = 0 exactly (its unit is at the
    kink). With relu′(0) = 0 (PyTorch's, JAX's and TensorFlow's rule), by hand:
    ŷ = 0.5 and 2.5, δ₂ = −2(y − ŷ)/n = −0.5 and 2.5, δ₁ = δ₂·β₂·relu′(z₁) = 0 and 5, so
    ∂c/∂α₁ = 5, ∂c/∂β₁ = 0·0 + 5·1 = 5, ∂c/∂α₂ = 2, ∂c/∂β₂ = δ₂ᵀh₁ = 2.5 (½ at 0 gave 4.5)."""
    net = tutor.mlp([1, 1, 1], activation="relu")
    theta = numpy.array([0.0, 1.0, 0.5, 2.0])  # α₁, β₁, α₂, β₂
    X, Y = numpy.array([[0.0], [1.0]]), numpy.array([1.0, 0.0])
    kernel = net.compile(dtype=dtype)
    for f in (kernel, kernel.readable):
        loss, grad = f(theta, X, Y)
        assert float(loss) == 3.25
        assert grad.tolist() == [5.0, 5.0, 2.0, 2.5]
    relu = tutor.activation("relu")
    assert relu.derivative == sympy.Heaviside(relu.expr.args[1], 0)  # 𝟙(z > 0), 0 at z = 0
    assert tutor.unicode(relu.derivative) == "𝟙(z > 0)" and "0 at z = 0" in relu.description
    # a model typed as max(0, a + b·x) follows the same rule: at a = x = 0, ∂c/∂a = −2(y − 0)·0
    a, b, x = sympy.symbols("a b x")
    _, grad = tutor.model(sympy.Max(0, a + b * x), [a, b], [x]).compile(dtype=dtype)(
        [0.0, 1.0], [[0.0]], [1.0])
    assert grad.tolist() == [0.0, 0.0]


def test_a_lambda_activation_compiles_and_checks():
    t = sympy.Symbol("t")
    net = tutor.mlp([2, 4, 1], activation=sympy.Lambda(t, t / (1 + sympy.Abs(t))))
    X, Y = datasets.toy(net, n=12, seed=8)
    assert tutor.gradcheck(net.compile(), net.init(seed=2) + 0.05, X, Y).ok


def test_a_network_prints_its_equations():
    text = str(tutor.mlp([2, 2, 1]))
    assert text.startswith("network 2-2-1: activations logistic → identity")
    assert "z₂ = α₂^(1) + β₂^(1,1)·h₁^(1) + β₂^(1,2)·h₁^(2)" in text and "c = (y − h₂)²" in text


def test_big_networks_are_derived_per_layer_not_per_weight():
    """A 784-256-128-10 network compiles without making a symbol per weight."""
    net = tutor.mlp([784, 256, 128, 10], activation="logistic", output="softmax",
                    loss="cross_entropy")
    kernel = net.compile()
    assert kernel.n_parameters == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert "_names" not in vars(net.layers[0])  # no per-weight symbols were made
    X, Y = datasets.toy(net, n=8)
    loss, grad = kernel(net.init(), X, Y)
    assert numpy.isfinite(loss) and grad.shape == (kernel.n_parameters,)


def test_deep_derivations_go_through_the_deltas_and_still_agree_with_the_kernel():
    net = tutor.mlp([2, 3, 3, 2], activation="tanh", output="softmax", loss="cross_entropy")
    d = net.derivation("beta_1^(2,1)")
    assert str(d.chain) == "δ₁^(2) · x₁"  # nine paths: shown through δ = ∂c/∂z instead
    assert any(step.rule.startswith("back-propagated error") for step in d.steps)
    X, Y = datasets.toy(net, n=1, seed=9)
    theta = net.init(seed=4) + 0.1
    _, grad = net.compile()(theta, X, Y)
    f = sympy.lambdify([*net.parameters, *net.inputs, *net.targets], d.result)
    index = net.parameters.index(d.parameter)
    assert f(*theta, *X[0], *Y[0]) == pytest.approx(grad[index], rel=1e-10)


@pytest.mark.parametrize("term", ["y - yhat", "2*yhat"])
@pytest.mark.parametrize("output", ["identity", "logistic"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_loss_linear_in_yhat_compiles(term, output, dtype):
    """∂c/∂ŷ is a number (−1 or 2): with the identity δ_L is that number in every sample and
    output, an array of ŷ's shape, not a scalar that the matrix product cannot take."""
    from tutor.losses import y, yhat

    row = tutor.Loss(term, {"y - yhat": y - yhat, "2*yhat": 2 * yhat}[term])
    net = tutor.mlp([2, 3, 2], activation="tanh", output=output, loss=row)
    X, Y = datasets.toy(net, n=6, seed=4)
    kernel = net.compile(dtype=dtype)
    for f in (kernel, kernel.readable):
        report = tutor.gradcheck(f, net.init(seed=2), X, Y)
        assert report.ok, str(report)


# every name a kernel's code uses for itself: its arguments and locals, the namespace it runs
# in, the common subexpressions, a network's arrays and temporaries, a builtin it may print
GENERATED_NAMES = ["grad", "loss", "n", "theta", "X", "Y", "xp", "exp_cap", "ones", "predict",
                   "loss_and_gradient", "overflowed", "t0", "t1", "t2", "t10", "shared_1_0",
                   "tmp_1", "alpha_1", "beta_1", "z_1", "h_1", "delta_1", "s_1", "e_1",
                   "total_1", "below_1", "u", "u_1", "log_h", "log_1mh", "residual", "abs"]


def test_the_names_the_kernel_uses_are_all_reserved():
    from tutor.array_code import is_reserved

    assert all(is_reserved(name) for name in GENERATED_NAMES)
    assert not any(is_reserved(name) for name in ("x", "a", "beta", "t", "grads", "theta_1"))


@pytest.mark.parametrize("name", GENERATED_NAMES)
def test_a_users_name_never_collides_with_the_kernels_own(name):
    """A parameter, or an input column, named as one of the kernel's own variables: the kernel
    renames it (as lambdify dummifies), so the gradient is still right."""
    s, a, b, x, w = sympy.Symbol(name), *sympy.symbols("a b x w")
    # as a parameter: tanh(s·x) repeats in the loss and its gradient, so CSE makes t0, t1, …
    as_parameter = tutor.model(sympy.tanh(s * x) + b * s**2, [s, b], [x])
    # as an input column
    as_input = tutor.model(a * sympy.tanh(b * s) + a**2 * w, [a, b], [s, w])
    for m, theta in ((as_parameter, [0.7, -0.4]), (as_input, [0.6, -0.3])):
        X, Y = datasets.toy(m, n=8, seed=3)
        report = tutor.gradcheck(m.compile(), theta, X, Y)
        assert report.ok, f"{name}: {report}\n{m.compile().source}"


def test_an_expression_model_with_two_outputs_checks():
    a, b, x = sympy.symbols("a b x")
    m = tutor.model([a * x + b, sympy.tanh(a - b * x)], parameters=[a, b], inputs=[x])
    assert [str(t) for t in m.targets] == ["y_1", "y_2"]
    X, Y = datasets.toy(m, n=9, seed=1)
    assert tutor.gradcheck(m.compile(), [0.4, -0.3], X, Y).ok
    assert m.compile().predict([0.4, -0.3], X).shape == (9, 2)
