"""Your own data: a CSV file with a header row, read into a :class:`tutor.Data`.

``load_csv`` reads a CSV file with a header row; every problem with the file is a
``DataError`` that names the file, the line (the header is line 1) and the column, and says
what to do.

>>> import pathlib, tempfile
>>> from tutor.csvfile import load_csv
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

import numpy

from .data import Data, DataError

__all__ = ["load_csv", "MISSING"]

#: cells that mean "no value": they are reported as empty, not as "not a number"
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "nil", "missing", "."})


def _names(names) -> str:
    return ", ".join(repr(n) for n in names)


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
        values.append([_number(cells[j], path, line, name, j,
                               hint if name in features else ": fix the cell or drop the row")
                       for j, name in used])
    if len(values) < min_rows:
        raise DataError(f"{path}: has {len(values)} data row{'s' * (len(values) != 1)} below the "
                        f"header; at least {min_rows} are needed", path=path)
    table = numpy.array(values, dtype=numpy.float64).reshape(len(values), len(used))
    k = len(features)
    Y = table[:, k] if len(targets) == 1 else table[:, k:]
    data = Data(table[:, :k], Y, tuple(features), tuple(targets), path)
    return data.standardized()[0] if standardize else data
