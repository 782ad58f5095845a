"""The derivation screen: chain-rule steps one keypress at a time, the kernel, the gradient check.

Driven through Textual's Pilot (``app.run_test``); written as plain functions around
``asyncio.run`` so they need no pytest-asyncio.
"""

import asyncio

import sympy
from textual.app import App
from textual.widgets import Static, TextArea

import tutor
from tutor.ui.screens.derivation import DerivationScreen

F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")


class DerivationApp(App):
    def __init__(self, screen: DerivationScreen) -> None:
        super().__init__()
        self.derivation_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.derivation_screen)


def text_of(screen, selector: str) -> str:
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


async def settle(app, pilot, screen) -> None:
    """Wait until the screen's workers are done and their messages handled."""
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if screen.ready:
            break
    await pilot.pause()
    assert screen.ready


def undefined_network_screen() -> DerivationScreen:
    net = tutor.mlp([2, 2, 1], activation=F1, output=F2)
    theta = net.init(seed=0)
    X, Y = tutor.datasets.toy(tutor.mlp([2, 2, 1]), n=8, seed=0)
    return DerivationScreen(net, theta, X, Y, param="beta_1^(1,2)")


def test_steps_are_revealed_one_at_a_time_and_end_on_the_slides_formula():
    async def main():
        screen = undefined_network_screen()
        app = DerivationApp(screen)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, screen)
            count = len(screen.derivation.steps)
            assert count >= 5
            assert screen.revealed == 1
            shown = text_of(screen, "#chain")
            assert f"step 1 of {count}" in shown
            assert "forward pass" in shown
            assert "−2(y − h₂) · F₂′(" not in shown  # the last step is not shown yet
            assert "∂c/∂β₁^(1,2)" in str(screen.query_one("#title", Static).content)

            await pilot.press("right")
            assert screen.revealed == 2
            assert f"step 2 of {count}" in text_of(screen, "#chain")
            await pilot.press("left")
            assert screen.revealed == 1
            for _ in range(count + 2):  # more presses than steps: it stops at the last
                await pilot.press("right")
            await pilot.pause()
            assert screen.revealed == count
            shown = text_of(screen, "#chain")
            assert f"all {count} steps" in shown
            assert "derivative of the loss" in shown and "∂c/∂h₂ = −2(y − h₂)" in shown
            assert "−2(y − h₂) · F₂′(" in shown
            assert shown.rstrip().endswith("x₂")
            assert screen.visible_steps()[-1].startswith("chain rule")

            # the undefined F_1 has no numbers: both other tabs say so, and nothing crashed
            await pilot.press("2")
            kernel = text_of(screen, "#kernel-tab")
            assert "cannot compile" in kernel and "F_1" in kernel
            assert "def loss_and_gradient" not in kernel
            await pilot.press("3")
            assert "cannot compile" in text_of(screen, "#check-tab")
            assert app.screen is screen

            await pilot.press("b")  # back on the chain-rule tab, one step fewer
            assert screen.revealed == count - 1
            assert "−2(y − h₂) · F₂′(" not in text_of(screen, "#chain")
            await pilot.press("escape")
            assert app.screen is not screen

    asyncio.run(main())


def test_kernel_and_gradient_check_of_a_logistic_network():
    async def main():
        net = tutor.mlp([2, 2, 1], activation="logistic")
        X, Y = tutor.datasets.toy(net)
        screen = DerivationScreen(net, net.init(), X, Y)
        app = DerivationApp(screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot, screen)
            assert screen.param.name == "beta_1^(1,1)"  # the first weight by default
            await pilot.press("a")
            assert screen.revealed == len(screen.derivation.steps)
            await pilot.press("3")
            check = text_of(screen, "#check-tab")
            assert "all 9 passed" in check
            assert "beta_2^(1,2)" in check and "FAIL" not in check
            assert screen.query_one("#check-status").has_class("-pass")
            await pilot.press("2")
            assert "def loss_and_gradient" in text_of(screen, "#kernel-tab")

    asyncio.run(main())


def test_choosing_another_parameter_derives_it():
    async def main():
        screen = undefined_network_screen()
        app = DerivationApp(screen)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, screen)
            await pilot.press("p")
            await pilot.pause()
            assert app.screen is not screen
            await pilot.press(*"alpha_2", "enter")
            await settle(app, pilot, screen)
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

    asyncio.run(main())


def test_a_model_from_a_formula_uses_its_first_parameter():
    async def main():
        alpha, x = sympy.symbols("alpha x")
        model = tutor.model(alpha + x, parameters=[alpha], inputs=[x])
        X, Y = tutor.datasets.slides_example()
        screen = DerivationScreen(model, [2.0], X, Y)
        app = DerivationApp(screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot, screen)
            await pilot.press("a")
            assert "∂c/∂α = −2ε" in text_of(screen, "#chain")
            assert "all 1 passed" in text_of(screen, "#check-tab")

    asyncio.run(main())


def test_the_stepper_opens_the_derivation_on_its_own_kernel():
    from tutor.ui.app import TutorApp

    async def main():
        app = TutorApp("network")
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            session = app.screen.session
            await pilot.press("space", "d")
            screen = app.screen
            await settle(app, pilot, screen)
            assert screen.kernel is session.kernel  # checked with the run's kernel, not a new one
            assert screen.param == session.model.default_parameter
            assert (screen.theta == session.theta).all()
            await pilot.press("3")
            assert "all 9 passed" in text_of(screen, "#check-tab")

    asyncio.run(main())
