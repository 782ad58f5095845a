"""Snapshots of the main screens (pytest-textual-snapshot): the layout a learner sees.

Update them after an intended change with `python -m pytest tests/test_ui_snapshots.py
--snapshot-update`, and look at the SVGs before committing.
"""

from ui_driver import settle

from tutor.ui.app import TutorApp


async def compiled(pilot):
    await settle(pilot.app, pilot)


def test_home(snap_compare):
    assert snap_compare(TutorApp(), terminal_size=(100, 30))


def test_stepper_after_one_step_of_the_slides_example(snap_compare):
    async def step(pilot):
        await compiled(pilot)
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(TutorApp("slides"), run_before=step, terminal_size=(100, 30))


def test_stepper_bouncing_on_the_parabola_at_learning_rate_one(snap_compare):
    async def bounce(pilot):
        await compiled(pilot)
        screen = pilot.app.screen
        screen.session.set_learning_rate(1.0)
        screen.query_one("#plots").active = "tab-parabola"
        await pilot.pause()
        for _ in range(4):
            await pilot.press("space")
        await pilot.pause()

    assert snap_compare(TutorApp("slides"), run_before=bounce, terminal_size=(100, 30))


def test_help(snap_compare):
    assert snap_compare(TutorApp(), press=["question_mark"], terminal_size=(80, 24))
