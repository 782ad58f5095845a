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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the robustness figures (tests/figures.py) that this run produced; after a whole,
    passing default run, say so if the README quotes other figures."""
    from figures import lines, quoted_in_readme

    if not (figures := lines()):
        return
    terminalreporter.section("robustness figures")
    for line in figures:
        terminalreporter.write_line(line)
    whole = (config.args == config.getini("testpaths") and not config.option.keyword
             and config.option.markexpr == "not fuzz")
    if whole and exitstatus == 0 and quoted_in_readme() != figures:
        terminalreporter.write_line("README.md's testing section quotes other figures: copy "
                                    "these into it", yellow=True)
