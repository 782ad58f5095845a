"""The history file of a run (``tutor.cli.history``): streamed as the run goes, whole rows only,
refused before any work when it can't be written or another run holds it, in bounded memory."""

import contextlib
import csv
import dataclasses
import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import tutor
from tutor.cli.history import History, HistoryError

ROOT = Path(__file__).resolve().parent.parent


def linear_run(steps=40, **options):
    """A small linear regression's kernel, its parameters' keys and ``steps`` steps of it."""
    kernel = tutor.linear_regression(1).compile()
    X, Y = tutor.datasets.linear(n=20)
    keys = [p.name for p in kernel.parameters]
    return keys, list(tutor.descend(kernel, [0.0, 0.0], X, Y, steps=steps, **options))


def written(step) -> list[float]:
    """What a row must hold for ``step``: t, epoch, loss, ∇c, θ before, θ after."""
    return [step.t, step.epoch, step.loss, *step.grad, *step.theta_before, *step.theta]


def read_csv(path) -> tuple[list[str], list[list[float]]]:
    """The header and rows of a history CSV, checked whole: every row ends in a line break, has
    every column and only numbers, t counts 1, 2, 3, … and each θ before is the θ after of the
    row above."""
    text = Path(path).read_bytes().decode("utf-8")
    assert text.endswith("\r\n"), f"the last row is cut short: {text[-80:]!r}"
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [[float(cell) for cell in row] for row in rows]
    assert all(len(row) == len(header) for row in rows)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    n = (len(header) - 3) // 3
    for above, row in zip(rows, rows[1:], strict=False):
        assert row[3 + n:3 + 2 * n] == above[3 + 2 * n:]
    return header, rows


def read_json(path) -> dict:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    assert [s["t"] for s in document["steps"]] == list(range(1, len(document["steps"]) + 1))
    return document


# -- what the file holds ------------------------------------------------------------------------
def test_the_csv_holds_every_step_with_the_typed_names_as_columns(tmp_path):
    net = tutor.mlp([2, 2, 1], activation="logistic", output="identity", loss="squared_error")
    kernel = net.compile()
    keys = [p.name for p in kernel.parameters]
    X, Y = tutor.datasets.toy(net, seed=0)
    steps = list(tutor.descend(kernel, net.init(seed=0), X, Y, steps=30, batch_size=4))
    with History(tmp_path / "run.csv", keys) as history:
        for step in steps:
            history.write(step)
    header, rows = read_csv(tmp_path / "run.csv")
    assert "beta_1^(1,2)" in keys  # a name with a comma: the header quotes it
    assert header == (["t", "epoch", "loss"] + [f"grad {k}" for k in keys]
                      + [f"before {k}" for k in keys] + keys)
    assert rows == [written(s) for s in steps]  # every float exactly, as it was
    assert rows[-1][1] == 8  # SGD's epochs: 4 updates of 4 samples each per epoch
    assert history.rows == 30


def test_the_json_holds_every_step_and_the_divergence(tmp_path):
    kernel = tutor.linear_regression(1).compile()
    X, Y = tutor.datasets.linear(n=20)
    keys, steps = [p.name for p in kernel.parameters], []
    with History(tmp_path / "run.json", keys) as history:
        with pytest.raises(tutor.Divergence) as caught:
            for step in tutor.descend(kernel, [0.0, 0.0], X, Y, steps=100, learning_rate=3):
                steps.append(step)
                history.write(step)
        history.close(caught.value)
    document = read_json(tmp_path / "run.json")
    assert [list(s.values()) for s in document["steps"]] == [written(s) for s in steps]
    assert list(document["steps"][0]) == ["t", "epoch", "loss", "grad alpha", "grad beta_1",
                                          "before alpha", "before beta_1", "alpha", "beta_1"]
    diverged, good = document["diverged"], caught.value.last_good
    assert diverged["message"] == str(caught.value) and "γ = 3 is too large" in diverged["message"]
    assert (diverged["step"], diverged["began"]) == (caught.value.step, caught.value.began)
    assert diverged["last_good"] == {"t": good.t, "theta": dict(zip(keys, good.theta.tolist(),
                                                                    strict=True))}
    assert good.t == steps[-1].t


def test_a_run_that_ends_well_records_no_divergence_and_a_non_finite_number_as_null(tmp_path):
    keys, steps = linear_run(steps=2)
    with History(tmp_path / "run.json", keys) as history:
        history.write(steps[0])
        history.write(dataclasses.replace(steps[1], loss=float("nan")))
    document = read_json(tmp_path / "run.json")
    assert document["diverged"] is None and document["steps"][1]["loss"] is None


@pytest.mark.parametrize("name", ["run.csv", "run.json"])
def test_the_file_is_whole_after_every_flush(tmp_path, name):
    keys, steps = linear_run(steps=5)
    path = tmp_path / name
    with History(path, keys, flush_seconds=0) as history:
        assert (read_csv(path)[1] if name.endswith("csv") else read_json(path)["steps"]) == []
        for step in steps:
            history.write(step)
            on_disk = read_csv(path)[1] if name.endswith("csv") else read_json(path)["steps"]
            assert len(on_disk) == step.t


def test_rows_wait_in_memory_for_at_most_flush_seconds(tmp_path):
    keys, steps = linear_run(steps=3)
    path = tmp_path / "run.csv"
    with History(path, keys, flush_seconds=0.2) as history:
        history.write(steps[0])
        history.write(steps[1])
        assert read_csv(path)[1] == []  # not yet: both came within the 0.2 s
        time.sleep(0.25)
        history.write(steps[2])
        assert len(read_csv(path)[1]) == 3


def test_close_is_idempotent_and_a_closed_history_takes_no_more_rows(tmp_path):
    keys, steps = linear_run(steps=2)
    with History(tmp_path / "run.csv", keys) as history:
        history.write(steps[0])
        history.close()
        history.close()
    with pytest.raises(ValueError, match="closed"):
        history.write(steps[1])
    assert len(read_csv(tmp_path / "run.csv")[1]) == 1
    with pytest.raises(ValueError, match="2 parameters, but step 1 has 1"):
        History(tmp_path / "other.csv", ["alpha", "beta_1"]).write(
            dataclasses.replace(steps[0], theta=steps[0].theta[:1]))


# -- interrupted runs -----------------------------------------------------------------------------
CHILD = """
import sys, time
import tutor
from tutor.cli.history import History

kernel = tutor.linear_regression(1).compile()
X, Y = tutor.datasets.linear(n=20)
keys = [p.name for p in kernel.parameters]
size = 1 << 30  # flush on the clock only, once a second, so that the test knows when
as_csv, as_json = History(sys.argv[1], keys, flush_bytes=size), History(sys.argv[2], keys,
                                                                          flush_bytes=size)
print("writing since", time.monotonic(), flush=True)
try:
    for step in tutor.descend(kernel, [0.0, 0.0], X, Y, steps=10**12, learning_rate=0.01):
        as_csv.write(step)
        as_json.write(step)
finally:  # what the descend command does after Ctrl-C
    as_csv.close()
    as_json.close()
    print(as_csv.rows, as_json.rows, flush=True)
"""


def test_a_killed_interrupted_or_terminated_run_leaves_whole_files(tmp_path):
    """Three runs that write forever, in parallel: one killed (nothing can run after it), one
    terminated (SIGTERM's default: the same), one interrupted (Ctrl-C: the finally closes).

    Each is signalled 1.5 s after it opened its files, half-way between its flushes: a kill
    that lands during a write itself can make Linux stop the write at a page boundary (see
    the module's warning), which no writer can prevent."""
    ways = {"kill": signal.SIGKILL, "term": signal.SIGTERM, "int": signal.SIGINT}
    with contextlib.ExitStack() as stack:
        runs = {}
        for way in ways:
            paths = tmp_path / f"{way}.csv", tmp_path / f"{way}.json"
            child = stack.enter_context(subprocess.Popen(
                [sys.executable, "-c", CHILD, *map(str, paths)], cwd=ROOT, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(ROOT)}))
            stack.callback(child.kill)  # should the test fail before the child is signalled
            runs[way] = paths, child
        opened = {}
        for way, (_, child) in runs.items():
            line = child.stdout.readline()
            assert line.startswith("writing since "), line + child.stderr.read()
            opened[way] = float(line.split()[-1])
        time.sleep(max(0.0, min(opened.values()) + 1.2 - time.monotonic()))
        with pytest.raises(HistoryError, match="another tutor run is writing it"):
            History(tmp_path / "kill.csv", ["alpha", "beta_1"])  # the lock holds across processes
        for way in sorted(ways, key=opened.get):
            time.sleep(max(0.0, opened[way] + 1.5 - time.monotonic()))
            runs[way][1].send_signal(ways[way])
        for way, ((csv_path, json_path), child) in runs.items():
            out, err = child.communicate(timeout=30)
            assert child.returncode == -ways[way], err
            rows, steps = read_csv(csv_path)[1], read_json(json_path)["steps"]
            assert rows and steps  # each file was flushed at least once, and is whole
            if way == "int":  # closed in the finally: every row handed in is on disk (and
                # one more where Ctrl-C came after a row went in, before the count went up)
                counted = [int(n) for n in out.split()[-2:]]
                assert len(rows) - counted[0] in (0, 1) and len(steps) - counted[1] in (0, 1)


# -- refused before any work ----------------------------------------------------------------------
def _a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    return tmp_path / "notes.txt"


@pytest.mark.parametrize(("where", "says"), [
    (lambda tmp: tmp / "missing" / "run.csv", "the folder {tmp}/missing does not exist; create it"),
    (lambda tmp: _a_file(tmp) / "run.csv", "{tmp}/notes.txt is a file, not a folder"),
    (lambda tmp: _a_file(tmp) / "deeper" / "run.json", "{tmp}/notes.txt is a file, not a folder"),
    (lambda tmp: tmp, "it is a folder; give a file inside it, such as {tmp}/run.csv"),
    (lambda tmp: f"{tmp}/new/", "a file's name can't end in a slash"),
    (lambda tmp: "", "the history file's name is empty"),
], ids=["a missing folder", "under a file", "deeper under a file", "a folder", "a slash", "empty"])
def test_a_path_that_cannot_be_written_is_refused_at_once(tmp_path, where, says):
    path = where(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(HistoryError) as caught:
        History(path, ["alpha"])
    message = str(caught.value)
    assert says.format(tmp=tmp_path) in message
    assert not path or f"cannot write the history to {path}" in message
    assert sorted(tmp_path.rglob("*")) == before  # nothing made on the way


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write to a read-only folder")
def test_a_folder_without_write_permission_is_refused_at_once(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(HistoryError, match="permission denied; choose a file in a folder"):
            History(folder / "run.csv", ["alpha"])
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl.flock is POSIX")
@pytest.mark.parametrize("name", ["run.csv", "run.json"])
def test_a_file_another_run_is_writing_is_refused_and_left_whole(tmp_path, name):
    keys, steps = linear_run(steps=6)
    path = tmp_path / name
    with History(path, keys, flush_seconds=0) as first:
        for step in steps[:3]:
            first.write(step)
        held = path.read_bytes()
        with pytest.raises(HistoryError) as caught:
            History(path, keys)
        assert str(caught.value) == (f"cannot write the history to {path}: another tutor run is "
                                     "writing it; choose another file, or wait for that run to end")
        assert path.read_bytes() == held  # not truncated
        for step in steps[3:]:
            first.write(step)
    expected = [written(s) for s in steps]
    assert (read_csv(path)[1] if name.endswith("csv") else
            [list(s.values()) for s in read_json(path)["steps"]]) == expected
    with History(path, keys):  # free again once the first run closed it
        pass


# -- a full disk ----------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["fails half-way", "writes short"])
@pytest.mark.parametrize("name", ["run.csv", "run.json"])
def test_a_full_disk_leaves_only_whole_rows_and_says_so(tmp_path, monkeypatch, name, how):
    keys, steps = linear_run(steps=6)
    path = tmp_path / name
    history = History(path, keys, flush_seconds=0)
    for step in steps[:3]:
        history.write(step)
    real_write, full = os.write, [True]

    def write(fd, data):  # the disk fills up part of the way through the next write
        if not full[0]:
            return real_write(fd, data)
        full[0] = False  # and cutting the file back frees the space again
        done = real_write(fd, data[:len(data) // 2])
        if how == "writes short":
            return done
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(HistoryError) as caught:
        history.write(steps[3])
    monkeypatch.undo()
    assert str(caught.value).startswith(f"cannot write the history to {path}: the disk is full")
    assert "free some space or choose a file on another disk" in str(caught.value)
    on_disk = (read_csv(path)[1] if name.endswith("csv")
               else [list(s.values()) for s in read_json(path)["steps"]])
    assert on_disk == [written(s) for s in steps[:3]]
    history.close()  # nothing more to do: the command's finally may still call it
    with pytest.raises(ValueError, match="closed"):
        history.write(steps[4])


def test_a_full_disk_at_the_header_is_found_before_the_first_step(tmp_path, monkeypatch):
    def write(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(HistoryError, match="the disk is full"):
        History(tmp_path / "run.csv", ["alpha"])
    monkeypatch.undo()
    assert (tmp_path / "run.csv").read_bytes() == b""


# -- memory ---------------------------------------------------------------------------------------
def test_memory_stays_flat_however_many_rows(tmp_path):
    """One flush's rows at most: the memory peak after 50,000 rows is the one after 5,000."""
    keys, steps = linear_run(steps=1)
    with History(tmp_path / "run.csv", keys, flush_seconds=3600) as history:
        tracemalloc.start()
        try:
            for _ in range(5_000):
                history.write(steps[0])
            early = tracemalloc.get_traced_memory()[1]
            for _ in range(45_000):
                history.write(steps[0])
            late = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert history.rows == 50_000
    assert late < early + 64 * 1024 and late < 8 * history.flush_bytes
    assert (tmp_path / "run.csv").stat().st_size > 10 * history.flush_bytes  # it was written out
