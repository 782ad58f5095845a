"""A time limit on SymPy's work: a profile hook that stops it, for formulas whose checks explode.

SymPy's automatic simplification asks questions (is this real? positive?) whose answers can take
minutes for short formulas such as ``tanh(sqrt(tanh(sqrt(tanh(sqrt(tanh(sqrt(x))))))))``.
"""

from __future__ import annotations

import inspect
import os
import sys
import time

import mpmath
import sympy

from .. import activations

_RESUMABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_WATCHED = tuple(os.path.dirname(module.__file__) + os.sep for module in (sympy, mpmath, activations))


class OutOfTime(BaseException):
    """Raised inside SymPy by the watchdog; a BaseException, so ``except Exception`` lets it by."""


def hook(seconds: float | None):
    """A profile hook that stops the thread's Python code ``seconds`` from now (None: no hook).

    The hook checks the clock on each call; it is left out while a profiler is running. Python
    drops a hook that raises, so it raises only in plain function calls of SymPy, mpmath and
    tutor, never where the exception would be ignored: a generator being closed by the garbage
    collector, ``__del__``, or another library's callback that the garbage collector or a weak
    reference runs in between (hypothesis has one).
    """
    if seconds is None or sys.getprofile() is not None:
        return None
    end = time.perf_counter() + seconds

    def watchdog(frame, event, arg):
        code = frame.f_code
        if event == "call" and time.perf_counter() > end and not code.co_flags & _RESUMABLE \
                and code.co_name != "__del__" and code.co_filename.startswith(_WATCHED):
            raise OutOfTime

    return watchdog
