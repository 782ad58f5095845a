"""A kernel's ``xp`` on NumPy is NumPy with a few functions swapped for faster forms of the
same thing. The same thing means the same numbers: these tests hold the swaps to NumPy's own."""

import numpy
import pytest

from tutor.backends import backend

xp = backend("numpy").namespace()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(7, 1), (7, 2), (1024, 10), (5, 32), (5, 33), (300, 100)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_and_max_along_rows_are_numpys(dtype, shape, keepdims):
    a = numpy.random.default_rng(0).standard_normal(shape).astype(dtype)
    mx = xp.max(a, axis=1, keepdims=keepdims)
    assert mx.dtype == a.dtype
    numpy.testing.assert_array_equal(mx, numpy.max(a, axis=1, keepdims=keepdims))
    total = xp.sum(a, axis=1, keepdims=keepdims)
    assert total.dtype == a.dtype and total.shape == numpy.sum(a, axis=1, keepdims=keepdims).shape
    tol = 1e-12 if dtype == "float64" else 1e-5
    numpy.testing.assert_allclose(total, numpy.sum(a, axis=1, keepdims=keepdims), rtol=tol,
                                  atol=tol * numpy.abs(a).sum(axis=1, keepdims=keepdims).max())


def test_other_sums_and_maxima_are_numpys_own():
    a = numpy.arange(12.0).reshape(3, 4)
    assert xp.sum(a) == 66.0 and xp.max(a) == 11.0
    numpy.testing.assert_array_equal(xp.sum(a, axis=0), [12.0, 15.0, 18.0, 21.0])
    numpy.testing.assert_array_equal(xp.max(a, axis=0), [8.0, 9.0, 10.0, 11.0])
    mask = a > 4  # booleans count, as in NumPy
    numpy.testing.assert_array_equal(xp.sum(mask, axis=1), [0, 3, 4])
    out = numpy.empty(3)
    xp.sum(a, axis=1, out=out)
    numpy.testing.assert_array_equal(out, [6.0, 22.0, 38.0])


def test_the_maximum_of_a_row_with_nan_is_nan_as_in_numpy():
    a = numpy.array([[1.0, numpy.nan, 3.0], [4.0, 5.0, 6.0]])
    numpy.testing.assert_array_equal(xp.max(a, axis=1), numpy.max(a, axis=1))
