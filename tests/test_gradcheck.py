"""Lessons in gradient checking: what a correct gradient, a wrong one and a kink look like."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tutor.gradient_check import GradCheckReport, GradCheckRow, gradcheck

RULE = "|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)"


# --- models: loss and exact gradient -----------------------------------------------------
def least_squares(theta, X, Y):
    """L = mean((Xθ − Y)²),  ∇L = 2 Xᵀ(Xθ − Y) / n."""
    r = X @ theta - Y
    return np.mean(r**2), 2 * X.T @ r / len(Y)


def logistic(theta, X, Y):
    """Cross-entropy with labels y ∈ {0, 1}: L = mean(log(1 + eᶻ) − y z), z = Xθ.

    ∇L = Xᵀ(σ(z) − y) / n.
    """
    z = X @ theta
    return np.mean(np.logaddexp(0, z) - Y * z), X.T @ (1 / (1 + np.exp(-z)) - Y) / len(Y)


def scaled(f, factor, index=None):
    """The same model with its gradient multiplied by ``factor`` (in one coordinate or all)."""
    def wrong(theta, X, Y):
        loss, grad = f(theta, X, Y)
        grad = grad.copy()
        if index is None:
            grad *= factor
        else:
            grad[index] *= factor
        return loss, grad
    return wrong


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    X = rng.standard_normal((40, 4))
    theta = rng.standard_normal(4)
    Y_reg = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * rng.standard_normal(40)
    Y_cls = (rng.random(40) < 0.5).astype(float)
    return theta, X, Y_reg, Y_cls


# --- a correct gradient passes -----------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "fast"])
def test_exact_gradients_pass(data, mode):
    theta, X, Y_reg, Y_cls = data
    for f, Y in [(least_squares, Y_reg), (logistic, Y_cls)]:
        report = gradcheck(f, theta, X, Y, mode=mode)
        assert isinstance(report, GradCheckReport) and report.ok, str(report)
        assert all(isinstance(r, GradCheckRow) and r.status == "pass" for r in report.rows)
        assert len(report.rows) == (4 if mode == "full" else 8)
        assert report.max_rel_error < 1e-6
        report.raise_if_failed()  # does nothing when all is well


def test_fast_mode_rows_are_directions(data):
    theta, X, Y, _ = data
    report = gradcheck(least_squares, theta, X, Y, mode="fast", directions=3, seed=7)
    assert [r.name for r in report.rows] == ["direction 1", "direction 2", "direction 3"]
    again = gradcheck(least_squares, theta, X, Y, mode="fast", directions=3, seed=7)
    assert report == again  # seeded: reproducible


# --- a gradient wrong by 1 % fails loudly ------------------------------------------------
def test_uniformly_one_percent_wrong_fails(data):
    theta, X, Y, _ = data
    for mode in ["full", "fast"]:
        report = gradcheck(scaled(least_squares, 1.01), theta, X, Y, mode=mode)
        assert not report.ok
        assert len(report.failures) == len(report.rows)
        assert report.max_rel_error == pytest.approx(0.01 / 1.01, rel=1e-3)
        with pytest.raises(AssertionError, match="FAILED"):
            report.raise_if_failed()


def test_one_wrong_coordinate_is_named(data):
    theta, X, _, Y = data
    names = ["w1", "w2", "w3", "bias"]
    report = gradcheck(scaled(logistic, 1.01, index=2), theta, X, Y, names=names)
    assert not report.ok
    assert [(r.name, r.index) for r in report.failures] == [("w3", 2)]
    assert "1 of 4 FAILED" in str(report)
    with pytest.raises(AssertionError, match="w3"):
        report.raise_if_failed()


# --- kinks: not differentiable, reported as such -----------------------------------------
def relu_mean(theta, X, Y, grad_at_kink=0.0):
    """L = mean(max(0, θ0 + x θ1)); at z = 0 we use relu'(0) = grad_at_kink."""
    z = theta[0] + X * theta[1]
    slope = np.where(z > 0, 1.0, np.where(z < 0, 0.0, grad_at_kink))
    return np.mean(np.maximum(0.0, z)), np.array([np.mean(slope), np.mean(slope * X)])


X_KINK = np.array([1.0, 2.0, -3.0])  # with θ = (1, −1): z = (0, −1, 4), the first sample at 0
THETA_KINK = np.array([1.0, -1.0])


@pytest.mark.parametrize("relu_slope_at_0", [0.0, 1.0, 0.5])
def test_relu_at_its_kink_is_reported_as_kink(relu_slope_at_0):
    def f(theta, X, Y):
        return relu_mean(theta, X, Y, relu_slope_at_0)

    report = gradcheck(f, THETA_KINK, X_KINK, None)
    assert [r.status for r in report.rows] == ["kink", "kink"]
    assert report.ok and not report.failures and len(report.kinks) == 2
    # ∂L/∂θ0: left slope 1/3 (one active sample), right slope 2/3 (two active samples)
    assert "one-sided slopes 0.333333 (left) and 0.666667 (right)" in report.rows[0].note
    text = str(report)
    assert "not differentiable here" in text and "kink" in text
    fast = gradcheck(f, THETA_KINK, X_KINK, None, mode="fast", directions=4)
    assert fast.ok and fast.kinks  # random directions cross the kink too


def test_analytic_value_outside_one_sided_slopes_fails():
    def f(theta, X, Y):
        loss, grad = relu_mean(theta, X, Y)
        return loss, np.array([1.0, grad[1]])  # 1 is not in [1/3, 2/3]

    report = gradcheck(f, THETA_KINK, X_KINK, None)
    assert [r.status for r in report.rows] == ["fail", "kink"]
    assert "outside" in report.rows[0].note
    assert not report.ok


def test_relu_away_from_its_kink_passes():
    report = gradcheck(relu_mean, np.array([1.5, -1.0]), X_KINK, None)
    assert report.ok and not report.kinks


def test_smooth_but_steep_function_passes_with_note():
    """sin(3000θ) curves so fast that h = 6e-6 is too coarse; h/100 confirms the gradient."""
    def f(theta, X, Y):
        return np.sin(3000 * theta[0]), np.array([3000 * np.cos(3000 * theta[0])])

    report = gradcheck(f, np.array([0.3]), None, None)
    assert report.ok and report.rows[0].status == "pass"
    assert "badly conditioned" in report.rows[0].note
    # ...whereas a 1 % error is still caught: fwd − bwd shrinks with h, so it is no kink
    assert gradcheck(scaled(f, 1.01), np.array([0.3]), None, None).rows[0].status == "fail"


# --- names -------------------------------------------------------------------------------
def test_names_explicit_from_parameters_and_default(data):
    theta, X, Y, _ = data
    sympy = pytest.importorskip("sympy")
    assert [r.name for r in gradcheck(least_squares, theta, X, Y).rows] == [
        "theta[0]", "theta[1]", "theta[2]", "theta[3]"]

    def model(theta, X, Y):
        return least_squares(theta, X, Y)

    model.parameters = sympy.symbols("w0 w1 w2 b")  # objects with a str
    assert [r.name for r in gradcheck(model, theta, X, Y).rows] == ["w0", "w1", "w2", "b"]
    report = gradcheck(model, theta, X, Y, names=["a", "b", "c", "d"])  # explicit wins
    assert [r.name for r in report.rows] == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="names has 2 entries"):
        gradcheck(least_squares, theta, X, Y, names=["a", "b"])


def test_report_text_states_rule_and_names(data):
    theta, X, Y, _ = data
    report = gradcheck(least_squares, theta, X, Y, names=["w1", "w2", "w3", "bias"])
    text = str(report)
    assert RULE in text and "rtol=1e-05" in text and "mode=full" in text
    assert all(name in text for name in ["w1", "w2", "w3", "bias"])
    assert "all 4 passed" in text
    assert repr(report).startswith("GradCheckReport(mode='full', rows=4")


def test_long_tables_are_abridged():
    def f(theta, X, Y):  # L = ½‖θ‖², but every 17th gradient coordinate is 1 % off
        return 0.5 * theta @ theta, theta * np.where(np.arange(theta.size) % 17 == 0, 1.01, 1)

    theta = np.random.default_rng(0).standard_normal(100) + 3.0
    text = str(gradcheck(f, theta, None, None))
    assert "6 of 100 FAILED" in text and "84 rows omitted" in text
    assert all(f"theta[{i}] " in text for i in range(0, 100, 17))


# --- float32 kernels ---------------------------------------------------------------------
def test_float32_gradient_gets_the_looser_tolerance(data):
    theta, X, Y, _ = data
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)

    def f32(theta, X, Y):  # the whole kernel runs in float32
        return least_squares(theta.astype(np.float32), X, Y)

    report = gradcheck(f32, theta, X32, Y32)
    assert report.ok, str(report)
    assert report.dtype == "float32" and report.rtol == 2e-2
    assert "float32" in str(report) and "loose tolerance" in str(report)
    assert not gradcheck(scaled(f32, 1.05), theta, X32, Y32).ok  # 5 % is still caught


# --- inputs we refuse --------------------------------------------------------------------
def test_bad_inputs_raise_value_error(data):
    theta, X, Y, _ = data

    def nan_loss(theta, X, Y):
        return np.nan, least_squares(theta, X, Y)[1]

    def inf_grad(theta, X, Y):
        loss, grad = least_squares(theta, X, Y)
        grad[1] = np.inf
        return loss, grad

    def short_grad(theta, X, Y):
        loss, grad = least_squares(theta, X, Y)
        return loss, grad[:3]

    with pytest.raises(ValueError, match="loss is not finite"):
        gradcheck(nan_loss, theta, X, Y)
    with pytest.raises(ValueError, match=r"grad is not finite.*grad\[1\]"):
        gradcheck(inf_grad, theta, X, Y)
    with pytest.raises(ValueError, match=r"shape \(3,\), expected \(4,\)"):
        gradcheck(short_grad, theta, X, Y)
    with pytest.raises(ValueError, match="1-D"):
        gradcheck(least_squares, theta.reshape(2, 2), X, Y)
    with pytest.raises(ValueError, match=r"theta\[0\]"):
        gradcheck(least_squares, np.r_[np.nan, theta[1:]], X, Y)
    with pytest.raises(ValueError, match="mode"):
        gradcheck(least_squares, theta, X, Y, mode="quick")


def test_theta_reaches_f_as_float64_copies(data):
    _, X, Y, _ = data
    seen = []

    def f(theta, X, Y):
        seen.append(theta.dtype)
        loss, grad = least_squares(theta, X, Y)
        theta[:] = 99.0  # a careless model that scribbles on its input
        return loss, grad

    theta = [1, 2, 3, 4]  # ints in a list are fine
    assert gradcheck(f, theta, X, Y).ok
    assert set(seen) == {np.dtype(np.float64)} and theta == [1, 2, 3, 4]


# --- other array libraries ---------------------------------------------------------------
def test_array_api_strict_arrays_are_accepted(data):
    xp = pytest.importorskip("array_api_strict")
    theta, X, Y, _ = data

    def f(theta, X, Y):
        loss, grad = least_squares(theta, X, Y)
        return xp.asarray(loss), xp.asarray(grad)

    assert gradcheck(f, theta, X, Y).ok
    assert not gradcheck(scaled(least_squares, 1.01), theta, X, Y).ok


class FakeCupyArray:
    """Like a CuPy array: refuses implicit conversion, copies to the host with ``.get()``."""

    def __init__(self, a):
        self.a = a

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed")

    def get(self):
        return self.a.copy()


def test_device_arrays_are_fetched_with_get(data):
    theta, X, Y, _ = data

    def f(theta, X, Y):
        loss, grad = least_squares(theta, X, Y)
        return loss, FakeCupyArray(grad)

    assert gradcheck(f, theta, X, Y).ok


# --- a property: on quadratics the exact gradient passes and a 1 % error fails -----------
@st.composite
def quadratics(draw):
    n = draw(st.integers(1, 5))
    entries = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
    M = draw(arrays(np.float64, (n, n), elements=entries))
    b = draw(arrays(np.float64, n, elements=entries))
    theta = draw(arrays(np.float64, n, elements=entries))
    return (M + M.T) / 2, b, theta


@settings(max_examples=60, deadline=None)
@given(quadratics())
def test_quadratic_property(problem):
    A, b, theta = problem

    def f(theta, X, Y):  # L = ½θᵀAθ + bᵀθ,  ∇L = Aθ + b
        return 0.5 * theta @ A @ theta + b @ theta, A @ theta + b

    loss, grad = f(theta, None, None)
    assert gradcheck(f, theta, None, None).ok
    assume(np.max(np.abs(grad)) > 1e-3 * max(1.0, abs(loss)))
    assert not gradcheck(scaled(f, 1.01), theta, None, None).ok
