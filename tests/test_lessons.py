"""Every lesson runs as a script, seeded, in seconds, and shows what it claims."""

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.lesson import LESSONS, cells, find, render_markdown

ALL = sorted(LESSONS.glob("[0-9][0-9]_*.py"))


def run_script(path: Path) -> str:
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=path.parent.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_each_lesson_runs_as_a_script_and_has_the_expected_shape(path):
    parts = cells(path)
    assert parts[0].kind == "markdown" and parts[0].source.startswith("# ")  # a title first
    assert "What you will see" in parts[0].source
    assert any("Exercise" in c.source for c in parts if c.kind == "markdown")
    assert "Recap" in parts[-1].source
    out = run_script(path)
    assert "Traceback" not in out and parts[0].source[2:].splitlines()[0] in out


def test_lesson_7_works_the_slides_example(lesson):
    out, namespace = lesson("07")
    assert namespace["first"].theta[0] == 2.6 or abs(namespace["first"].theta[0] - 2.6) < 1e-12
    assert "α₁ = α₀ − γ·∂c/∂α = 2 − 0.1·(−6) = 2.6" in out
    assert "γ = 1.0   bounces    α: 2 → 8, 2, 8, 2, 8, 2" in out
    assert "γ = 0.5   one step   α: 2 → 5, 5" in out
    assert "diverged" in out and "α_new − 5 = (1 − 2γ)·(α − 5)" in out


def test_lessons_are_found_by_number_or_name_and_prose_prints_plainly():
    assert find("7") == find("07") == find("gradient_descent")
    with pytest.raises(ValueError, match="no lesson '99'"):
        find("99")
    assert render_markdown("# Title\n\nSome *words* and `code`.") == (
        "Title\n═════\n\nSome words and code.")


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_each_lesson_opens_as_a_notebook(path):
    """jupytext (what Jupyter uses for py:percent files) reads the same prose and code cells."""
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.read(path)
    kinds = [cell.cell_type for cell in notebook.cells]
    ours = [cell.kind for cell in cells(path)]
    assert kinds == ours and kinds[0] == "markdown" and "code" in kinds


@pytest.mark.parametrize("name", ["01", "02", "07", "08", "10"])
def test_lessons_with_gradient_descent_hand_their_run_to_the_stepper(lesson, name):
    from tutor import Session

    _, namespace = lesson(name)
    stepper = namespace["stepper"]
    assert isinstance(stepper, Session)
    stepper.reset()
    assert stepper.forward() is not None and stepper.t == 1
