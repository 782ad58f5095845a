"""The econometric baselines: closed-form OLS and Newton-Raphson logit.

Gradient descent in the lessons is judged against these, so they are checked against
statsmodels (the reference implementation), against exact answers, and against the
first-order condition of the likelihood.  Bad inputs must fail loudly, with a message.
"""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest

import tutor.econometrics
from tutor.econometrics import logit_mle, ols


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def _simulated_regression(seed: int = 0, n: int = 200, k: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    y = 1.5 + X @ np.array([2.0, -1.0, 0.5]) + rng.normal(scale=0.3, size=n)
    return X, y


def _simulated_logit(seed: int = 1, n: int = 500):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < _sigmoid(-0.5 + X @ np.array([1.0, -2.0]))).astype(float)
    return X, y


def _spector():
    sm = pytest.importorskip("statsmodels.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = sm.datasets.spector.load_pandas()
    X = data.exog[["GPA", "TUCE", "PSI"]].to_numpy(dtype=float)
    y = data.endog.to_numpy(dtype=float)
    return X, y


def _statsmodels_params(model: str, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    sm = pytest.importorskip("statsmodels.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        design = sm.add_constant(X)
        if model == "ols":
            return np.asarray(sm.OLS(y, design).fit().params)
        return np.asarray(sm.Logit(y, design).fit(disp=0).params)


# --- OLS --------------------------------------------------------------------------------


def test_ols_matches_statsmodels_on_a_simulated_regression():
    pytest.importorskip("statsmodels.api")
    X, y = _simulated_regression()
    np.testing.assert_allclose(ols(X, y), _statsmodels_params("ols", X, y), rtol=0, atol=1e-10)


def test_ols_matches_statsmodels_on_spector_as_a_linear_probability_model():
    pytest.importorskip("statsmodels.api")
    X, y = _spector()
    np.testing.assert_allclose(ols(X, y), _statsmodels_params("ols", X, y), rtol=0, atol=1e-10)


def test_ols_recovers_known_coefficients_from_noiseless_data_constant_first():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3))
    theta = np.array([0.7, -1.25, 3.0, 0.125])  # (alpha, beta_1, beta_2, beta_3)
    y = theta[0] + X @ theta[1:]
    np.testing.assert_allclose(ols(X, y), theta, rtol=0, atol=1e-12)


def test_ols_accepts_a_vector_x_and_a_column_y():
    x = np.linspace(-1.0, 1.0, 11)
    y = (4.0 - 2.0 * x)[:, None]
    np.testing.assert_allclose(ols(x, y), [4.0, -2.0], rtol=0, atol=1e-12)


def test_ols_residuals_are_orthogonal_to_the_design():
    X, y = _simulated_regression(seed=5)
    theta = ols(X, y)
    A = np.column_stack([np.ones(len(y)), X])
    np.testing.assert_allclose(A.T @ (y - A @ theta), 0.0, atol=1e-9)


# --- logit ------------------------------------------------------------------------------


def test_logit_matches_statsmodels_on_spector():
    pytest.importorskip("statsmodels.api")
    X, y = _spector()
    np.testing.assert_allclose(
        logit_mle(X, y), _statsmodels_params("logit", X, y), rtol=1e-8, atol=1e-8
    )


def test_logit_matches_statsmodels_on_a_simulated_logit():
    pytest.importorskip("statsmodels.api")
    X, y = _simulated_logit()
    np.testing.assert_allclose(
        logit_mle(X, y), _statsmodels_params("logit", X, y), rtol=1e-8, atol=1e-8
    )


def test_logit_score_is_zero_at_the_mle():
    # First-order condition: dl/dtheta = A'(y - sigma(A theta)) = 0 at the maximum.
    X, y = _simulated_logit(seed=7)
    theta = logit_mle(X, y)
    A = np.column_stack([np.ones(len(y)), X])
    score = A.T @ (y - _sigmoid(A @ theta))
    np.testing.assert_allclose(score, 0.0, atol=1e-8)


def test_logit_is_stable_when_some_linear_predictors_are_huge():
    # One far-away point gives |z| ~ 1000: sigma must not overflow (warnings are errors).
    rng = np.random.default_rng(11)
    x = np.r_[rng.normal(size=300), 1000.0]
    y = np.r_[(rng.random(300) < _sigmoid(0.3 + x[:300])).astype(float), 1.0]
    theta = logit_mle(x, y)
    assert np.all(np.isfinite(theta))
    assert theta[1] * 1000.0 > 700.0  # the outlier sits far beyond exp's overflow point


def test_logit_gives_up_loudly_when_max_iter_is_too_small():
    X, y = _simulated_logit()
    with pytest.raises(RuntimeError, match="did not converge in max_iter=1"):
        logit_mle(X, y, max_iter=1)


# --- bad input --------------------------------------------------------------------------


def test_nan_in_x_is_rejected_with_its_position():
    X, y = _simulated_regression()
    X[4, 2] = np.nan
    with pytest.raises(
        ValueError,
        match=r"X contains NaN or infinite values \(first at row 4, "
        r"column 2\)",
    ):
        ols(X, y)
    with pytest.raises(ValueError, match="X contains NaN"):
        logit_mle(X, (y > 1.5).astype(float))


def test_infinite_y_is_rejected():
    X, y = _simulated_regression()
    y[7] = np.inf
    with pytest.raises(ValueError, match=r"y contains NaN or infinite values \(first at row 7\)"):
        ols(X, y)


def test_mismatched_rows_are_rejected():
    X, y = _simulated_regression()
    with pytest.raises(ValueError, match="X has 200 rows but y has 199"):
        ols(X, y[:-1])


def test_wrong_dimensions_are_rejected():
    X, y = _simulated_regression()
    with pytest.raises(ValueError, match="X must be 1-D"):
        ols(X[:, :, None], y)
    with pytest.raises(ValueError, match=r"y must have shape \(n,\) or \(n, 1\)"):
        ols(X, np.column_stack([y, y]))


def test_too_few_rows_for_the_parameters_are_rejected():
    X, y = _simulated_regression()
    with pytest.raises(ValueError, match="too few rows: n=3 observations for 4 parameters"):
        ols(X[:3], y[:3])


def test_a_constant_column_is_collinear_with_the_intercept():
    X, y = _simulated_regression()
    X[:, 1] = 5.0
    with pytest.raises(ValueError, match="collinear or constant column.*X column 1 is constant"):
        ols(X, y)
    with pytest.raises(ValueError, match="collinear or constant column"):
        logit_mle(X, (y > 1.5).astype(float))


def test_collinear_columns_are_named():
    X, y = _simulated_regression()
    X[:, 2] = X[:, 0] - 2.0 * X[:, 1]
    with pytest.raises(ValueError, match="X column 0, X column 1, X column 2 are linearly dep"):
        ols(X, y)


def test_logit_rejects_a_non_binary_outcome():
    X, y = _simulated_logit()
    y[12] = 2.0
    with pytest.raises(ValueError, match="y must contain only 0 and 1; found 2 at row 12"):
        logit_mle(X, y)


def test_logit_rejects_an_outcome_that_never_varies():
    X, _ = _simulated_logit()
    with pytest.raises(ValueError, match="y is 1 for every row"):
        logit_mle(X, np.ones(len(X)))


def test_logit_detects_perfect_separation():
    # y = 1 exactly when x > 4.5: the slope would have to be +infinity.
    x = np.arange(10.0)
    y = (x > 4.5).astype(float)
    with pytest.raises(ValueError, match="perfectly separated.*MLE does not exist"):
        logit_mle(x, y)


def test_logit_detects_quasi_complete_separation():
    # x1 < 0 => y = 0 and x1 > 0 => y = 1; only the rows with x1 == 0 overlap.
    rng = np.random.default_rng(2)
    x1 = rng.normal(size=100)
    x1[:30] = 0.0
    x2 = rng.normal(size=100)
    y = (x1 > 0).astype(float)
    y[:30] = rng.random(30) < _sigmoid(x2[:30])
    with pytest.raises(ValueError, match="quasi-completely separated.*MLE does not exist"):
        logit_mle(np.column_stack([x1, x2]), y)


def test_docstring_examples_run():
    failures, tried = doctest.testmod(tutor.econometrics)
    assert tried > 0 and failures == 0
