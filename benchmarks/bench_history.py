"""The memory and time of a long run that writes its history: `tutor descend --history`.

Bar: a peak under 200 MB for 10,000,000 steps of the slides' one-parameter model, where a
history kept in memory until the end grows by about 30 MB a second.

    python benchmarks/bench_history.py                      # the command, 10,000,000 steps
    python benchmarks/bench_history.py --direct             # tutor.descend into History, directly
    python benchmarks/bench_history.py --direct --steps 1000000 --json

Each run is a fresh process: `python -m tutor descend --steps N --history <tmp>.csv` (its table
to /dev/null), or with --direct this script's own child, which builds the command's problem
from the same options and writes each step of `tutor.descend` through
`tutor.cli.history.History`. Next to it, in the same invocation, a reference run of the same
kind with --steps 1000: the interpreter and the imports alone. Peak memory is the child's
ru_maxrss, from os.wait4 (what getrusage(RUSAGE_CHILDREN) reports, for that child alone). A
child whose resident memory passes --memory-limit is stopped, so a history kept in memory does
not fill the machine.

The exit status is 0 when every run wrote all its rows (N, the last with t = N), whatever the
memory; 1 when a run failed, was stopped at the limit, or its history is short.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR_MB = 200
REFERENCE_STEPS = 1000


@dataclass
class Run:
    label: str
    steps: int
    seconds: float
    peak_mb: float
    rows: int | None  # None: no history file
    last_t: int | None
    size_mb: float
    problem: str | None  # why the run failed, or None


def child(steps: int, path: str) -> int:
    """--direct: the descend command's problem, each step written through History."""
    sys.path.insert(0, str(ROOT))
    import tutor
    from tutor.cli.history import History

    problem = tutor.build("slides", "slides")  # what `tutor descend` builds with no options
    with History(path, problem.keys) as history:
        for step in tutor.descend(problem.compile(), problem.theta0, problem.X, problem.Y,
                                  learning_rate=0.1, steps=steps):
            history.write(step)
    return 0


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(label: str, command: list[str], steps: int, path: Path, limit_mb: float) -> Run:
    """Run ``command`` to its end (or to the memory limit); its wall time, peak and history."""
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull, tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=devnull, stderr=errors,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        stopped = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if not stopped and (rss_mb(process.pid) or 0) > limit_mb:
                os.kill(process.pid, signal.SIGKILL)
                stopped = True
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        errors.seek(0)
        stderr = errors.read().strip()
    problem = None
    if stopped:
        problem = f"stopped at the memory limit ({limit_mb:g} MB) after {seconds:.1f} s"
    elif process.returncode != 0:
        problem = f"exit status {process.returncode}: {stderr[-300:]}"
    rows, last_t, size = count_rows(path)
    if problem is None and (rows != steps or last_t != steps):
        problem = f"the history holds {rows} rows, the last with t = {last_t}, not {steps}"
    path.unlink(missing_ok=True)
    return Run(label, steps, seconds, usage.ru_maxrss / 1024, rows, last_t, size, problem)


def count_rows(path: Path) -> tuple[int | None, int | None, float]:
    """Rows in a CSV or JSON history (a line each), and the t of the last, read in chunks."""
    if not path.exists():
        return None, None, 0.0
    lines, tail = 0, b""
    with open(path, "rb") as file:
        while chunk := file.read(1 << 22):
            lines += chunk.count(b"\n")
            tail = (tail + chunk)[-4096:]
    last = [line for line in tail.splitlines() if line.strip()]
    if path.suffix == ".json":  # {"steps": [, a line per step, then ], "diverged": …}
        rows = lines - 2
        row = last[-2] if len(last) >= 2 else b""
        last_t = int(row.split(b",", 1)[0].split(b":")[1]) if row.startswith(b'{"t"') else None
    else:  # the header, then a line per step
        rows = lines - 1
        last_t = int(last[-1].split(b",", 1)[0]) if rows > 0 else None
    return rows, last_t, path.stat().st_size / 2**20


def command_for(direct: bool, steps: int, path: Path) -> list[str]:
    if direct:
        return [sys.executable, str(Path(__file__).resolve()), "--child", "--steps", str(steps),
                "--history", str(path)]
    return [sys.executable, "-m", "tutor", "descend", "--steps", str(steps), "--history", str(path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10_000_000, help="steps of the main run")
    parser.add_argument("--direct", action="store_true", help="drive tutor.cli.history.History "
                        "with tutor.descend in the child, instead of the descend command")
    parser.add_argument("--json", action="store_true", help="a .json history instead of .csv")
    parser.add_argument("--memory-limit", type=float, default=2000, metavar="MB",
                        help="stop a child whose resident memory passes this (default 2000)")
    parser.add_argument("--dir", help="where the history files go (default: a temporary folder)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--history", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.steps, args.history)
    kind = "History, directly" if args.direct else "tutor descend --history"
    suffix = ".json" if args.json else ".csv"
    print(f"{kind}: the slides' one-parameter model, a {suffix[1:].upper()} history; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / f"run{suffix}"
        runs = [measure("reference", command_for(args.direct, REFERENCE_STEPS, path),
                        REFERENCE_STEPS, path, args.memory_limit),
                measure("run", command_for(args.direct, args.steps, path), args.steps, path,
                        args.memory_limit)]
    reference = runs[0]
    print(f"\n{'run':<10} {'steps':>12} {'rows written':>13} {'wall':>9} {'steps/s':>9} "
          f"{'peak':>9} {'above ref':>10} {'file':>10}")
    print("-" * 88)
    for run in runs:
        rows = "-" if run.rows is None else f"{run.rows:,}"
        print(f"{run.label:<10} {run.steps:>12,} {rows:>13} {run.seconds:>8.1f}s "
              f"{run.steps / run.seconds:>9,.0f} {run.peak_mb:>6.1f} MB "
              f"{run.peak_mb - reference.peak_mb:>+7.1f} MB {run.size_mb:>7.1f} MB")
    for run in runs:
        if run.problem:
            print(f"\n{run.label}: {run.problem}")
    main_run = runs[1]
    verdict = "PASS" if main_run.peak_mb < BAR_MB and not main_run.problem else "FAIL"
    print(f"\n{verdict}  peak memory {main_run.peak_mb:.1f} MB for {main_run.steps:,} steps "
          f"(bar < {BAR_MB} MB; the reference run of {REFERENCE_STEPS:,} steps: "
          f"{reference.peak_mb:.1f} MB)")
    return 1 if any(run.problem for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
