"""How the UI tests drive tutor's terminal UI: one driver for every UI test file.

``drive(check, preset)`` opens a fresh :class:`TutorApp` headless (Textual's Pilot, through
``open_app``), waits until what it opened is built, runs ``await check(app, pilot)`` and then
checks that the app closed cleanly. The app records its notifications in ``app.notes``.
``settle`` waits for the workers and their messages; ``answer`` types into a stepper prompt;
``send`` puts keys and clicks through the app's driver as a terminal sends them, all at once;
``text`` and ``shown`` read the screen. ``Terminal`` drives the real ``python -m tutor`` in
tmux. The ``write_lessons`` fixture gives the home screen a folder of lessons written by the
test (import ``write_lessons_fixture`` to use it).

Plain functions around ``asyncio.run``: no pytest-asyncio needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.widgets import Static, TextArea

import tutor.lesson
from tutor.ui.app import TutorApp

__all__ = ["open_app", "drive", "settle", "answer", "send", "key_event", "mouse_events", "text", "shown",
           "Terminal", "write_lessons_fixture", "REPO"]

REPO = Path(__file__).resolve().parent.parent
Check = Callable[..., Awaitable[None]]


@contextlib.asynccontextmanager
async def open_app(preset: str | None = None, *, lesson: Path | None = None, app=None,
                   size: tuple[int, int] = (100, 30), notifications: bool = False):
    """``async with open_app("slides") as (app, pilot)``: the UI (at home, on a preset's
    stepper, on a lesson, or ``app``), once what it opened is built; it must close cleanly."""
    app = app if app is not None else TutorApp(preset, lesson)
    record(app)
    async with app.run_test(size=size, notifications=notifications) as pilot:
        await settle(app, pilot)
        yield app, pilot
    assert app.return_code in (None, 0), f"return code {app.return_code}"


def drive(check: Check, preset: str | None = None, **options):
    """``open_app(preset, **options)``, then ``await check(app, pilot)``; returns the app."""
    opened = []

    async def main():
        async with open_app(preset, **options) as (app, pilot):
            opened.append(app)
            await check(app, pilot)

    asyncio.run(main())
    return opened[0]


def record(app) -> list[str]:
    """Keep the app's notifications' messages in ``app.notes`` (and still show them)."""
    app.notes = []
    notify = app.notify

    def recorded(message, **options):
        app.notes.append(str(message))
        return notify(message, **options)

    app.notify = recorded
    return app.notes


async def settle(app, pilot, until: Callable[[], bool] | None = None) -> None:
    """Let the workers finish and their results land on the screen (until ``until()`` holds)."""
    for _ in range(200 if until else 3):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if until is not None and until():
            break
    await pilot.pause()
    if until is not None:
        assert until(), "the screen never got ready"


async def answer(app, pilot, key: str, typed: str) -> None:
    """Press ``key`` (l, p, s) and answer its prompt with ``typed``."""
    await pilot.press(key)
    await pilot.pause()
    app.screen.query_one("#answer").value = typed
    await pilot.press("enter")
    await pilot.pause()


def key_event(key: str) -> events.Key:
    """The event a terminal's driver posts for ``key`` (as ``Pilot.press`` builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def mouse_events(x: int, y: int, kind: str) -> list[events.MouseEvent]:
    """What a terminal sends for a click (down, up: the app makes the Click) or a wheel turn."""
    def make(cls, button):
        return cls(None, x, y, 0, 0, button, False, False, False, screen_x=x, screen_y=y)

    if kind == "click":
        return [make(events.MouseDown, 1), make(events.MouseUp, 1)]
    if kind == "right-click":
        return [make(events.MouseDown, 3), make(events.MouseUp, 3)]
    wheel = {"wheel-up": events.MouseScrollUp, "wheel-down": events.MouseScrollDown}[kind]
    return [make(events.MouseMove, 0), make(wheel, 0)]


def send(app, *keys: str, at: tuple[int, int] = (40, 12)) -> None:
    """Keys (and "click", at ``at``) through the app's driver at once, as a fast typist's
    keys arrive: none is handled before the last is sent."""
    for key in keys:
        for event in mouse_events(*at, "click") if key == "click" else [key_event(key)]:
            app._driver.send_message(event)


def text(where, selector: str | None = None) -> str:
    """A widget's text (the one ``selector`` picks on the screen ``where``)."""
    widget = where.query_one(selector) if selector else where
    return str(widget.content) if isinstance(widget, Static) else str(widget.render())


def shown(screen, selector: str) -> str:
    """The text of the widgets under ``selector`` (a tab, say) that it displays, in order."""
    root, parts = screen.query_one(selector), []
    for widget in root.query("*"):
        below_root = widget.ancestors_with_self[:widget.ancestors_with_self.index(root)]
        if not all(node.display for node in below_root):
            continue
        if isinstance(widget, TextArea):
            parts.append(widget.text)
        elif isinstance(widget, Static) and not widget.has_class("-textual-loading-indicator"):
            parts.append(str(widget.content))
    return "\n".join(parts)


class Terminal:
    """``python -m tutor`` (with ``args``) in a real terminal: tmux, in this checkout's root
    (not the installed ``tutor`` script, which imports the checkout it was installed from)."""

    def __init__(self, *args: str, size: tuple[int, int] = (100, 30)) -> None:
        self.session = f"tutor-test-{uuid.uuid4().hex[:8]}"
        command = " ".join([sys.executable, "-m", "tutor", *args])
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", str(size[0]),
                        "-y", str(size[1]), "-c", str(REPO), command], check=True,
                       env={**os.environ, "TERM": "xterm-256color"})

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], check=False)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session],
                              capture_output=True, text=True, check=True).stdout

    def press(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def wait_for(self, wanted: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.screen()
            if wanted in found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"{wanted!r} never appeared; the screen was:\n{self.screen()}")


@pytest.fixture(name="write_lessons")
def write_lessons_fixture(tmp_path, monkeypatch):
    """``lessons({"01_broken.py": text, …})``: the lessons the UI lists and opens, for this test."""

    def make(files: dict[str, str]) -> Path:
        folder = tmp_path / "lessons"
        folder.mkdir(exist_ok=True)
        for name, source in files.items():
            (folder / name).write_text(source, encoding="utf-8")
        monkeypatch.setattr(tutor.lesson, "LESSONS", folder)
        return folder

    return make
