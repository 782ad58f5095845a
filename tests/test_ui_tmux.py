"""The real `tutor` command in a real terminal (tmux): start it, press keys, read the screen."""

import shutil

import pytest
from ui_driver import Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_the_tutor_command_steps_through_the_slides_example_in_tmux():
    with Terminal(size=(100, 30)) as terminal:
        terminal.wait_for("Playground")
        terminal.press("Enter")  # the slides
        terminal.wait_for("press space")
        terminal.press("Space")
        shown = terminal.wait_for("= 2.6")
        assert "∂c/∂α = −2ε = −2·3 = −6" in shown and "t = 1" in shown
        terminal.press("?")
        terminal.wait_for("the keys")
