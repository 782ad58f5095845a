"""A seeded monkey in the terminal UI: thousands of random key presses, clicks, mouse-wheel turns
and terminal resizes, on every screen (home with each playground model, the stepper, the
derivation, a lesson, the help, the command palette), and not one unhandled exception.

Each *visit* starts a fresh app (through the UI tests' driver, tests/ui_driver.py) at a random
terminal size, walks to its screen with the keys a learner would press (checking it got there),
then lets the monkey loose: keys are sent through the app's driver the way a terminal sends
them, in bursts, with a pause every few keys, so thousands go through in well under a minute;
clicks and wheel turns land at random cells of the screen; now and then the terminal is resized,
from 12×4 to 300×100. Whatever the monkey starts (a run to convergence, a derivation, a lesson)
is waited for at the end of the visit: an exception in a worker fails the test as surely as one
in a key handler, because Textual stops the app on either and ``run_test`` raises it. ``ctrl+q``
is in the monkey's alphabet, rarely: a quit must be clean (return code 0), and the visit then
goes on in a new app.

The default run sends a few thousand events; ``python -m pytest -m fuzz`` sends many more, on
the real lessons too. Every failure names the visit, its seed and the last events sent, so it
can be replayed.
"""

from __future__ import annotations

import random
import string
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from figures import tally
from textual.command import CommandPalette
from textual.worker import WorkerState
from ui_driver import REPO, drive, key_event, mouse_events, settle, write_lessons_fixture  # noqa: F401

import tutor.lesson
import tutor.ui.screens.stepper
from tutor.spec import PRESETS
from tutor.ui.screens.derivation import DerivationScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.stepper import StepperScreen

# the keys the app binds somewhere, pressed often so that the monkey gets things done: those
# that act on the screen at hand, those that open or close a screen, and those that restyle
# every widget (moving the focus redraws the footer's keys; the theme, everything), which are
# slow enough to be pressed less
ACT = ["space", "n", "right", "left", "b", "r", "c", "a", "1", "2", "3", "plus", "minus",
       "equals_sign", "up", "down", "f", "g", "m", "pageup", "pagedown", "home", "end"]
NAVIGATE = ["escape", "enter", "l", "p", "s", "d", "question_mark", "ctrl+p", "q"]
RESTYLE = ["tab", "shift+tab", "ctrl+t"]
# everything else a keyboard sends: text, punctuation, editing keys, function keys
OTHER = (list(string.ascii_letters + string.digits + string.punctuation + " αγθ")
         + ["backspace", "delete", "insert", "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w",
            "ctrl+x", "ctrl+v", "ctrl+z", "ctrl+c", "ctrl+left", "ctrl+right", "shift+up",
            "shift+down", "shift+left", "shift+right", "ctrl+home", "ctrl+end", "ctrl+s",
            "ctrl+o"]
         + [f"f{i}" for i in range(1, 13)])
QUIT = "ctrl+q"
# typed into whatever has the focus, a character at a time: numbers that are not quite numbers,
# markup, names, nothing at all, and a lot of text
TEXT = ["", " ", "0", "-0", "1e999", "-1e-320", "nan", "inf", "-inf", "1,5", "½", "0x10", "٣",
        "alpha=", "=2", "alpha=nan", "beta_1^(1,1)=3", "x=1", "[b]", "[/]", "a[/b]",
        "[@click=app.quit]q[/]", "[red]x[/blue]", "\\", "'\"", "α + x", "alpha + x",
        "1/(1+exp(-z))", "exp(exp(exp(9)))", "x^99999", "((((((", "lessons/data/none.csv,wage",
        "/dev/null,y", ".", "9" * 80, "é" * 40]
SIZES = [(12, 4), (20, 6), (40, 12), (60, 16), (80, 24), (100, 30), (120, 40), (160, 50),
         (300, 100)]


@dataclass
class Visit:
    """A screen to reach from a fresh app, and how: the app's arguments, then keys."""

    name: str
    lands_on: type
    preset: str | None = None
    lesson: Path | None = None
    keys: list[str] = field(default_factory=list)


@dataclass
class Monkey:
    seed: int
    events_per_visit: int
    pause_every: int = 25
    keys: int = 0
    clicks: int = 0
    resizes: int = 0
    quits: int = 0
    apps: int = 0
    log: deque = field(default_factory=lambda: deque(maxlen=40))

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick_key(self) -> str:
        r = self.rng.random()
        if r < 0.0015:
            return QUIT
        return self.rng.choice(ACT if r < 0.45 else NAVIGATE if r < 0.57 else
                               RESTYLE if r < 0.6 else OTHER)

    def visit(self, visit: Visit) -> None:
        """Reach the visit's screen, then send random events until the budget is spent."""
        budget = self.events_per_visit
        first = True
        while budget > 0:  # a quit ends one app; the visit goes on in another
            budget = self._one_app(visit, budget, check_landing=first)
            first = False

    def _one_app(self, visit: Visit, budget: int, check_landing: bool) -> int:
        """One app, driven until the budget is spent or a ctrl+q quits it (cleanly: the driver
        checks the return code); what is left of the budget."""
        left = budget

        async def loose(app, pilot):
            nonlocal left
            await pilot.press(*visit.keys)
            await settle(app, pilot)
            if check_landing:
                assert isinstance(app.screen, visit.lands_on), (visit.name, app.screen)
            while left > 0 and app.is_running:
                left -= 1
                await self._act(app, pilot)
                if left % self.pause_every == 0 and app.is_running:
                    await pilot.pause()
                    usable(app)
            if app.is_running:
                await finish(app, pilot)
                usable(app)

        self.apps += 1
        size = self.rng.choice(SIZES[2:-2])  # start where the way in can be seen; resize later
        self.log.append(f"new app {visit.name} at {size}")
        app = drive(loose, visit.preset, lesson=visit.lesson, size=size, notifications=True)
        if not app.is_running and app.return_code is not None:
            assert app.return_code == 0, f"the app quit with return code {app.return_code}"
            self.quits += 1
        return left

    async def _act(self, app, pilot) -> None:
        r = self.rng.random()
        width, height = app.size
        if r < 0.005:
            text = self.rng.choice(TEXT)
            self.log.append(f"text {text!r} on {type(app.screen).__name__}")
            self.keys += len(text) + 1
            for char in text:
                app._driver.send_message(key_event(char))
            app._driver.send_message(key_event("enter"))
        elif r < 0.015:
            size = self.rng.choice(SIZES)
            self.log.append(f"resize {size}")
            self.resizes += 1
            await pilot.resize_terminal(*size)
        elif r < 0.1:
            x, y = self.rng.randrange(width), self.rng.randrange(height)
            kind = self.rng.choice(["click", "click", "click", "right-click", "wheel-up",
                                    "wheel-down", "pilot-click"])
            self.log.append(f"{kind} ({x}, {y}) on {type(app.screen).__name__}")
            self.clicks += 1
            if kind == "pilot-click":  # Pilot's own click, once the keys sent so far are handled
                await pilot.pause()
                if app.is_running:
                    await pilot.click(offset=(x, y))
            else:
                for event in mouse_events(x, y, kind):
                    app._driver.send_message(event)
        else:
            key = self.pick_key()
            self.log.append(f"key {key} on {type(app.screen).__name__}")
            self.keys += 1
            app._driver.send_message(key_event(key))
            if key == QUIT:
                await pilot.pause()


def usable(app) -> None:
    """The home screen is still there under whatever is open: no key or click closed it (a
    blank screen with nothing to go back to is as broken as a crash)."""
    stack = app.screen_stack
    assert len(stack) >= 2 and isinstance(stack[1], HomeScreen), f"the screens: {stack}"


async def finish(app, pilot) -> None:
    """Stop any run to convergence (as pressing c again would) and wait for every worker, so
    that an exception in one fails the visit."""
    await pilot.pause()
    for _ in range(5):
        for screen in app.screen_stack:
            if isinstance(screen, StepperScreen):
                screen.running = False
        await settle(app, pilot)
        if not any(w.is_running for w in app.workers):
            break
    failed = [w for w in app.workers if w.state == WorkerState.ERROR]
    assert not failed, f"workers that failed: {failed}"


def lesson_folder(write_lessons, real: bool) -> Path:
    """The lessons the home screen lists during the run: the real ones (fuzz), or for the quick
    run lesson 07, a tiny lesson that sets up a run and one that raises."""
    if real:
        return REPO / "lessons"
    return write_lessons({
        "07_gradient_descent.py": (REPO / "lessons" / "07_gradient_descent.py").read_text(
            encoding="utf-8"),
        "01_tiny.py": "# %% [markdown]\n# # A tiny lesson\n# One run.\n\n# %%\nimport tutor\n"
                      "run = tutor.start('slides', learning_rate=0.1)\n"
                      "print('set up', run.learning_rate)\n",
        "02_broken.py": "# %% [markdown]\n# # A broken lesson\n\n# %%\nprint('before')\n\n"
                        "# %%\ndef f(x):\n    return 1 / x\n\nf(0)\n\n# %%\nprint('never')\n"})


def visits(folder: Path) -> list[Visit]:
    found = sorted(folder.glob("[0-9][0-9]_*.py"))
    out = [Visit("home", HomeScreen)]
    out += [Visit(f"home → {p.key}", StepperScreen, keys=["down"] * i + ["enter"])
            for i, p in enumerate(PRESETS)]
    out += [Visit("stepper → derivation", DerivationScreen, preset="network", keys=["d"]),
            Visit("help", HelpScreen, keys=["question_mark"]),
            Visit("command palette", CommandPalette, keys=["ctrl+p"])]
    out += [Visit(f"lesson {path.stem}", LessonScreen, lesson=path) for path in found]
    return out


def run_monkey(tmp_path, monkeypatch, write_lessons, seed: int, events_per_visit: int,
               real_lessons: bool, max_run: int | None = None):
    folder = lesson_folder(write_lessons, real_lessons)
    if max_run is not None:  # the quick run cuts runs to convergence short, to stay quick
        monkeypatch.setattr(tutor.ui.screens.stepper, "MAX_RUN", max_run)
    monkeypatch.setattr(tutor.lesson, "LESSONS", folder)  # the real lessons too, wherever run
    work = tmp_path / "cwd"  # whatever the app might write (a screenshot, say) lands here
    work.mkdir()
    monkeypatch.chdir(work)
    monkey = Monkey(seed, events_per_visit)
    started = time.perf_counter()
    for visit in visits(folder):
        try:
            monkey.visit(visit)
        except BaseException as error:
            recent = "\n  ".join(monkey.log)
            raise AssertionError(f"visit {visit.name!r} (seed {seed}) failed: {error!r}; the "
                                 f"last events:\n  {recent}") from error
    tally("random keys and clicks sent to the UI", monkey.keys + monkey.clicks)
    tally("random terminal resizes of the UI", monkey.resizes)
    print(f"\nmonkey seed {seed}: {monkey.keys} keys, {monkey.clicks} clicks and wheel turns, "
          f"{monkey.resizes} resizes, {monkey.apps} apps ({monkey.quits} quit by ctrl+q), "
          f"{time.perf_counter() - started:.1f} s")
    return monkey


def test_a_seeded_monkey_crashes_no_screen(tmp_path, monkeypatch, write_lessons):
    monkey = run_monkey(tmp_path, monkeypatch, write_lessons, seed=20240611,
                        events_per_visit=150, real_lessons=False, max_run=60)
    assert monkey.keys + monkey.clicks >= 2000


@pytest.mark.fuzz
@pytest.mark.parametrize("seed", [1, 2])
def test_a_long_monkey_run_on_the_real_lessons(tmp_path, monkeypatch, write_lessons, seed):
    """Tens of thousands of events, every real lesson a visit, runs to convergence as long as
    the app lets them be (about a quarter of an hour for each seed)."""
    run_monkey(tmp_path, monkeypatch, write_lessons, seed=seed, events_per_visit=1000,
               real_lessons=True)
