"""A data set with column names: the inputs X, the targets Y and where they came from.

A ``Data`` holds the inputs ``X`` (one row per sample, one column per feature), the targets
``Y`` and the columns' names, checked as it is made: every problem is a ``DataError`` that says
what is wrong and what to do. ``tutor.csvfile.load_csv`` reads your own CSV files into one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy

__all__ = ["Data", "DataError", "as_numbers"]

class DataError(ValueError):
    """A problem with a data set or a data file; the message says where and what to do.

    ``path``, ``line`` (1-based, the header is line 1) and ``column`` (the column's name) are
    kept as attributes where they apply, else None.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: str | None = None):
        super().__init__(message)
        self.path, self.line, self.column = path, line, column


_WHAT = {"X": "a table of numbers, one row per sample and one column per input: shape (n, k)",
         "Y": "the targets as numbers, one row per sample: shape (n,) or (n, m)",
         "θ₀": "the starting values, one number per parameter"}


def as_numbers(name: str, value, what: str | None = None):
    """``value`` as an array of numbers; a ValueError saying what ``name`` must be otherwise.

    CuPy and other array-API arrays are passed through as they are (their kernel checks them).

    >>> from tutor.data import as_numbers
    >>> as_numbers("Y", [1.0, "two"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: Y must be the targets as numbers, ...; it holds text such as 'two', not a number
    """
    what = what or _WHAT.get(name, "an array of numbers")
    if value is None:
        raise ValueError(f"{name} is missing (None): give {what}")
    if not isinstance(value, numpy.ndarray) and (hasattr(value, "__array_namespace__")
                                                  or hasattr(value, "__cuda_array_interface__")):
        return value
    try:
        array = numpy.asarray(value)
    except (TypeError, ValueError) as error:
        why = ("its rows are not all the same length" if "inhomogeneous" in str(error)
               else f"it can't be read as an array ({error})")
        raise ValueError(f"{name} must be {what}; {why}") from None
    if array.dtype.kind in "fiub":
        return array if array.dtype.kind == "f" else array.astype(float)
    if array.dtype.kind in "US":
        cells = [str(cell) for cell in array.ravel()]
        for cell in cells:
            try:
                float(cell)
            except ValueError:
                raise ValueError(f"{name} must be {what}; it holds text such as {cell!r}, not a "
                                 f"number") from None
        raise ValueError(f"{name} must be {what}; it holds numbers written as text (such as "
                         f"{cells[0] if cells else ''!r}): convert them to numbers first")
    if array.dtype.kind == "O":
        for cell in array.ravel():
            try:
                float(cell)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be {what}; it holds {cell!r}, which is not a "
                                 f"number") from None
        return array.astype(float)
    raise ValueError(f"{name} must be {what}; it holds {array.dtype} values, not real numbers")


def _names(names) -> str:
    return ", ".join(repr(n) for n in names)


@dataclass(frozen=True, eq=False)
class Data:
    """Inputs ``X`` (n, k), targets ``Y`` ((n,) for one target, (n, m) for several), their
    column names, and where they came from.

    ``means`` and ``stds`` are the columns' means and standard deviations that ``X`` was
    standardized with (None when it was not): an input x is scaled as (x − mean) / std.

    >>> import numpy
    >>> d = Data(numpy.array([[1.0], [2.0], [3.0]]), numpy.array([6.0, 7.0, 8.0]), ("x",), ("y",),
    ...          "y = 5 + x")
    >>> d.n, d.k
    (3, 1)
    >>> s, means, stds = d.standardized()
    >>> s.X.ravel().round(4).tolist(), means.tolist(), stds.round(4).tolist()
    ([-1.2247, 0.0, 1.2247], [2.0], [0.8165])
    >>> print(s.describe())
    3 rows, 1 feature (x) → target y; y = 5 + x, standardized
    """

    X: numpy.ndarray
    Y: numpy.ndarray
    features: tuple[str, ...]
    targets: tuple[str, ...]
    source: str = "data"
    means: tuple[float, ...] | None = None
    stds: tuple[float, ...] | None = None

    def __post_init__(self):
        where = f"{self.source}: "
        try:
            X = numpy.asarray(as_numbers("X", self.X), dtype=numpy.float64)
            Y = numpy.asarray(as_numbers("Y", self.Y, "the targets as numbers, one row per "
                                         "sample: shape (n,) or (n, m)"), dtype=numpy.float64)
        except ValueError as error:
            raise DataError(f"{where}{error}") from None
        if X.ndim == 1:
            X = X[:, None]
        features, targets = tuple(map(str, self.features)), tuple(map(str, self.targets))
        if X.ndim != 2:
            raise DataError(f"{where}X must be a table (n, k), not an array of shape {X.shape}")
        if Y.ndim not in (1, 2):
            raise DataError(f"{where}Y must be (n,) or (n, m), not an array of shape {Y.shape}")
        if Y.shape[0] != X.shape[0]:
            raise DataError(f"{where}X has {X.shape[0]} rows but Y has {Y.shape[0]}")
        if len(features) != X.shape[1]:
            raise DataError(f"{where}{len(features)} feature names for {X.shape[1]} columns of X")
        m = 1 if Y.ndim == 1 else Y.shape[1]
        if len(targets) != m:
            raise DataError(f"{where}{len(targets)} target names for {m} columns of Y")
        if X.shape[0] == 0:
            raise DataError(f"{where}there are no rows: a data set needs at least one sample")
        names = features + targets
        twice = [name for j, name in enumerate(names) if name in names[:j]]
        if twice:
            raise DataError(f"{where}the column name {twice[0]!r} is used twice: every feature and "
                            f"target needs its own name", column=twice[0])
        for array, columns in ((X, features), (Y.reshape(len(Y), -1), targets)):
            bad = numpy.argwhere(~numpy.isfinite(array))
            if bad.size:
                row, j = bad[0]
                value = array[row, j]
                raise DataError(f"{where}row {row + 1}, column {columns[j]!r} is {value}: data must "
                                f"be finite numbers; drop or impute that row", column=columns[j])
        for field, value in (("means", self.means), ("stds", self.stds)):
            if value is not None:
                value = tuple(float(v) for v in value)
                if len(value) != X.shape[1]:
                    raise DataError(f"{where}{len(value)} {field} for {X.shape[1]} columns of X")
                object.__setattr__(self, field, value)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "targets", targets)

    @property
    def n(self) -> int:
        """The number of samples (rows)."""
        return self.X.shape[0]

    @property
    def k(self) -> int:
        """The number of features (columns of X)."""
        return self.X.shape[1]

    @property
    def m(self) -> int:
        """The number of targets (1 when Y is a vector)."""
        return len(self.targets)

    def standardized(self) -> tuple[Data, numpy.ndarray, numpy.ndarray]:
        """A new ``Data`` with every column of X scaled to mean 0 and standard deviation 1
        (population sd, ``ddof=0``), and the means and sds used. Y is left as it is.

        A constant column can't be scaled: a ``DataError`` (a ``ValueError``) names it.
        """
        if self.n == 0:
            raise DataError(f"{self.source}: there are no rows to standardize")
        for j, name in enumerate(self.features):
            column = self.X[:, j]
            if column.max() == column.min():
                raise DataError(
                    f"{self.source}: column {name!r} ({j + 1}) is constant (every value is "
                    f"{column[0]:g}), so it can't be standardized: drop it from the features "
                    f"(or from the file)",
                    path=self.source, column=name)
        means, stds = self.X.mean(axis=0), self.X.std(axis=0)
        return (replace(self, X=(self.X - means) / stds, means=tuple(means), stds=tuple(stds)),
                means, stds)

    def describe(self) -> str:
        """One line: the size, the columns and the source."""
        shown = self.features if self.k <= 6 else self.features[:5] + ("…",)
        rows = "row" if self.n == 1 else "rows"
        noun = "feature" if self.k == 1 else "features"
        target = "target" if self.m == 1 else "targets"
        scaled = ", standardized" if self.means is not None else ""
        return (f"{self.n} {rows}, {self.k} {noun} ({', '.join(shown)}) → {target} "
                f"{', '.join(self.targets)}; {self.source}{scaled}")

    def __repr__(self) -> str:
        return f"<Data {self.describe()}>"
