"""Test settings: hypothesis runs derandomized, so every run (and CI) checks the same examples.

Set HYPOTHESIS_PROFILE=explore to draw fresh random examples instead, for a longer hunt.
"""

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


import functools  # noqa: E402
import io  # noqa: E402

import pytest  # noqa: E402


@functools.cache
def _run_lesson(name: str):
    from tutor.lesson import find, run

    out = io.StringIO()
    namespace = run(find(name), out=out)
    return out.getvalue(), namespace


@pytest.fixture
def lesson():
    """``lesson("07")`` runs a lesson once per test session: (its printed text, its namespace)."""
    return _run_lesson


def pytest_terminal_summary(terminalreporter):
    """Print the robustness figures (tests/figures.py) that this run produced."""
    from figures import lines

    if figures := lines():
        terminalreporter.section("robustness figures")
        for line in figures:
            terminalreporter.write_line(line)
