"""The terminal UI, driven with keys as a learner would: after one step at γ = 0.1 the screen
shows 2.6; at γ = 1 it shows 8, then 2; at 1.1 it reports divergence and keeps the history."""

from textual.widgets import DataTable
from ui_driver import answer, drive, settle, text

from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.home import SELECTS
from tutor.ui.screens.stepper import StepperScreen


def test_one_step_at_a_tenth_shows_the_slides_update():
    async def check(app, pilot):
        await pilot.press("space")
        explanation = text(app.screen, "#explain")
        for line in ("ŷ = α + x = 2 + 1 = 3", "ε = y − ŷ = 6 − 3 = 3", "∂c/∂α = −2ε = −2·3 = −6",
                     "α₁ = α₀ − γ·∂c/∂α = 2 − 0.1·(−6) = 2.6"):
            assert line in explanation
        table = app.screen.query_one("#iterations", DataTable)
        assert table.row_count == 1 and table.get_row_at(0)[-1] == "2.6"

    drive(check, "slides")


def test_learning_rate_one_bounces_between_8_and_2_and_back_undoes():
    async def check(app, pilot):
        await answer(app, pilot, "l", "1")
        await pilot.press("space")
        assert "= 2 − 1·(−6) = 8" in text(app.screen, "#explain")
        await pilot.press("space")
        assert "= 8 − 1·6 = 2" in text(app.screen, "#explain")
        await pilot.press("b")
        assert app.screen.session.t == 1 and app.screen.query_one(DataTable).row_count == 1
        await pilot.press("r")
        assert app.screen.session.t == 0

    drive(check, "slides")


def test_divergence_is_reported_and_the_history_kept():
    async def check(app, pilot):
        await answer(app, pilot, "l", "1.1")
        await pilot.press("c")  # run to convergence: it blows up instead
        await settle(app, pilot)
        screen = app.screen
        assert screen.session.diverged is not None
        assert "DIVERGED" in text(screen, "#status") and "too large" in text(screen, "#explain")
        assert screen.query_one(DataTable).row_count == screen.session.t > 10
        await pilot.press("b")  # step back out of it
        assert screen.session.diverged is None

    drive(check, "slides")


def test_sgd_and_typed_parameters():
    async def check(app, pilot):
        screen = app.screen
        await answer(app, pilot, "s", "10")
        assert screen.session.batch_size == 10
        await pilot.press("space")
        assert "SGD, batches of 10" in text(screen, "#status")
        await answer(app, pilot, "p", "alpha=3")
        assert screen.session.theta0[0] == 3.0 and screen.session.t == 0

    drive(check, "linear")


def test_bad_input_in_a_prompt_is_a_message_not_a_crash():
    async def check(app, pilot):
        await answer(app, pilot, "l", "fast")
        assert app.screen.session.learning_rate == 0.1
        await answer(app, pilot, "l", "-1")
        assert app.screen.session.learning_rate == 0.1

    drive(check, "slides")


def test_two_moons_draws_the_boundary_as_it_moves():
    async def check(app, pilot):
        screen = app.screen
        screen.query_one("#plots").active = "tab-boundary"
        await pilot.pause()
        boundary = screen.query_one("#boundary-plot")
        t0, regions0 = boundary.drawn
        for _ in range(30):
            await pilot.press("space")
        t, regions = boundary.drawn
        assert (t0, t) == (0, 30) and regions.shape == regions0.shape
        assert (regions != regions0).any()  # the predicted classes moved with θ

    drive(check, "moons")


def test_question_mark_shows_the_keys_and_home_opens_the_stepper():
    async def check(app, pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("enter")  # the first preset: the slides' example
        await settle(app, pilot)
        assert isinstance(app.screen, StepperScreen)
        await pilot.press("space")
        assert app.screen.session.theta[0] == 2.6 or abs(app.screen.session.theta[0] - 2.6) < 1e-12

    drive(check, size=(80, 24))


def test_a_typed_formula_opens_in_the_stepper():
    async def check(app, pilot):
        home = app.screen
        home.query_one("#formula").value = "alpha + x"
        home.query_one("#params").value = "alpha=2"
        home.query_one("#params").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("space")
        assert "2.6" in text(app.screen, "#explain")

    drive(check)


def test_the_form_builds_a_network_on_chosen_data():
    async def check(app, pilot):
        home = app.screen
        home.query_one("#model").value = "mlp"
        await pilot.pause()
        home.query_one("#data").value = "circles"
        home.query_one("#hidden").value = "4"
        home.query_one("#rate").value = "0.5"
        await pilot.click("#open")
        await settle(app, pilot)
        session = app.screen.session
        assert session.model.sizes == (2, 4, 1) and session.learning_rate == 0.5
        assert session.model.loss_row.name == "cross_entropy" and len(session.X) == 200

    drive(check, size=(120, 40))


def test_the_form_reads_a_csv_and_a_bad_path_is_a_message(tmp_path):
    path = tmp_path / "wages.csv"
    path.write_text("schooling,wage\n10,20\n12,25\n16,31\n")

    async def check(app, pilot):
        home = app.screen
        home.query_one("#model").value = "linear"
        await pilot.pause()
        home.query_one("#data").value = "csv"
        home.query_one("#csv").value = f"{path},wage"
        await pilot.click("#open")
        await settle(app, pilot)
        assert app.screen.session.model.describe().startswith("linear regression with 1 feature")
        await pilot.press("escape")
        home.query_one("#csv").value = f"{tmp_path / 'nowhere.csv'},wage"
        await pilot.click("#open")
        await settle(app, pilot)
        assert app.screen.session is None
        assert "nowhere.csv" in text(app.screen, "#explain")

    drive(check, size=(120, 40))


def test_a_lesson_opens_and_its_run_becomes_the_stepper():
    from tutor.lesson import find
    from tutor.ui.screens.lesson import LessonScreen

    async def check(app, pilot):
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.finished and screen.sessions
        outputs = "\n".join(str(w.content) for w in screen.query(".output"))
        assert "= 2 − 0.1·(−6) = 2.6" in outputs
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("space")
        assert "= 2.6" in text(app.screen, "#explain")

    drive(check, lesson=find("07"))


def test_the_home_screens_lists_are_tutor_specs():
    from textual.widgets import Select

    from tutor import spec

    async def check(app, pilot):
        home = app.screen
        offered = {name: tuple(value for _, value in home.query_one(f"#{name}", Select)._options
                               if isinstance(value, str)) for name in SELECTS}  # not the blank
        assert offered == {"model": spec.MODEL_KINDS, "data": (*spec.DATA_NAMES, "csv"),
                           "activation": spec.ACTIVATION_NAMES, "output": spec.OUTPUT_NAMES,
                           "loss": spec.LOSS_NAMES}
        presets = home.query_one("#presets")
        assert [presets.get_option_at_index(i).id for i in range(presets.option_count)] == [
            p.key for p in spec.PRESETS]

    drive(check)


def test_choosing_a_kind_fills_the_form_with_its_defaults():
    from textual.widgets import Select

    from tutor.spec import KIND_DEFAULTS, preset

    async def check(app, pilot):
        home = app.screen
        moons = preset("moons").model
        assert [home.query_one(f"#{n}", Select).value for n in ("model", "data", "activation",
                                                                 "output", "loss")] == [
            "mlp", "moons", moons.activation, moons.output, moons.loss]
        home.query_one("#model", Select).value = "neuron"
        await pilot.pause()
        # as at the command line: a neuron is logistic unless told otherwise
        assert home.query_one("#activation", Select).value == "logistic"
        assert home.query_one("#data", Select).value == KIND_DEFAULTS["neuron"].data
        assert home.query_one("#output", Select).disabled
        assert home.query_one("#hidden").disabled
        home.query_one("#model", Select).value = "linear"
        await pilot.pause()
        assert home.query_one("#activation", Select).is_blank()

    drive(check)


def test_the_command_palette_opens_a_model_by_name():
    async def check(app, pilot):
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "open two moons":
            await pilot.press("space" if key == " " else key)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, StepperScreen) and app.screen.title_text == "Two moons"

    drive(check)


def test_the_view_follows_the_steppers_reactives():
    async def check(app, pilot):
        screen = app.screen
        await pilot.press("space", "space")
        assert screen.t == 2 and screen.query_one(DataTable).row_count == 2
        screen.action_converge()  # c: the status says so at once, the run follows in a worker
        assert screen.running and "running…" in text(screen, "#status")
        screen.action_converge()  # c again stops it
        await app.workers.wait_for_complete()
        assert not screen.running and "running…" not in text(screen, "#status")
        assert screen.t == screen.session.t == 2
        await answer(app, pilot, "l", "1.1")
        assert screen.t == 0 and screen.query_one(DataTable).row_count == 0
        await pilot.press("c")
        await settle(app, pilot)
        assert screen.diverged is screen.session.diverged is not None
        assert screen.query_one("#status").has_class("diverged")
        await pilot.press("b")
        assert screen.diverged is None and not screen.query_one("#status").has_class("diverged")

    drive(check, "slides")
