"""The ``tutor`` command line: derive, check, descend, fit, kernel and tour, for the slides'
models, a typed formula, and built-in or CSV data; ``ui`` and ``lesson`` open the terminal UI.

A thin adapter: the options become tutor's specs (tutor.spec), the one pipeline
(tutor.problem) builds the model, data and θ₀, and the commands print what the library computes.

Exit codes: 0 success, 1 a failed gradient check, divergence or no convergence, 2 a usage error
(bad options, a formula our parser refuses, a bad CSV file), 3 an unexpected internal error (a
bug: reported in one line; set TUTOR_TRACEBACK=1 to see the traceback), 130 interrupted (Ctrl-C).
Nothing is ever reported with a Python traceback.
"""

from __future__ import annotations

import os
import signal
import sys

from .options import build_parser

__all__ = ["main", "build_parser"]


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code. Errors are one-line messages on stderr, never tracebacks."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C, wherever it lands (even while the maths libraries load)
        sys.stderr.write("tutor: interrupted\n")
        return 130
    except BrokenPipeError:  # `tutor descend | head`: the reader left; say nothing more
        _silence_stdout()
        return 0
    except MemoryError as error:
        detail = f" ({error})" if str(error) else ""
        sys.stderr.write(f"tutor: error: not enough memory{detail}: use less data (--n) or a "
                         "smaller model (--layers, --hidden)\n")
        return 2
    except OSError as error:  # writing the output failed: a full disk, a closed terminal
        sys.stderr.write(f"tutor: error: {error.strerror or error}\n")
        return 2
    except Exception as error:  # a bug: one line, and how to see more
        if os.environ.get("TUTOR_TRACEBACK"):
            raise
        sys.stderr.write(f"tutor: internal error: {type(error).__name__}: {error}\n"
                         "This is a bug in tutor. Run again with TUTOR_TRACEBACK=1 to see where it "
                         "happened, and report it with the command you ran.\n")
        return 3


def _silence_stdout() -> None:
    """After a broken pipe, send what is left to /dev/null so that exiting prints nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _terminate(signum, frame) -> None:
    """SIGTERM ends a run as Ctrl-C does: what was done is kept (printed, and in --history)."""
    raise KeyboardInterrupt


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "ui"):
        from ..ui import run

        return run(getattr(args, "preset", None))
    if args.command == "lesson":
        return _lesson(args)
    # the commands and the maths load only now: plain `tutor` (the UI) starts without them
    from ..backends import BackendError
    from ..parser import ParseError
    from ..spec import SpecError
    from . import commands, descend, specs

    run = {"derive": commands.derive, "check": commands.check, "kernel": commands.kernel,
           "tour": commands.tour, "descend": descend.descend_command, "fit": descend.fit}
    previous = signal.signal(signal.SIGTERM, _terminate) if _in_main_thread() else None
    try:
        specs.settings(args)
        return run[args.run](args)
    except ParseError as error:
        sys.stderr.write(f"tutor: cannot read the formula:\n{error}\n")
    except SpecError as error:
        sys.stderr.write(f"tutor: error: {specs.in_our_words(error)}\n")
    except (ValueError, BackendError) as error:  # DataError, KernelInputError, …
        sys.stderr.write(f"tutor: error: {error}\n")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 2


def _in_main_thread() -> bool:
    """Signal handlers can be set only from the main thread (not when a test calls main())."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _lesson(args) -> int:
    from ..lesson import find, run

    try:
        path = find(args.name)
    except ValueError as error:
        sys.stderr.write(f"tutor: error: {error}\n")
        return 2
    if args.print:
        run(path)
        return 0
    from ..ui import run as run_ui

    return run_ui(lesson=path)
