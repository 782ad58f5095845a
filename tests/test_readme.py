"""The README's example runs as written."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).parent.parent / "README.md"


def test_readme_python_example_runs_and_prints_the_slides_numbers():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has a Python example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(blocks), "README.md", "exec"), {})  # our own README, not user text
    text = out.getvalue()
    assert "∂c/∂α = −2ε" in text and "[2.6]" in text and "all " in text
    assert "F₁′(α₁^(1) + β₁^(1,1)·x₁ + β₁^(1,2)·x₂) · x₂" in text


def test_the_tour_computes_the_slides_example(capsys):
    from tutor.cli import main

    assert main(["tour"]) == 0
    text = capsys.readouterr().out
    assert "∂c/∂α = −2ε" in text and "diverged" in text and "2.6" in text
