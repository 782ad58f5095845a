"""A run's history, written to a CSV or JSON file as the run goes, not when it ends.

Warning: rows wait in memory until the next flush, which comes at least once a second, so a
``kill -9`` loses about the last second of the run (a Ctrl-C that reaches :meth:`History.close`,
in a ``finally``, loses nothing). And a signal that kills the process *while* a flush's write
is under way (SIGKILL, or SIGTERM and SIGHUP left to their default) can make Linux stop that
write at a page boundary, cutting the last row: measured here, 2 files of 1,000 (CSV or JSON)
in 500 random SIGKILLs, as a flush writes for a millisecond or two a second. Signals turned
into exceptions (Python's SIGINT, a SIGTERM handler that raises) never cut a write.

The file is opened, locked and truncated before the first step: a path that can't be written,
or a file another tutor run is writing, is refused before any work is done. Each flush writes
whole rows in one ``os.write``, at the offset where the last whole row ended, so the file is
valid CSV (or one valid JSON document) between flushes; a write that fails half-way (a full
disk) is cut back to the last whole row and raised as :class:`HistoryError`.

>>> import os, tempfile, tutor
>>> kernel = tutor.linear_regression(1).compile()
>>> X, Y = tutor.datasets.linear(n=10)
>>> folder = tempfile.TemporaryDirectory()
>>> path = os.path.join(folder.name, "run.csv")
>>> with History(path, [p.name for p in kernel.parameters]) as history:
...     for step in tutor.descend(kernel, [0.0, 0.0], X, Y, steps=3):
...         history.write(step)
>>> with open(path) as file:
...     print(file.readline().strip())
t,epoch,loss,grad alpha,grad beta_1,before alpha,before beta_1,alpha,beta_1
>>> history.rows
3
>>> folder.cleanup()
"""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path

try:
    import fcntl
except ImportError:  # no advisory locks here (Windows): two runs are not kept apart
    fcntl = None

__all__ = ["History", "HistoryError", "columns", "record", "divergence_record", "json_text"]

FLUSH_SECONDS = 1.0  # a kill loses at most about this long of the run
FLUSH_BYTES = 1 << 18  # and the rows waiting in memory stay under about this much text

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class HistoryError(ValueError):
    """The history file can't be opened or written; the message names the file, says what is
    wrong and what to do."""


class History:
    """The steps of one run of :func:`tutor.descend`, streamed to ``path`` as CSV, or as one
    JSON document ``{"steps": [...], "diverged": ...}`` when ``path`` ends in ``.json``.

    ``keys`` are the parameters' typed names (``alpha``, ``beta_1^(1,2)``), in θ's order; the
    columns are t, epoch, loss, ``grad <key>``…, ``before <key>``…, ``<key>``….

    Rows are flushed once ``flush_seconds`` have passed since the last flush (checked at each
    :meth:`write`) or ``flush_bytes`` of text are waiting, and at :meth:`close`, which records
    the divergence, if any, in a JSON file. ``close`` may be called more than once, and the
    ``with`` block calls it, so a ``finally`` can close after Ctrl-C.
    """

    def __init__(self, path: str | os.PathLike, keys: Sequence[str], *,
                 flush_seconds: float = FLUSH_SECONDS, flush_bytes: int = FLUSH_BYTES):
        self.path = os.fspath(path)
        self.keys = list(keys)
        self.json = self.path.lower().endswith(".json")
        self.flush_seconds, self.flush_bytes = flush_seconds, flush_bytes
        self.rows = 0  # steps handed to write()
        self._columns = columns(self.keys)
        self._buffer = io.StringIO(newline="")
        self._end = 0  # where the last whole row ends: everything before it is on disk
        self._closing = b""  # a JSON document's end, written after the rows at each flush
        self._fd: int | None = None
        self._fd = self._open()
        try:  # the header now, so that a full disk is found before the first step too
            if self.json:
                self._buffer.write('{"steps": [')
                self._commit(_closing(None))
            else:
                csv.writer(self._buffer).writerow(self._columns)  # quotes beta_1^(1,2)
                self._commit()
        except BaseException:
            self._release()
            raise
        self._first = self._end  # where the first row goes
        self._flushed = time.monotonic()

    # -- opening --------------------------------------------------------------------------------
    def _open(self) -> int:
        """The file, opened without truncating, locked, then truncated; or a HistoryError."""
        if not self.path:
            raise HistoryError("the history file's name is empty: give a file such as run.csv")
        flags = (os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            fd = os.open(self.path, flags, 0o666)
        except OSError as error:
            raise HistoryError(self._why(error)) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise HistoryError(f"cannot write the history to {self.path}: it is not a "
                                   "regular file (a device or a pipe); give the name of a file")
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise HistoryError(
                        f"cannot write the history to {self.path}: another tutor run is writing "
                        "it; choose another file, or wait for that run to end") from None
                except OSError:
                    pass  # a file system without locks (some network disks): write unlocked
            os.ftruncate(fd, 0)  # only now: the other run's file is left alone
        except HistoryError:
            os.close(fd)
            raise
        except OSError as error:
            os.close(fd)
            raise HistoryError(self._why(error)) from None
        return fd

    def _why(self, error: OSError) -> str:
        """What is wrong with the path, and what to do, from the error opening it."""
        path, head = self.path, f"cannot write the history to {self.path}"
        parent = Path(path).parent
        if error.errno == errno.EISDIR or os.path.isdir(path):
            if not os.path.isdir(path):
                return f"{head}: a file's name can't end in a slash; give one such as run.csv"
            return f"{head}: it is a folder; give a file inside it, such as {Path(path) / 'run.csv'}"
        if error.errno == errno.ENOTDIR:
            blocker = next((p for p in [parent, *parent.parents] if p.exists() and not p.is_dir()),
                           parent)
            return f"{head}: {blocker} is a file, not a folder; choose a file in a folder"
        if error.errno == errno.ENOENT:
            return (f"{head}: the folder {parent} does not exist; create it first (mkdir -p "
                    f"{parent}) or choose a file in a folder that exists")
        if error.errno in (errno.EACCES, errno.EPERM):
            return (f"{head}: permission denied; choose a file in a folder you may write to, "
                    "or a file you own")
        if error.errno == errno.EROFS:
            return f"{head}: the file system is read-only; choose a file on another disk"
        if error.errno in _FULL:
            return f"{head}: the disk is full; free some space or choose a file on another disk"
        return f"{head}: {error.strerror or error}"

    # -- writing --------------------------------------------------------------------------------
    def write(self, step) -> None:
        """Add one :class:`tutor.Step`; flush if a second has passed or the buffer is full."""
        if self._fd is None:
            raise ValueError(f"the history file {self.path} is closed")
        if len(step.theta) != len(self.keys):
            raise ValueError(f"the history of {self.path} has {len(self.keys)} parameters, "
                             f"but step {step.t} has {len(step.theta)}")
        values = _values(step)
        if self.json:
            first = self._end == self._first and not self._buffer.tell()
            text = ("\n" if first else ",\n") + json_text(dict(zip(self._columns, values, strict=True)))
        else:  # numbers never need quoting; str is what the csv module writes, at half the cost
            text = ",".join(map(str, values)) + "\r\n"
        self._buffer.write(text)  # one call: a Ctrl-C leaves the row in or out, never half of it
        self.rows += 1
        if (self._buffer.tell() >= self.flush_bytes
                or time.monotonic() - self._flushed >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the rows waiting in memory (and a JSON file's end) in one write."""
        if self._fd is None:
            return
        if self._buffer.tell():
            self._commit()
        self._flushed = time.monotonic()

    def close(self, divergence=None) -> None:
        """Flush, record ``divergence`` (a :class:`tutor.Divergence`) in a JSON file, and
        close; a second call does nothing."""
        if self._fd is None:
            return
        try:
            self._commit(_closing(divergence_record(divergence, self.keys)) if self.json else b"")
            os.ftruncate(self._fd, self._end + len(self._closing))  # a shorter end than before
        except OSError as error:
            raise self._failed(error) from None
        finally:
            self._release()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._fd is None else "open"
        return f"History({self.path!r}, {len(self.keys)} parameters, {self.rows} rows, {state})"

    def _commit(self, closing: bytes | None = None) -> None:
        """Write the rows waiting and the document's end (by default the one on disk), in one
        write where the last whole row ended; on a failure, cut back to the last whole row.

        The rows leave memory only once they are on disk, so a write that Ctrl-C interrupts
        after it reached the disk is written again, byte for byte, at the same place.
        """
        closing = self._closing if closing is None else closing
        rows = self._buffer.getvalue().encode("utf-8")
        data = rows + closing
        try:
            os.lseek(self._fd, self._end, os.SEEK_SET)
            written = os.write(self._fd, data)
            if written < len(data):  # on a regular file, the disk filled up
                raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes were written")
        except OSError as error:
            self._undo()
            raise self._failed(error) from None
        # one assignment, which CPython does not break for a signal: the rows are never both
        # on disk and still waiting, nor gone from memory with the offset still before them
        self._end, self._closing, self._buffer = (self._end + len(rows), closing,
                                                  io.StringIO(newline=""))

    def _undo(self) -> None:
        """Put back the document's end that was on disk, over bytes the file already holds (no
        new space needed), and cut the file back to it: only whole rows stay."""
        try:
            if self._closing:
                os.lseek(self._fd, self._end, os.SEEK_SET)
                os.write(self._fd, self._closing)
            os.ftruncate(self._fd, self._end + len(self._closing))
        except OSError:
            pass  # the error being raised already says the file is cut short

    def _failed(self, error: OSError) -> HistoryError:
        self._release()
        if error.errno in _FULL:
            detail = "" if error.strerror == os.strerror(error.errno) else f" ({error.strerror})"
            what = (f"the disk is full{detail}. The file holds the rows up to the last whole "
                    "one; free some space or choose a file on another disk")
        else:
            what = f"{error.strerror or error}"
        return HistoryError(f"cannot write the history to {self.path}: {what}")

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # and with it the lock


def _closing(diverged: dict | None) -> bytes:
    """A JSON document's end after its rows: the ``]`` of steps, then ``diverged``."""
    return f'\n], "diverged": {json_text(diverged)}}}\n'.encode()


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)  # made once: json.dumps's
# keywords make a new encoder per call, a fifth of a row's time


def json_text(value) -> str:
    """One line of JSON, with NaN and infinity as null (as ``tutor.cli.render.dump_json``)."""
    try:
        return _ENCODER.encode(value)
    except ValueError:
        return _ENCODER.encode(_finite(value))


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def columns(keys: Sequence[str]) -> list[str]:
    """A history's columns: t, epoch, loss, ``grad <key>``…, ``before <key>``…, ``<key>``…."""
    keys = list(keys)
    return ["t", "epoch", "loss", *(f"grad {k}" for k in keys), *(f"before {k}" for k in keys),
            *keys]


def _values(step) -> list:
    return [step.t, step.epoch, step.loss, *step.grad.tolist(), *step.theta_before.tolist(),
            *step.theta.tolist()]


def record(step, keys: Sequence[str]) -> dict:
    """One step as a row of the history, by column (what ``--json`` prints too)."""
    return dict(zip(columns(keys), _values(step), strict=True))


def divergence_record(divergence, keys: Sequence[str]) -> dict | None:
    """A :class:`tutor.Divergence` as the JSON history (and ``--json``) records it."""
    if divergence is None:
        return None
    good = divergence.last_good
    return {"message": str(divergence), "step": divergence.step, "began": divergence.began,
            "last_good": None if good is None else {
                "t": good.t, "theta": dict(zip(keys, good.theta.tolist(), strict=True))}}
