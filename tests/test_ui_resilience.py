"""The UI keeps working when things go wrong: a lesson that raises shows its error in the lesson
view, and the rest of tutor goes on; tiny and huge terminals leave every key working; the crashes
the monkey (test_ui_monkey.py) found stay fixed.

Driven through Textual's Pilot by the UI tests' one driver (tests/ui_driver.py).
"""

import asyncio
import random

import pytest
from textual.widgets import DataTable, Input
from ui_driver import drive, send, settle, text, write_lessons_fixture  # noqa: F401

from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.stepper import Prompt, StepperScreen
from tutor.ui.widgets.plots import LossCurve
from tutor.ui.widgets.too_small import TooSmall

BROKEN = """\
# %% [markdown]
# # A broken lesson
#
# Its third cell divides by zero.

# %%
print("before the error")


# %%
def f(x):
    return 1 / x

f(0)

# %%
print("never printed")
"""

FINE = """\
# %% [markdown]
# # A lesson that works
#
# It sets up the slides' run.

# %%
import tutor

run = tutor.start("slides", learning_rate=0.1)
print("γ =", run.learning_rate)
"""


@pytest.fixture
def lessons(write_lessons):
    """A lessons folder with a broken lesson and a working one, listed on the home screen."""
    return write_lessons({"01_broken.py": BROKEN, "02_fine.py": FINE})


def test_a_lesson_that_raises_shows_its_error_and_the_rest_of_tutor_keeps_working(lessons):
    async def check(app, pilot):
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.finished and screen.failed
        outputs = [text(w) for w in screen.query(".output")]
        assert outputs[0] == "before the error"  # the cells before it ran and are shown
        error = text(screen.query_one("#lesson-error"))
        assert "never printed" not in "\n".join(outputs)  # the cells after it did not run
        # the exception, the cell (lines 11–14 of the file) with the failing lines marked, and
        # the traceback through the lesson's own lines, in the file's numbering
        assert error.startswith("✗ ZeroDivisionError: division by zero")
        assert "in the cell at lines 11–14 of 01_broken.py" in error
        assert "  →   12      return 1 / x" in error and "  →   14  f(0)" in error
        assert "line 14, in the cell: f(0)" in error and "line 12, in f: return 1 / x" in error
        assert "stopped by an error" in screen.sub_title
        # back home, another lesson, its run in the stepper: all as before
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        app.screen.query_one("#lessons").focus()
        await pilot.press("down", "enter")
        await settle(app, pilot)
        fine = app.screen
        assert isinstance(fine, LessonScreen) and fine.finished and not fine.failed
        assert fine.path.name == "02_fine.py" and not fine.query("#lesson-error")
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("space")
        assert isinstance(app.screen, StepperScreen) and app.screen.session.t == 1
        assert "= 2.6" in text(app.screen.query_one("#explain"))

    drive(check, lesson=lessons / "01_broken.py")


@pytest.mark.parametrize("source, shown", [
    ("# %%\nx = (1 +\n", ["✗ SyntaxError: '(' was never closed", "→    2  x = (1 +",
                           "line 2, in the cell: x = (1 +"]),
    ("# %%\nimport sys\nprint('bye')\nsys.exit(3)\n", ["✗ SystemExit: 3", "line 4"]),
    ("# %%\nimport tutor\n\nnet = tutor.mlp([2, 0, 1])\n",
     ["✗ ValueError: sizes must list", "line 4, in the cell: net = tutor.mlp([2, 0, 1])",
      "raised in __init__ (tutor/network.py"]),
])
def test_syntax_errors_exits_and_errors_inside_tutor_are_shown_in_the_lesson(tmp_path, source,
                                                                             shown):
    path = tmp_path / "01_lesson.py"
    path.write_text(source, encoding="utf-8")

    async def check(app, pilot):
        error = text(app.screen.query_one("#lesson-error"))
        for line in shown:
            assert line in error
        await pilot.press("escape", "enter")  # home, and the first playground model
        await settle(app, pilot)
        assert isinstance(app.screen, StepperScreen) and app.screen.session is not None

    drive(check, lesson=path)


def test_a_lesson_that_cannot_be_read_says_so(tmp_path):
    path = tmp_path / "01_bytes.py"
    path.write_bytes(b"# %%\nprint('\xff\xfe')\n")  # not UTF-8

    async def check(app, pilot):
        error = text(app.screen.query_one("#lesson-error"))
        assert error.startswith("✗ cannot read this lesson:") and "utf-8" in error
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)

    drive(check, lesson=path)


def test_leaving_a_lesson_while_it_runs_stops_it_quietly(lessons):
    slow = lessons / "03_slow.py"
    slow.write_text("# %%\nimport time\ntime.sleep(0.3)\n\n# %%\ntime.sleep(0.3)\n"
                    "print('late')\n", encoding="utf-8")

    async def check(app, pilot):
        app.open_lesson(slow)
        await pilot.pause()
        await pilot.press("escape")  # before its first cell has finished
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(check)


SIZES = [(12, 4), (20, 6), (40, 12), (60, 16), (300, 100)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_stepper_works_at_any_terminal_size_and_after_resizing_back(size):
    async def check(app, pilot):
        screen = app.screen
        await pilot.resize_terminal(*size)
        await pilot.press("space", "space", "b")  # step, step, back: the keys still work
        assert screen.session.t == 1
        await pilot.press("l")
        assert isinstance(app.screen, Prompt)
        app.screen.query_one("#answer").value = "1"
        await pilot.press("enter")
        await pilot.press("space", "space")
        assert screen.session.learning_rate == 1 and screen.session.t == 2
        for tab in ("tab-parabola", "tab-loss"):
            screen.query_one("#plots").active = tab
            await pilot.pause()
        too_small = screen.query_one(TooSmall).display
        assert too_small == (size[0] < 40 or size[1] < 12)
        await pilot.resize_terminal(100, 30)
        await pilot.press("space")
        assert "α₃ = α₂ − γ·∂c/∂α = 2 − 1·(−6) = 8" in text(screen.query_one("#explain"))
        assert not screen.query_one(TooSmall).display
        assert screen.query_one(DataTable).row_count == 3  # no row lost on the way

    drive(check, "slides")


@pytest.mark.parametrize("size", SIZES[1:3] + SIZES[-1:], ids=lambda s: f"{s[0]}x{s[1]}")
def test_home_help_and_lessons_work_at_any_terminal_size(size, lessons):
    async def check(app, pilot):
        await pilot.resize_terminal(*size)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "enter")  # the first playground model, at this size
        await settle(app, pilot)
        assert isinstance(app.screen, StepperScreen)
        await pilot.press("space", "d")
        await settle(app, pilot)
        await pilot.press("right", "right", "escape", "escape")
        assert isinstance(app.screen, HomeScreen)
        app.screen.query_one("#lessons").focus()
        await pilot.press("enter")  # the broken lesson, its error at this size
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.failed
        await pilot.resize_terminal(100, 30)
        await pilot.press("escape", "ctrl+p")
        await pilot.press(*"linear regr", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, StepperScreen)
        assert app.screen.title_text == "Linear regression"

    drive(check)


def test_a_log_scale_loss_curve_survives_a_resize():
    """plotext's own log scale took the logarithm again at each redraw, so the loss curve of a
    converging run raised ValueError once the terminal was resized."""

    async def check(app, pilot):
        screen = app.screen
        screen.session.set_learning_rate(0.4)  # ε shrinks fivefold at each step
        for _ in range(4):  # the loss falls from 9 by more than a thousandfold: a log scale
            await pilot.press("space")
        curve = screen.query_one(LossCurve)
        await pilot.pause()
        assert "(log scale)" in str(curve.render())
        for size in ((120, 40), (90, 30), (100, 30)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert "1e" in str(curve.render())  # the ticks are powers of ten

    drive(check, "slides")


def test_markup_in_typed_text_is_shown_as_typed():
    """A typed formula or answer is text, never Textual markup: "a[/b]" used to raise
    MarkupError when it was drawn (the stepper's title, an error notification)."""

    async def check(app, pilot):
        home = app.screen
        home.query_one("#formula").value = "a[/b] + [@click=app.quit]x[/]"
        home.query_one("#params").value = "a=1"
        home.query_one("#formula").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StepperScreen) and screen.session is None
        assert "a[/b]" in text(screen.query_one("#status"))
        await pilot.press("escape")
        home.query_one("#rate").value = "[/]"
        home.query_one("#rate").focus()
        await pilot.press("enter")  # an error notification quoting "[/]"
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        home.query_one("#rate").value = ""
        home.query_one("#presets").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("l")
        app.screen.query_one("#answer").value = "[red]x[/blue]"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.session.learning_rate == 0.1

    drive(check, notifications=True)


def test_two_enters_in_a_prompt_close_the_prompt_only():
    async def check(app, pilot):
        stepper = app.screen
        await pilot.press("l")
        answer = app.screen.query_one("#answer", Input)
        answer.value = "0.5"
        for _ in range(2):  # two enters, handled after both have arrived
            answer.post_message(Input.Submitted(answer, answer.value))
        await pilot.pause()
        assert app.screen is stepper and stepper.session.learning_rate == 0.5

    drive(check, "slides")


def test_a_click_on_the_table_of_a_model_that_did_not_build_is_harmless():
    """The table has no columns until the model is built: a click on its header row made
    Textual's DataTable look up a column that is not there (IndexError)."""

    async def check(app, pilot):
        app.screen.query_one("#formula").value = "alpha + "  # cannot be read: nothing builds
        app.screen.query_one("#params").value = "alpha=1"
        app.screen.query_one("#formula").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        assert app.screen.session is None and not table.ordered_columns
        for x in (2, table.size.width - 2):
            await pilot.click(table, offset=(x, 1))
        await pilot.press("escape")
        app.screen.query_one("#presets").focus()
        await pilot.press("enter")  # the first playground model: a table to click
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("space")
        await pilot.click(table, offset=(table.size.width - 2, 1))
        await pilot.press("space")
        assert app.screen.session.t == 2

    drive(check)


def test_leaving_the_stepper_during_a_run_or_a_build_is_quiet():
    """A run to convergence drew on the stepper after it had closed (NoMatches: '#explain')."""

    async def check(app, pilot):
        await pilot.press("c")  # two moons: a long run to convergence
        await pilot.pause(0.05)
        await pilot.press("escape")  # left while it runs
        await pilot.pause(0.3)
        await pilot.press("enter", "escape")  # a model still compiling, left at once
        await pilot.press("ctrl+p", *"moon", "escape", "ctrl+p", "escape")  # a search, left
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(check, "moons")


def test_closing_the_palette_while_it_searches_is_harmless():
    """The palette searches in a worker as the learner types; a palette closed (escape, a pick,
    the screen it opened closed at once) while that search was still going made the search
    look for the palette's list, gone with it: NoMatches, and the app stopped."""

    rng = random.Random(0)

    async def check(app, pilot):
        for _ in range(60):
            keys = ["ctrl+p", *"lesson"[:rng.randrange(7)],
                    rng.choice(["escape", "enter", "down", "ctrl+p"]), *["escape"] * rng.randrange(3)]
            for key in keys:  # as a fast typist's keys arrive
                send(app, key)
                if rng.random() < 0.3:
                    await asyncio.sleep(rng.random() * 0.02)
            await pilot.pause(0.02)
            while len(app.screen_stack) > 2:  # whatever is open closes, searching or not
                app.pop_screen()
                await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

    drive(check)


def test_a_click_on_an_option_that_has_just_gone_is_harmless():
    """A click lands on the frame last drawn and names the option drawn there; the options may
    have changed since (the command palette's results do as you type), and Textual's
    OptionList raised IndexError."""
    from rich.style import Style
    from textual import events

    async def check(app, pilot):
        presets = app.screen.query_one("#presets")
        count = presets.option_count
        presets.clear_options()
        presets.post_message(events.Click(presets, 4, 1, 0, 0, 1, False, False, False,
                                          style=Style.from_meta({"option": count - 1})))
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and presets.option_count == 0

    drive(check)


def test_paging_a_list_with_no_room_is_harmless():
    """An option list too small to show a line has not mapped its options to lines, and
    Textual's OptionList raised KeyError on page up or down."""

    async def check(app, pilot):
        await pilot.resize_terminal(100, 2)  # the lists get no line at all
        presets = app.screen.query_one("#presets")
        presets.focus()
        await pilot.press("pagedown", "pageup", "down", "pagedown", "pageup")
        assert isinstance(app.screen, HomeScreen) and app.is_running

    drive(check)


def test_a_plot_that_plotext_cannot_draw_says_so_and_the_stepper_goes_on():
    """plotext fails on some values (a range from −1e308 to 1e308 turns into NaN)."""

    async def check(app, pilot):
        curve = app.screen.query_one(LossCurve)
        curve.plt.clear_figure()
        curve.plt.plot([0, 1], [1e308, -1e308])
        curve.refresh()
        await pilot.pause()
        assert "cannot be drawn" in str(curve.render())
        await pilot.press("space")  # the next step draws the curve again
        assert "cannot be drawn" not in str(curve.render())

    drive(check, "slides")


@pytest.mark.parametrize("keys", [
    ["d", "click", "ctrl+q"],  # the derivation quit before it was ready: NoMatches '#kernel'
    ["question_mark", "ctrl+q"],  # ctrl+q did nothing in the help, a prompt or the palette
    ["l", "ctrl+q"],
    ["ctrl+p", "ctrl+q"],
    ["escape", "enter", "click", "ctrl+q"],
], ids=" ".join)
def test_ctrl_q_quits_cleanly_from_any_screen_even_one_still_opening(keys):
    async def check(app, pilot):
        send(app, *keys)
        await pilot.pause()
        assert not app.is_running

    drive(check, "slides")  # which checks the return code: 0, a clean quit


def test_the_theme_picker_closes_once_however_fast_its_options_are_picked():
    """The palette's "Theme" opened Textual's own palette, which a second pick queued behind the
    first dismissed again: the home screen went with it, leaving a blank screen."""
    from textual.command import CommandList
    from textual.widgets import OptionList

    async def check(app, pilot):
        app.action_change_theme()  # what the palette's "Theme" runs
        await pilot.pause(0.3)
        picker = app.screen
        options = picker.query_one(CommandList)
        assert options.option_count > 1
        for _ in range(2):
            picker.post_message(OptionList.OptionSelected(options, options.get_option_at_index(0), 0))
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen) and len(app.screen_stack) == 2

    drive(check)
