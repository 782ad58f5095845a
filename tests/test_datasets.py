"""The built-in data sets: shapes, seeds, the shapes of the classes, and ``load``."""

import numpy
import pytest

from tutor import datasets
from tutor.data import Data


@pytest.mark.parametrize("make", [datasets.moons, datasets.circles])
def test_two_class_sets_have_shape_and_balanced_labels(make):
    X, y = make(n=200, seed=0)
    assert X.shape == (200, 2) and y.shape == (200,)
    assert X.dtype == y.dtype == numpy.float64
    assert set(numpy.unique(y).tolist()) == {0.0, 1.0}
    assert y.sum() == 100
    X, y = make(n=51, seed=3)
    assert X.shape == (51, 2) and y.sum() in (25, 26)


@pytest.mark.parametrize("make", [datasets.moons, datasets.circles, datasets.linear,
                                  datasets.logistic])
def test_the_seed_fixes_the_data(make):
    X1, y1 = make(n=60, seed=7)
    X2, y2 = make(n=60, seed=7)
    X3, _ = make(n=60, seed=8)
    numpy.testing.assert_array_equal(X1, X2)
    numpy.testing.assert_array_equal(y1, y2)
    assert not numpy.array_equal(X1, X3)


def test_function_noise_is_seeded():
    _, a = datasets.function(n=30, seed=1, noise=0.1)
    _, b = datasets.function(n=30, seed=1, noise=0.1)
    _, c = datasets.function(n=30, seed=2, noise=0.1)
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.array_equal(a, c)


def test_moons_are_not_linearly_separable():
    X, y = datasets.moons(n=400, seed=0)
    A = numpy.column_stack([numpy.ones(len(y)), X])
    b = numpy.linalg.lstsq(A, 2 * y - 1, rcond=None)[0]
    accuracy = ((A @ b > 0) == (y == 1)).mean()
    assert 0.6 < accuracy < 0.95


def test_moons_without_noise_lie_on_their_arcs():
    X, y = datasets.moons(n=100, seed=0, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    numpy.testing.assert_allclose(numpy.hypot(*upper.T), 1.0)
    numpy.testing.assert_allclose(numpy.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()


def test_circles_inner_points_are_closer_to_the_centre():
    X, y = datasets.circles(n=200, seed=0)
    radius = numpy.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() < radius[y == 0].min()
    assert radius[y == 1].mean() == pytest.approx(0.5, abs=0.05)
    assert radius[y == 0].mean() == pytest.approx(1.0, abs=0.05)
    X, y = datasets.circles(n=40, seed=0, noise=0.0, factor=0.3)
    numpy.testing.assert_allclose(numpy.hypot(*X[y == 1].T), 0.3)
    numpy.testing.assert_allclose(numpy.hypot(*X[y == 0].T), 1.0)


@pytest.mark.parametrize("name", sorted(datasets.FUNCTIONS))
def test_function_values_are_f_on_an_even_grid(name):
    X, y = datasets.function(n=61, f=name, low=-3, high=3)
    assert X.shape == (61, 1) and y.shape == (61,)
    x = numpy.linspace(-3, 3, 61)
    numpy.testing.assert_array_equal(X[:, 0], x)
    expected = {"sin": numpy.sin(x), "abs": numpy.abs(x), "step": numpy.tanh(5 * x),
                "bump": numpy.exp(-x ** 2), "cubic": x ** 3 / 9 - x}[name]
    numpy.testing.assert_array_equal(y, expected)
    assert datasets.FUNCTIONS[name].description


def test_function_takes_a_callable_and_checks_it():
    X, y = datasets.function(n=11, f=numpy.cos, low=0, high=1)
    numpy.testing.assert_array_equal(y, numpy.cos(X[:, 0]))
    with pytest.raises(ValueError, match="unknown function 'tan'.*'sin'.*'cubic'"):
        datasets.function(f="tan")
    with pytest.raises(ValueError, match="elementwise"):
        datasets.function(n=5, f=lambda x: x[:2])
    with pytest.raises(ValueError, match="low < high"):
        datasets.function(low=1, high=1)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="at least 2"):
        datasets.moons(n=1)
    with pytest.raises(ValueError, match="noise"):
        datasets.circles(noise=-1)
    with pytest.raises(ValueError, match="factor"):
        datasets.circles(factor=1.5)
    with pytest.raises(ValueError, match="whole number"):
        datasets.moons(n=10.5)


def test_load_moons_is_named_data():
    data = datasets.load("moons", n=50)
    assert isinstance(data, Data)
    assert data.features == ("x_1", "x_2") and data.targets == ("y",)
    assert data.X.shape == (50, 2) and data.Y.shape == (50,)
    assert data.source == "built-in 'moons' (n=50, seed=0)"
    X, y = datasets.moons(n=50, seed=0)
    numpy.testing.assert_array_equal(data.X, X)
    numpy.testing.assert_array_equal(data.Y, y)


def test_load_slides():
    data = datasets.load("slides")
    assert data.X.tolist() == [[1.0]] and data.Y.tolist() == [6.0]
    assert data.features == ("x",) and data.targets == ("y",)
    with pytest.raises(ValueError, match="one fixed sample"):
        datasets.load("slides", n=10)


def test_load_names_the_inputs_and_passes_options():
    assert datasets.load("linear").features == ("x",)
    assert datasets.load("linear", k=3).features == ("x_1", "x_2", "x_3")
    assert datasets.load("logistic", n=20, k=2, seed=4).X.shape == (20, 2)
    data = datasets.load("function", n=9, f="bump")
    assert data.features == ("x",) and data.n == 9
    assert "f='bump'" in data.source
    assert datasets.load("circles").n == 200  # n=None: the data set's own default
    with pytest.raises(ValueError, match="no option 'k'.*noise"):
        datasets.load("moons", k=3)


def test_every_builtin_loads():
    for name, (make, description) in datasets.BUILTIN.items():
        assert callable(make) and description
        assert datasets.load(name).n >= 1


def test_unknown_name_lists_the_names_and_mentions_csv():
    with pytest.raises(ValueError, match="'spirals'") as error:
        datasets.load("spirals")
    message = str(error.value)
    for name in ("slides", "linear", "logistic", "moons", "circles", "function"):
        assert repr(name) in message
    assert "CSV" in message
