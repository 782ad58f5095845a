"""A data set with column names, and reading your own CSV files into one.

A ``Data`` holds the inputs ``X`` (one row per sample, one column per feature), the targets
``Y`` and the columns' names. ``load_csv`` reads a CSV file with a header row; every problem
with the file is a ``DataError`` that names the file, the line (the header is line 1) and the
column, and says what to do.

>>> import pathlib, tempfile
>>> from tutor.data import load_csv
>>> folder = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(folder.name, "wages.csv")
>>> _ = path.write_text("education,experience,wage\\n12,3,15.5\\n16,1,21.0\\n10,20,18.25\\n")
>>> data = load_csv(path)                          # the target is the last column here
>>> data.features, data.targets, data.n, data.k
(('education', 'experience'), ('wage',), 3, 2)
>>> data.X.tolist(), data.Y.tolist()
([[12.0, 3.0], [16.0, 1.0], [10.0, 20.0]], [15.5, 21.0, 18.25])
>>> _ = path.write_text("education,experience,wage\\n12,3,15.5\\n16,,21.0\\n")
>>> load_csv(path)
Traceback (most recent call last):
    ...
tutor.data.DataError: ...wages.csv: line 3, column 'experience' (2) is empty/NaN: fill or drop it
>>> folder.cleanup()
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, replace

import numpy

__all__ = ["Data", "DataError", "load_csv", "as_numbers"]

#: cells that mean "no value": they are reported as empty, not as "not a number"
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "nil", "missing", "."})


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


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file: check the path", path=path) from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file: give the CSV file's path", path=path) from None
    except PermissionError:
        raise DataError(f"{path}: can't be read (permission denied)", path=path) from None
    except OSError as error:
        raise DataError(f"{path}: can't be read ({error.strerror or error})", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line} is not UTF-8 text (byte {error.start + 1}): "
                        f"is it a CSV file? Save it as 'CSV UTF-8'", path=path, line=line) from None
    if "\x00" in text:
        raise DataError(f"{path}: contains NUL bytes, so it is not a text CSV file", path=path)
    if not text.strip():
        raise DataError(f"{path}: is empty: a CSV file needs a header row with the column names "
                        f"and then one row per sample", path=path)
    return text


def _delimiter(text: str) -> str:
    """',' unless the header line has no comma but has a ';' or a tab."""
    header = text.lstrip().splitlines()[0]
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","


def _rows(text: str, path: str):
    """(line number, cells) for every non-blank record; the line is where the record starts
    (a quoted cell may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DataError(f"{path}: line {line} can't be read as CSV ({error}): check its quotes",
                            path=path, line=line) from None
        if len(cells) > 1 or (cells and cells[0].strip()):
            yield line, cells


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _columns(wanted, header: list[str], what: str, path: str) -> list[str]:
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    if not names:
        raise DataError(f"{path}: no {what} columns were given: name at least one of "
                        f"{_names(header)}", path=path)
    for name in names:
        if not isinstance(name, str):
            raise DataError(f"{path}: {what} columns are given by name (a string), not {name!r}; "
                            f"the columns are {_names(header)}", path=path)
        if name not in header:
            raise DataError(f"{path}: no {what} column {name!r}; the columns are {_names(header)}",
                            path=path, column=name)
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{path}: {what} column {name!r} is named twice", path=path, column=name)
        seen.add(name)
    return names


def _number(cell: str, path: str, line: int, name: str, j: int, hint: str) -> float:
    where = f"{path}: line {line}, column {name!r} ({j + 1})"
    value = cell.strip()
    if value.lower() in MISSING:
        raise DataError(f"{where} is empty/NaN: fill or drop it", path=path, line=line, column=name)
    try:
        number = float(value)
    except ValueError:
        raise DataError(f"{where}: {value!r} is not a number{hint}",
                        path=path, line=line, column=name) from None
    if math.isnan(number):
        raise DataError(f"{where} is empty/NaN: fill or drop it", path=path, line=line, column=name)
    if math.isinf(number):
        raise DataError(f"{where}: {value!r} is infinite (or too large for a float): use a finite "
                        f"number or drop the row", path=path, line=line, column=name)
    return number


def _header(rows, path: str) -> list[str]:
    """The header row's column names: named, each once, and not numbers."""
    header_line, header = next(rows, (None, None))
    if header is None:
        raise DataError(f"{path}: is empty: a CSV file needs a header row", path=path)
    header = [cell.strip() for cell in header]
    if any(header) and all(_looks_numeric(cell) for cell in header if cell):
        raise DataError(f"{path}: line {header_line} holds numbers, not column names: add a header "
                        f"row naming the columns (for example x_1,x_2,y)", path=path, line=header_line)
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: line {header_line}, column {j + 1} has no name: every column "
                            f"needs one in the header", path=path, line=header_line)
        if name in header[:j]:
            raise DataError(f"{path}: line {header_line}: column {name!r} appears twice (columns "
                            f"{header.index(name) + 1} and {j + 1}): rename one",
                            path=path, line=header_line, column=name)
    return header


def _choose(header: list[str], target, features, path: str) -> tuple[list, list, str]:
    """The feature and target columns (by default y, or the last column, and all the others),
    and what to say about a bad cell in them."""
    if target is None:
        target = "y" if "y" in header else header[-1]
    targets = _columns(target, header, "target", path)
    if features is None:
        features = [name for name in header if name not in targets]
        if not features:
            raise DataError(f"{path}: there is no feature column, only the target "
                            f"{_names(targets)}: add input columns", path=path)
        hint = ": fix the cell, or leave this column out of the features"
    else:
        features = _columns(features, header, "feature", path)
        hint = ": fix the cell or drop the row"
    both = [name for name in features if name in targets]
    if both:
        raise DataError(f"{path}: column {both[0]!r} is both a feature and a target: leave it "
                        f"out of the features, or choose another target", path=path,
                        column=both[0])
    return features, targets, hint


def load_csv(path, target=None, features=None, *, standardize: bool = False,
             min_rows: int = 2) -> Data:
    """Read a CSV file with a header row into a ``Data``.

    ``target`` is the column to predict (default: the column named ``y`` if there is one,
    else the last column), or a list of names for several targets (Y is then (n, m));
    ``features`` are the input columns (default: every other column). Cells are parsed with
    ``float()`` and nothing else. Columns are separated by commas, or by semicolons or tabs
    when the header has no comma. ``standardize=True`` scales every feature to mean 0 and
    sd 1 (``Data.means`` and ``Data.stds`` keep the scaling). Fewer than ``min_rows`` data
    rows is an error.

    Every problem is a ``DataError`` (a ``ValueError``) naming the file, the line (the header
    is line 1) and the column.
    """
    path = os.fspath(path)
    rows = _rows(_read_text(path), path)
    header = _header(rows, path)
    features, targets, hint = _choose(header, target, features, path)
    used = [(header.index(name), name) for name in features + targets]
    values = []
    for line, cells in rows:
        if len(cells) != len(header):
            raise DataError(f"{path}: line {line} has {len(cells)} cells, the header has "
                            f"{len(header)}: check for missing or extra commas", path=path, line=line)
        values.append([_number(cells[j], path, line, name, j, hint) for j, name in used])
    if len(values) < min_rows:
        raise DataError(f"{path}: has {len(values)} data row{'s' * (len(values) != 1)} below the "
                        f"header; at least {min_rows} are needed", path=path)
    table = numpy.array(values, dtype=numpy.float64).reshape(len(values), len(used))
    k = len(features)
    Y = table[:, k] if len(targets) == 1 else table[:, k:]
    data = Data(table[:, :k], Y, tuple(features), tuple(targets), path)
    return data.standardized()[0] if standardize else data
