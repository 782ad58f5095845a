"""The gradient check at the edges: ReLU kinks, saturated units and float32 kernels.

At each edge the check must say what it saw: a kink is a kink (not a pass or a failure by
accident), a flat loss is "flat, not checked" (a saturated unit cannot tell a right gradient
from a wrong one), and a float32 kernel is checked tightly enough that a gradient wrong by 1 %
fails while float32 rounding passes.
"""

import numpy
import pytest
from figures import tally

import tutor
from tutor.kernel import Kernel

DTYPES = ("float64", "float32")


def scaled(kernel, factor, index=None, shift=0.0):
    """The kernel with its gradient multiplied by ``factor`` (all, or one coordinate) or shifted."""
    def wrong(theta, X, Y):
        loss, grad = kernel(theta, X, Y)
        grad = numpy.array(grad, copy=True)
        if index is None:
            grad *= factor
        else:
            grad[index] = grad[index] * factor + shift
        return loss, grad
    return wrong


def edited(kernel, old, new):
    """A kernel object of the same model whose generated code (the fast source, which it runs)
    has ``old`` replaced by ``new``: a bug in the kernel itself, which a wrapper around a correct
    kernel does not imitate."""
    assert old in kernel.fast_source
    return Kernel(kernel.source, kernel.model, kernel.backend, kernel.dtype, kernel.kind,
                  fast_source=kernel.fast_source.replace(old, new, 1))


def counted(report, what):
    """Tally the rows a check of a correct kernel looked at (a failure among them is a false alarm)."""
    tally(what, len(report.rows), len(report.failures))
    return report


def caught(report, what="wrong gradients caught by the check"):
    """Tally a check of a wrong kernel (a miss is one it let through)."""
    tally(what, 1, int(report.ok))
    return report


# --- ReLU kinks ----------------------------------------------------------------------------
RELU = tutor.mlp([1, 2, 1], activation="relu")
X_RELU, Y_RELU = numpy.array([[1.0], [2.0]]), numpy.array([0.5, -1.0])


def relu_theta(bias):
    """Neuron 1 of layer 1 has z = bias + x: exactly at its kink for x = 1 when bias = −1."""
    return RELU.pack([(numpy.array([bias, 0.3]), numpy.array([[1.0], [0.5]])),
                      (numpy.array([0.1]), numpy.array([[0.7, -0.4]]))])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["full", "fast"])
def test_a_relu_exactly_at_its_kink_is_reported_as_a_kink(dtype, mode):
    kernel = RELU.compile(dtype=dtype)
    report = counted(tutor.gradcheck(kernel, relu_theta(-1.0), X_RELU, Y_RELU, mode=mode),
                     "gradient checks at ReLU kinks")
    assert report.ok and report.kinks, str(report)
    if mode == "full":
        assert {r.name for r in report.kinks} == {"alpha_1^(1)", "beta_1^(1,1)"}
        assert all(r.status == "pass" for r in report.rows if r not in report.kinks)
    assert "not differentiable here" in str(report) and "kink" in str(report).splitlines()[-1]


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_slope_outside_the_one_sided_slopes_fails_at_the_kink(dtype):
    kernel = RELU.compile(dtype=dtype)
    wrong = scaled(kernel, 1.0, index=0, shift=1.0)  # ∂c/∂α₁^(1) pushed out of [left, right]
    report = caught(tutor.gradcheck(wrong, relu_theta(-1.0), X_RELU, Y_RELU, names=RELU.parameters,
                                    reference=RELU.compile() if dtype == "float32" else None))
    assert [r.name for r in report.failures] == ["alpha_1^(1)"], str(report)
    assert "lies outside them" in report.failures[0].note


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [1e-9, -1e-9, 1e-7])
def test_a_kink_a_hair_away_from_theta_is_no_failure(dtype, offset):
    """z = ±1e-9: the steps straddle the kink. A one-sided slope is off by L''h/2, so the
    analytic value is compared with the slopes at h and h/100 (it failed a direction before)."""
    kernel = RELU.compile(dtype=dtype)
    for mode in ("full", "fast"):
        report = counted(tutor.gradcheck(kernel, relu_theta(-1.0 + offset), X_RELU, Y_RELU,
                                         mode=mode, directions=12),
                         "gradient checks at ReLU kinks")
        assert report.ok, str(report)


# --- saturated units ----------------------------------------------------------------------
def saturated_neuron(activation, z0, dtype="float64"):
    """A neuron with z = z0 + x, x ∈ {1, 2, 3}: all three samples deep in the flat part."""
    net = tutor.neuron(1, activation=activation)
    return net.compile(dtype=dtype), numpy.array([z0, 1.0]), numpy.array([[1.0], [2.0], [3.0]]), \
        numpy.array([0.2, 0.5, 0.1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("z0", [40.0, -40.0, 1000.0, -1000.0])
def test_saturated_units_are_reported_flat_not_passed(dtype, activation, z0):
    kernel, theta, X, Y = saturated_neuron(activation, z0, dtype)
    for f in (kernel, scaled(kernel, 1.01), scaled(kernel, 2.0)):  # right and wrong alike
        report = tutor.gradcheck(f, theta, X, Y)
        tally("saturated rows reported flat, not passed", len(report.rows),
              sum(r.status != "flat" for r in report.rows))
        assert [r.status for r in report.rows] == ["flat", "flat"], str(report)
        assert report.ok and not any(r.status == "pass" for r in report.rows)
        text = str(report)
        assert "0 of 2 passed; 2 flat, not checked" in text and "saturated" in text
        assert "flat=2" in repr(report)


def test_a_slope_claimed_where_the_loss_is_flat_fails():
    kernel, theta, X, Y = saturated_neuron("logistic", 1000.0)

    def claims_a_slope(theta, X, Y):
        loss, grad = kernel(theta, X, Y)
        return loss, grad + 0.25  # the slope of an unsaturated logistic: wrong here
    report = caught(tutor.gradcheck(claims_a_slope, theta, X, Y))
    assert [r.status for r in report.rows] == ["fail", "fail"], str(report)


def test_partly_saturated_units_pass_only_within_atol_and_say_so():
    """At z ≈ 20 the slope, 2e−9, is resolved by finite differences to a few percent only:
    the rows pass on atol, and the note says that rtol was not checked."""
    kernel, theta, X, Y = saturated_neuron("logistic", 20.0)
    report = tutor.gradcheck(kernel, theta, X, Y)
    assert report.ok and [r.status for r in report.rows] == ["pass", "pass"]
    assert all("agrees only within atol" in r.note for r in report.rows), str(report)


def test_saturated_and_live_units_in_one_network():
    """Hidden neuron 1 saturated (z ≈ 1000), neuron 2 live: only neuron 1's rows are flat."""
    net = tutor.mlp([1, 2, 1], activation="tanh")
    theta = net.pack([(numpy.array([1000.0, 0.2]), numpy.array([[1.0], [0.7]])),
                      (numpy.array([0.1]), numpy.array([[0.5, -0.8]]))])
    X, Y = numpy.array([[1.0], [-2.0], [0.5]]), numpy.array([0.3, -0.2, 0.9])
    for dtype in DTYPES:
        report = counted(tutor.gradcheck(net.compile(dtype=dtype), theta, X, Y),
                         "gradient checks of saturated units")
        assert report.ok, str(report)
        assert {r.name for r in report.flat} == {"alpha_1^(1)", "beta_1^(1,1)"}, str(report)
        assert {r.status for r in report.rows if r not in report.flat} == {"pass"}


# --- float32 kernels ----------------------------------------------------------------------
NETS = [
    tutor.mlp([2, 8, 1], activation="logistic"),
    tutor.mlp([2, 6, 3], activation="tanh", output="softmax", loss="cross_entropy"),
    tutor.mlp([3, 5, 1], activation="softplus", output="logistic", loss="cross_entropy"),
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: n.describe().split(":")[0])
@pytest.mark.parametrize("mode", ["full", "fast"])
def test_a_correct_float32_kernel_passes_against_its_float64_twin(net, mode):
    kernel = net.compile(dtype="float32")
    X, Y = tutor.datasets.toy(net, n=24, seed=3)
    theta = net.init(seed=4) + 0.1  # 0.1 is not a float32: the check rounds θ first
    report = counted(tutor.gradcheck(kernel, theta, X, Y, mode=mode), "float32 gradient checks")
    assert report.ok, str(report)
    assert report.dtype == "float32" and report.rtol == 1e-3 and "float64 twin" in report.reference
    assert "an error of 1 % still fails" in str(report)


@pytest.mark.parametrize("net", NETS, ids=lambda n: n.describe().split(":")[0])
def test_a_float32_gradient_wrong_by_one_percent_fails(net):
    kernel, twin = net.compile(dtype="float32"), net.compile()
    X, Y = tutor.datasets.toy(net, n=24, seed=3)
    theta = net.init(seed=4) + 0.1
    for mode in ("full", "fast"):
        report = caught(tutor.gradcheck(scaled(kernel, 1.01), theta, X, Y, mode=mode,
                                        reference=twin))
        assert not report.ok, str(report)
        if mode == "fast":
            assert len(report.failures) == len(report.rows)
    # a bug inside a kernel object: the check finds the float64 twin by itself
    buggy = edited(kernel, "return loss, grad", "grad = grad * 1.01\n    return loss, grad")
    report = caught(tutor.gradcheck(buggy, theta, X, Y))
    assert not report.ok and report.reference, str(report)
    # one coordinate 1 % off, the largest: named
    _, grad = kernel(theta, X, Y)
    index = int(numpy.argmax(numpy.abs(grad)))
    report = caught(tutor.gradcheck(scaled(kernel, 1.01, index=index), theta, X, Y,
                                    reference=twin, names=net.parameters))
    assert [r.index for r in report.failures] == [index], str(report)


def test_without_a_reference_a_float32_function_gets_the_loose_check_and_is_told_so():
    net = NETS[0]
    kernel = net.compile(dtype="float32")
    X, Y = tutor.datasets.toy(net, n=24, seed=3)
    report = tutor.gradcheck(scaled(kernel, 1.0), net.init(seed=4), X, Y)  # a plain function
    assert report.ok and report.rtol == 2e-2 and not report.reference
    assert "loose tolerance" in str(report) and "reference=" in str(report)
