"""Lessons 01–03 show what they claim: descent reaches OLS and the logit MLE, and the logistic's
slope is h(1 − h), at most 1/4."""

import numpy
import sympy

from tutor.activations import h


def test_lesson_1_descent_reaches_ols(lesson):
    out, namespace = lesson("01")
    theta_gd, theta_ols = namespace["theta_gd"], namespace["theta_ols"]
    assert theta_gd.shape == theta_ols.shape == (3,)
    assert numpy.max(numpy.abs(theta_gd - theta_ols)) < 1e-6
    assert "c = (y − α − β₁·x₁ − β₂·x₂)²" in out
    assert "∂c/∂β₁ = −2(y − ŷ) · x₁" in out  # the derivation's chain rule
    assert "largest |gradient descent − OLS|" in out
    assert namespace["check_prediction"](namespace["theta_gd"] @ [1.0, 1.5, -0.5]) is True
    assert namespace["check_prediction"](0.0) is False


def test_lesson_2_descent_reaches_the_logit_mle_on_the_spector_data(lesson):
    out, namespace = lesson("02")
    data = namespace["data"]
    assert data.n == 32 and data.X.shape == (32, 3)
    assert data.features == ("GPA", "TUCE", "PSI") and data.targets == ("GRADE",)
    theta_gd, theta_mle = namespace["theta_gd"], namespace["theta_mle"]
    assert numpy.max(numpy.abs(theta_gd - theta_mle)) < 1e-6
    assert "difference          = 0" in out  # cross-entropy is minus the log-likelihood
    assert "simplified: ∂c/∂β₁ = x₁·(ŷ − y)" in out
    assert "Spector and Mazzeo (1980)" in out
    assert 2.0 < theta_mle[3] < 3.0  # PSI's coefficient, as statsmodels reports it (2.3787)
    assert namespace["check_probability"](0.5) is False


def test_lesson_3_the_logistic_slope_is_h_times_1_minus_h_at_most_a_quarter(lesson):
    out, namespace = lesson("03")
    assert sympy.expand(namespace["logistic_in_h"] - h * (1 - h)) == 0
    assert namespace["logistic_max"] == sympy.Rational(1, 4)
    assert "max of G′(z) over all z: 1/4" in out
    # one plot per activation, each with its frame and both curves' legend
    for name in ("logistic", "tanh", "relu", "identity", "softplus"):
        assert f"{name}: G(z) = " in out
    assert out.count("┌") >= 5 and out.count("G′(z), the slope") == 5
    assert "\x1b[" not in out  # plain text, no colour codes
    assert namespace["check_logistic_slope"](0.25) is True
    assert namespace["check_logistic_slope"](0.5) is False
