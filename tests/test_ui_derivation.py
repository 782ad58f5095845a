"""The derivation screen: chain-rule steps one keypress at a time, the kernel, the gradient check.

Driven through Textual's Pilot by the UI tests' one driver (tests/ui_driver.py).
"""

import sympy
from textual.app import App
from textual.widgets import Static
from ui_driver import drive, settle, shown

import tutor
from tutor.ui.screens.derivation import DerivationScreen

F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")


class DerivationApp(App):
    """Just the derivation screen."""

    def __init__(self, screen: DerivationScreen) -> None:
        super().__init__()
        self.derivation_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.derivation_screen)


def derive(screen: DerivationScreen, check, size=(100, 30)) -> None:
    """Open ``screen``, wait until it is derived, compiled and checked, then ``check``."""

    async def ready_then_check(app, pilot):
        await settle(app, pilot, until=lambda: screen.ready)
        await check(app, pilot)

    drive(ready_then_check, app=DerivationApp(screen), size=size)


def undefined_network_screen() -> DerivationScreen:
    net = tutor.mlp([2, 2, 1], activation=F1, output=F2)
    theta = net.init(seed=0)
    X, Y = tutor.datasets.toy(tutor.mlp([2, 2, 1]), n=8, seed=0)
    return DerivationScreen(net, theta, X, Y, param="beta_1^(1,2)")


def test_steps_are_revealed_one_at_a_time_and_end_on_the_slides_formula():
    screen = undefined_network_screen()

    async def check(app, pilot):
        count = len(screen.derivation.steps)
        assert count >= 5
        assert screen.revealed == 1
        chain = shown(screen, "#chain")
        assert f"step 1 of {count}" in chain
        assert "forward pass" in chain
        assert "−2(y − h₂) · F₂′(" not in chain  # the last step is not shown yet
        assert "∂c/∂β₁^(1,2)" in str(screen.query_one("#title", Static).content)

        await pilot.press("right")
        assert screen.revealed == 2
        assert f"step 2 of {count}" in shown(screen, "#chain")
        await pilot.press("left")
        assert screen.revealed == 1
        for _ in range(count + 2):  # more presses than steps: it stops at the last
            await pilot.press("right")
        await pilot.pause()
        assert screen.revealed == count
        chain = shown(screen, "#chain")
        assert f"all {count} steps" in chain
        assert "derivative of the loss" in chain and "∂c/∂h₂ = −2(y − h₂)" in chain
        assert "−2(y − h₂) · F₂′(" in chain
        assert chain.rstrip().endswith("x₂")
        assert screen.visible_steps()[-1].startswith("chain rule")

        # the undefined F_1 has no numbers: both other tabs say so, and nothing crashed
        await pilot.press("2")
        kernel = shown(screen, "#kernel-tab")
        assert "cannot compile" in kernel and "F_1" in kernel
        assert "def loss_and_gradient" not in kernel
        await pilot.press("3")
        assert "cannot compile" in shown(screen, "#check-tab")
        assert app.screen is screen

        await pilot.press("b")  # back on the chain-rule tab, one step fewer
        assert screen.revealed == count - 1
        assert "−2(y − h₂) · F₂′(" not in shown(screen, "#chain")
        await pilot.press("escape")
        assert app.screen is not screen

    derive(screen, check)


def test_kernel_and_gradient_check_of_a_logistic_network():
    net = tutor.mlp([2, 2, 1], activation="logistic")
    X, Y = tutor.datasets.toy(net)
    screen = DerivationScreen(net, net.init(), X, Y)

    async def check(app, pilot):
        assert screen.param.name == "beta_1^(1,1)"  # the first weight by default
        await pilot.press("a")
        assert screen.revealed == len(screen.derivation.steps)
        await pilot.press("3")
        check = shown(screen, "#check-tab")
        assert "all 9 passed" in check
        assert "beta_2^(1,2)" in check and "FAIL" not in check
        assert screen.query_one("#check-status").has_class("-pass")
        await pilot.press("2")
        assert "def loss_and_gradient" in shown(screen, "#kernel-tab")

    derive(screen, check, size=(80, 24))


def test_choosing_another_parameter_derives_it():
    screen = undefined_network_screen()

    async def check(app, pilot):
        await pilot.press("p")
        await pilot.pause()
        assert app.screen is not screen
        await pilot.press(*"alpha_2", "enter")
        await settle(app, pilot, until=lambda: screen.ready)
        assert app.screen is screen
        assert screen.param.name == "alpha_2^(1)"
        assert "∂c/∂α₂^(1)" in str(screen.query_one("#title", Static).content)
        await pilot.press("a")
        last = screen.visible_steps()[-1]
        assert last.startswith("chain rule") and "∂c/∂α₂^(1) = −2(y − h₂) · F₂′(" in last

        await pilot.press("p")  # escape leaves the parameter as it was
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.param.name == "alpha_2^(1)"

    derive(screen, check)


def test_a_model_from_a_formula_uses_its_first_parameter():
    alpha, x = sympy.symbols("alpha x")
    model = tutor.model(alpha + x, parameters=[alpha], inputs=[x])
    X, Y = tutor.datasets.slides_example()
    screen = DerivationScreen(model, [2.0], X, Y)

    async def check(app, pilot):
        await pilot.press("a")
        assert "∂c/∂α = −2ε" in shown(screen, "#chain")
        assert "all 1 passed" in shown(screen, "#check-tab")

    derive(screen, check, size=(80, 24))


def test_the_stepper_opens_the_derivation_on_its_own_kernel():
    async def check(app, pilot):
        session = app.screen.session
        await pilot.press("space", "d")
        screen = app.screen
        await settle(app, pilot, until=lambda: screen.ready)
        assert screen.kernel is session.kernel  # checked with the run's kernel, not a new one
        assert screen.param == session.model.default_parameter
        assert (screen.theta == session.theta).all()
        await pilot.press("3")
        assert "all 9 passed" in shown(screen, "#check-tab")

    drive(check, "network")
