"""The slides' worked numbers and formulas, computed by the library."""

import numpy
import pytest
import sympy

import tutor
from tutor import datasets


@pytest.fixture
def slide_kernel():
    """ŷ = α + x, squared error: the slides' one-parameter gradient-descent example."""
    alpha, x = sympy.symbols("alpha x")
    return tutor.model(alpha + x, parameters=[alpha], inputs=[x], loss="squared_error").compile()


def first_steps(kernel, learning_rate, steps):
    X, Y = datasets.slides_example()
    return list(tutor.descend(kernel, [2.0], X, Y, learning_rate=learning_rate, steps=steps))


def test_first_step_gives_the_slides_numbers(slide_kernel):
    step = first_steps(slide_kernel, 0.1, 1)[0]
    assert step.predictions.tolist() == [3.0]  # ŷ₀ = 2 + 1
    assert step.errors.tolist() == [3.0]  # ε₀ = 6 − 3
    assert step.loss == 9.0
    assert step.grad.tolist() == [-6.0]  # dc/dα = −2ε = −6
    assert step.theta[0] == pytest.approx(2.6, abs=1e-15)  # α₁ = 2 − 0.1·(−6)
    assert step.update[0] == pytest.approx(0.6, abs=1e-15)


def test_learning_rate_one_overshoots_to_8_and_bounces(slide_kernel):
    alphas = [s.theta[0] for s in first_steps(slide_kernel, 1.0, 6)]
    assert alphas == [8.0, 2.0, 8.0, 2.0, 8.0, 2.0]


def test_learning_rate_half_lands_on_5_in_one_step(slide_kernel):
    steps = first_steps(slide_kernel, 0.5, 3)
    assert steps[0].theta[0] == 5.0
    assert steps[1].loss == 0.0 and steps[2].theta[0] == 5.0


def test_learning_rate_above_one_diverges_and_says_where(slide_kernel):
    X, Y = datasets.slides_example()
    seen = []
    with pytest.raises(tutor.Divergence, match="diverged.*learning rate γ = 1.1") as caught:
        for step in tutor.descend(slide_kernel, [2.0], X, Y, learning_rate=1.1, steps=1000):
            seen.append(step)
    assert caught.value.began == 1  # the very first update already overshoots by more than 3
    assert caught.value.last_good is seen[-1]
    assert numpy.isfinite(seen[-1].theta).all() and len(seen) < 100


def test_small_learning_rate_converges_to_the_true_alpha(slide_kernel):
    alphas = [s.theta[0] for s in first_steps(slide_kernel, 0.1, 200)]
    assert alphas[-1] == pytest.approx(5.0, abs=1e-12)
    assert all(a < b for a, b in zip(alphas[:20], alphas[1:20], strict=False))  # creeps up, no overshoot


def test_derivation_of_the_one_parameter_model_is_minus_two_epsilon():
    alpha, x = sympy.symbols("alpha x")
    m = tutor.model(alpha + x, parameters=[alpha], inputs=[x])
    d = m.derivation(alpha)
    assert str(d.compact) == "-2*epsilon"
    assert "∂c/∂α = −2ε" in str(d)
    y = m.targets[0]
    assert sympy.simplify(d.result - (-2 * (y - alpha - x))) == 0
    assert sympy.simplify(d.result - sympy.diff(m.loss, alpha)) == 0


def slide_network():
    F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")
    return tutor.mlp([2, 2, 1], activation=F1, output=F2, loss="squared_error")


def test_backprop_slide_formula_for_beta_1_12():
    net = slide_network()
    d = net.derivation("beta_1^(1,2)")
    assert str(d.chain) == (
        "−2(y − h₂) · F₂′(α₂^(1) + β₂^(1,1)·h₁^(1) + β₂^(1,2)·h₁^(2)) · β₂^(1,1)"
        " · F₁′(α₁^(1) + β₁^(1,1)·x₁ + β₁^(1,2)·x₂) · x₂"
    )
    rules = [step.rule for step in d.steps]
    assert "derivative of the loss" in rules and "chain rule" == rules[-1]
    assert "derivative of the activation F_1" in rules and "derivative of the activation F_2" in rules
    # the same gradient as differentiating the whole loss expression at once
    beta = net.parameter("beta_1^(1,2)")
    assert sympy.simplify(d.result - sympy.diff(net.loss, beta)) == 0


def test_backprop_slide_formula_in_latex():
    d = slide_network().derivation("beta_1^(1,2)")
    text = d.latex()
    assert r"\beta_{1}^{(1,2)}" in text and r"F_{2}'\left(" in text and r"\cdot x_{2}" in text


def test_undefined_activations_give_formulas_but_no_kernel():
    with pytest.raises(ValueError, match="F_1 is an undefined function"):
        slide_network().compile()


def test_linear_hidden_layer_collapses_to_a_regression():
    net = tutor.mlp([2, 2, 1], activation="identity", output="logistic", loss="cross_entropy")
    c = tutor.collapse(net)
    assert c.collapses
    a1, a2 = net.layers[0].alpha
    b = net.layers[1].beta[0]
    assert sympy.expand(c.alpha[0] - (net.layers[1].alpha[0] + b[0] * a1 + b[1] * a2)) == 0
    # α₂′ + xβ₂′ reproduces the network's pre-activation for any x
    z_out = sympy.expand(net.affine(net.layers[1], 0, [net.affine(net.layers[0], j, net.inputs)
                                                         for j in range(2)]))
    collapsed = c.alpha[0] + sum(bi * xi for bi, xi in zip(c.beta[0], net.inputs, strict=True))
    assert sympy.expand(z_out - collapsed) == 0


def test_any_linear_activation_collapses_but_a_nonlinear_one_does_not():
    t = sympy.Symbol("t")
    assert tutor.collapse(tutor.mlp([1, 3, 1], activation=sympy.Lambda(t, 3 * t - 1))).collapses
    for act in ("logistic", "tanh", "relu", "softplus", sympy.Function("F_1")):
        result = tutor.collapse(tutor.mlp([1, 3, 1], activation=act))
        assert not result.collapses and result.reason


def test_a_formula_model_explains_each_gradient_once():
    """ŷ = α + β·x: ∂c/∂α and ∂c/∂β each with their numbers, then the two updates."""
    problem = tutor.build(tutor.ModelSpec("formula", formula="alpha + beta*x",
                                          params={"alpha": 0, "beta": 0}), "slides")
    session = problem.session()
    lines = session.explain(session.forward())
    assert lines == ["ŷ = α + β·x = 0 + 0·1 = 0", "ε = y − ŷ = 6 − 0 = 6", "c = ε² = 6² = 36",
                     "∂c/∂α = −2ε = −2·6 = −12", "∂c/∂β = −2ε·x = −2·6·1 = −12",
                     "α₁ = α₀ − γ·∂c/∂α = 0 − 0.1·(−12) = 1.2",
                     "β₁ = β₀ − γ·∂c/∂β = 0 − 0.1·(−12) = 1.2"]
