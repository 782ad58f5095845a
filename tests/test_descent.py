"""Gradient descent and SGD: the update rule, mini-batches, divergence, and where it ends up:
at the econometrician's answers, OLS and the logit MLE."""

import warnings

import numpy
import pytest

import tutor
from tutor import datasets


def run(kernel, theta0, X, Y, **settings):
    return list(tutor.descend(kernel, theta0, X, Y, **settings))


def last_theta(kernel, theta0, X, Y, **settings):
    return run(kernel, theta0, X, Y, **settings)[-1].theta


def test_each_step_is_theta_minus_learning_rate_times_gradient():
    net = tutor.mlp([2, 3, 1], activation="tanh")
    X, Y = datasets.toy(net, n=20)
    kernel = net.compile()
    for step in run(kernel, net.init(), X, Y, learning_rate=0.3, steps=5):
        loss, grad = kernel(step.theta_before, X, Y)
        assert step.loss == loss and numpy.array_equal(step.grad, grad)
        numpy.testing.assert_array_equal(step.theta, step.theta_before - 0.3 * grad)
        numpy.testing.assert_allclose(step.errors, Y - kernel.predict(step.theta_before, X))


def test_gradient_descent_reaches_ols():
    X, y = datasets.linear(n=200, k=3, seed=1)
    theta = last_theta(tutor.linear_regression(3).compile(), numpy.zeros(4), X, y,
                       learning_rate=0.2, steps=400)
    numpy.testing.assert_allclose(theta, tutor.ols(X, y), atol=1e-6)


def test_gradient_descent_reaches_the_logit_mle():
    X, y = datasets.logistic(n=300, k=2, seed=2)
    theta = last_theta(tutor.logistic_regression(2).compile(), numpy.zeros(3), X, y,
                       learning_rate=2.0, steps=3000)
    numpy.testing.assert_allclose(theta, tutor.logit_mle(X, y), atol=1e-6)


def test_gradient_descent_reaches_the_logit_mle_on_spector_data():
    sm = pytest.importorskip("statsmodels.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = sm.datasets.spector.load_pandas()
    X = data.exog[["GPA", "TUCE", "PSI"]].to_numpy(float)
    y = data.endog.to_numpy(float)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)  # standardized, so one γ suits every slope
    theta = last_theta(tutor.logistic_regression(3).compile(), numpy.zeros(4), Xs, y,
                       learning_rate=4.0, steps=20000)
    numpy.testing.assert_allclose(theta, tutor.logit_mle(Xs, y), atol=1e-6)


def test_sgd_uses_seeded_mini_batches_that_cover_each_epoch():
    net = tutor.linear_regression(1)
    X, y = datasets.linear(n=10, seed=3)
    steps = run(net.compile(), numpy.zeros(2), X, y, learning_rate=0.05, batch_size=4, epochs=3)
    assert len(steps) == 9 and [s.epoch for s in steps] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [len(s.batch) for s in steps[:3]] == [4, 4, 2]
    assert sorted(numpy.concatenate([s.batch for s in steps[:3]])) == list(range(10))
    again = run(net.compile(), numpy.zeros(2), X, y, learning_rate=0.05, batch_size=4, epochs=3)
    assert all(numpy.array_equal(a.theta, b.theta) for a, b in zip(steps, again, strict=True))
    other = run(net.compile(), numpy.zeros(2), X, y, learning_rate=0.05, batch_size=4, epochs=3,
                seed=1)
    assert not numpy.array_equal(steps[-1].theta, other[-1].theta)


def test_sgd_ends_near_ols_but_noisier_than_full_batch():
    X, y = datasets.linear(n=400, k=2, seed=4)
    kernel = tutor.linear_regression(2).compile()
    sgd = last_theta(kernel, numpy.zeros(3), X, y, learning_rate=0.02, batch_size=8, epochs=20)
    assert numpy.max(numpy.abs(sgd - tutor.ols(X, y))) < 0.1


def test_divergence_in_a_network_keeps_the_history_before_it():
    net = tutor.mlp([1, 4, 1], activation="identity")
    X, y = datasets.linear(n=50, seed=5)
    seen = []
    with pytest.raises(tutor.Divergence) as caught:
        for step in tutor.descend(net.compile(), net.init(), X, 10 * y, learning_rate=5.0, steps=500):
            seen.append(step)
    assert caught.value.step == len(seen) + 1 and caught.value.began <= caught.value.step
    assert all(numpy.isfinite(s.loss) for s in seen)


@pytest.mark.parametrize("settings,field,match", [
    (dict(learning_rate=0), "learning_rate", "a positive number such as 0.1, not 0"),
    (dict(learning_rate=-0.1), "learning_rate", "a positive number such as 0.1, not -0.1"),
    (dict(learning_rate=float("nan")), "learning_rate", "a positive number such as 0.1, not nan"),
    (dict(learning_rate="fast"), "learning_rate", "a positive number such as 0.1, not 'fast'"),
    (dict(batch_size=0), "batch_size", "the batch size must be a whole number from 1 to 4"),
    (dict(batch_size=5), "batch_size", "from 1 to 4 .the number of samples.*not 5"),
    (dict(steps=-1), "steps", "the number of steps must be a whole number ≥ 0, not -1"),
])
def test_bad_settings_are_refused_before_any_step(settings, field, match):
    """The settings go through tutor.spec's validators: the message says what is wrong and
    what is accepted, and the error names the setting, for each front end to say its way."""
    kernel = tutor.linear_regression(1).compile()
    with pytest.raises(tutor.SpecError, match=match) as caught:
        run(kernel, [0.0, 0.0], numpy.ones((4, 1)), numpy.ones(4), **settings)
    assert caught.value.field == field


def test_bad_data_is_refused_before_any_step():
    kernel = tutor.linear_regression(1).compile()
    with pytest.raises(ValueError, match="NaN"):
        run(kernel, [0.0, 0.0], numpy.array([[1.0], [numpy.nan]]), numpy.ones(2))
    with pytest.raises(ValueError, match="X has 2 rows but Y has 3"):
        run(kernel, [0.0, 0.0], numpy.ones((2, 1)), numpy.ones(3))
    with pytest.raises(ValueError, match="θ₀ must hold 2 numbers"):
        run(kernel, [0.0], numpy.ones((2, 1)), numpy.ones(2))


def test_a_step_prints_what_moved():
    alpha_step = run(tutor.linear_regression(1).compile(), [2.0, 1.0], [[1.0]], [6.0], steps=1)[0]
    assert str(alpha_step) == "step 1: loss 9; α: 2 → 2.6, β₁: 1 → 1.6"


def test_sgd_with_single_samples_is_not_mistaken_for_divergence():
    """One sample fits almost perfectly; the next one's ordinary loss is no blow-up."""
    X, y = datasets.linear(n=200, k=2, seed=0)
    theta = last_theta(tutor.linear_regression(2).compile(), numpy.zeros(3), X, y,
                       learning_rate=0.05, batch_size=1, epochs=3)
    assert numpy.max(numpy.abs(theta - tutor.ols(X, y))) < 0.3


def test_sgd_with_a_huge_learning_rate_still_diverges():
    X, y = datasets.linear(n=100, k=2, seed=0)
    with pytest.raises(tutor.Divergence):
        run(tutor.linear_regression(2).compile(), numpy.zeros(3), X, y, learning_rate=5.0,
            batch_size=10, epochs=50)


def test_a_step_runs_the_forward_pass_once():
    """The loss and gradient come from one call; ŷ is computed only when a step is asked for it."""
    net = tutor.mlp([2, 3, 1], "tanh")
    kernel = net.compile()
    calls = {"kernel": 0, "predict": 0}

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def __call__(self, *args):
            calls["kernel"] += 1
            return self.inner(*args)

        def predict(self, *args):
            calls["predict"] += 1
            return self.inner.predict(*args)

    X, Y = tutor.datasets.toy(net, n=8)
    steps = list(tutor.descend(Counting(kernel), net.init(), X, Y, steps=5))
    assert calls == {"kernel": 5, "predict": 0}
    numpy.testing.assert_allclose(steps[2].predictions, kernel.predict(steps[2].theta_before, X))
    numpy.testing.assert_allclose(steps[2].errors, Y - steps[2].predictions)
    assert calls["predict"] == 1  # once, then kept
    assert steps[2].errors is steps[2].errors and calls["predict"] == 1


def test_a_float32_overflow_in_a_run_is_reported_not_descended_through():
    """z₁ = 1e20·1e20 overflows float32, and tanh would saturate to the wrong sign with a finite
    loss: descend says where and what to do instead of going on from a wrong gradient."""
    net = tutor.mlp([1, 1, 1], activation="identity", output="tanh")
    theta = numpy.array([0.0, 1e20, -2e30, 1e-10])
    with pytest.raises(tutor.Divergence, match="cannot start: at θ₀, layer 1's pre-activations "
                       "z_1 overflowed float32.*dtype='float64'") as caught:
        next(tutor.descend(net.compile(dtype="float32"), theta, [[1e20]], [0.5]))
    assert caught.value.last_good is None and caught.value.step == 1
    # overflowing later in a run: the steps before it are kept, and the report says after which
    real, calls = tutor.linear_regression(1).compile(dtype="float32"), []

    class OverflowsAtTheThirdCall:
        def __getattr__(self, name):
            return getattr(real, name)

        def __call__(self, *args):
            calls.append(1)
            if len(calls) == 3:
                raise tutor.KernelOverflowError(1)
            return real(*args)

    seen = []
    with pytest.raises(tutor.Divergence, match="after update 2, layer 1's pre-activations"):
        for step in tutor.descend(OverflowsAtTheThirdCall(), [0.0, 0.0], [[1.0], [2.0]],
                                  [1.0, 2.0], steps=10):
            seen.append(step)
    assert len(seen) == 2
