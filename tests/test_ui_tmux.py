"""The real `tutor` command in a real terminal (tmux): start it, press keys, read the screen."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

# `python -m tutor` in this checkout's root, not the installed `tutor` script: an editable
# install's script imports the checkout it was installed from, which may be another one
REPO = Path(__file__).resolve().parent.parent


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=True).stdout


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen(session)}")


def test_the_tutor_command_steps_through_the_slides_example_in_tmux():
    command = [sys.executable, "-m", "tutor"]
    session = f"tutor-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    "-c", str(REPO), " ".join(command)], check=True, env=env)
    try:
        wait_for(session, "Playground")
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)  # the slides
        wait_for(session, "press space")
        subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
        shown = wait_for(session, "= 2.6")
        assert "∂c/∂α = −2ε = −2·3 = −6" in shown and "t = 1" in shown
        subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
        wait_for(session, "the keys")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
