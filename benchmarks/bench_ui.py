"""How quickly the terminal UI answers: from `tutor` to the first screen, and one step's update.

Bars (issue 4): the first screen under 1 s on this machine; a step's update under 50 ms for the
slides' models and for a 2-16-16-3 network.

    python benchmarks/bench_ui.py

Start-up is the wall time of a fresh process that imports tutor, builds the App, draws the home
screen headless and exits: the interpreter's own start is included, so the figure is an upper
bound. A step's update is `StepperScreen.action_forward()`: the descent step, the explanation,
the table row and the active plot redrawn (Textual paints the terminal after that, asynchronously).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

START = """
import tutor.cli  # what the `tutor` command imports before it opens the UI
from tutor.ui.app import TutorApp
async def first_screen(pilot):
    await pilot.pause()
    pilot.app.exit()
TutorApp().run(headless=True, auto_pilot=first_screen)
"""


def startup(repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", START], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def step_times(build, tab: str, steps: int = 30) -> list[float]:
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.stepper import StepperScreen

    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = StepperScreen("bench", build)
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.query_one("#plots").active = tab
        await pilot.pause()
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            screen.action_forward()
            times.append(time.perf_counter() - start)
        return times


def network_2_16_16_3():
    import tutor

    net = tutor.mlp([2, 16, 16, 3], "tanh", "softmax", "cross_entropy")
    X, y = tutor.datasets.moons(n=200, seed=0)
    Y = (y[:, None] == [0, 1, 2]).astype(float)
    return tutor.Session(net, net.compile(), X, Y, net.init(seed=0), 0.5)


def main() -> None:
    import tutor

    first = startup()
    print(f"from `tutor` to the first screen: median {first * 1000:.0f} ms (bar 1000 ms) "
          f"{'PASS' if first < 1.0 else 'FAIL'}")
    cases = [("slides' example", lambda: tutor.start("slides", learning_rate=0.1)),
             ("linear regression", lambda: tutor.start("linear", learning_rate=0.1)),
             ("2-16-16-3 network", network_2_16_16_3)]
    for name, build in cases:
        for tab in ("tab-loss", "tab-parabola", "tab-boundary"):
            times = asyncio.run(step_times(build, tab))
            median, worst = statistics.median(times), max(times)
            print(f"{name:<20} {tab[4:]:<9} step update: median {median * 1000:5.1f} ms, "
                  f"max {worst * 1000:5.1f} ms (bar 50 ms) {'PASS' if median < 0.05 else 'FAIL'}")
    print(f"tutor {tutor.__version__}")


if __name__ == "__main__":
    main()
