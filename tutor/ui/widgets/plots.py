"""Pictures of a run, drawn by plotext in the terminal: the loss against the iteration, the loss
as a function of one parameter with the iterates on it, and the decision boundary."""

from __future__ import annotations

import math

import numpy
from rich.text import Text
from textual_plotext import PlotextPlot

__all__ = ["LossCurve", "Parabola", "Boundary"]


class Plot(PlotextPlot):
    """A plotext plot that never takes the UI down with it.

    Below a few cells it shows a word instead of a mangled drawing. And plotext fails on some
    values (a range spanning ±1e308 gives NaN, one of width 1e-320 overflows): the plot then
    says it cannot be drawn, and the rest of the screen goes on.
    """

    MIN_WIDTH, MIN_HEIGHT = 16, 5

    def render(self):
        width, height = self.size
        if width < self.MIN_WIDTH or height < self.MIN_HEIGHT:
            return Text("(plot: enlarge)"[:max(width, 0)], style="dim")
        try:
            return super().render()
        except (ArithmeticError, ValueError, IndexError) as error:
            return Text(f"this plot cannot be drawn for these values ({error})", style="dim")


class LossCurve(Plot):
    """The loss after each iteration."""

    def show(self, session) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        title = "loss c against iteration t"
        # a diverged run ends in inf or nan: those iterations are left out, not drawn at 0
        points = [(t, float(s.loss)) for t, s in enumerate(session.history)
                  if numpy.isfinite(s.loss)]
        if points:
            ts, losses = zip(*points, strict=True)
            low, high = min(losses), max(losses)
            if low > 0 and high / low > 1e3:  # a log scale only where every loss is positive
                # drawn as log₁₀ c with ticks at powers of ten, not with plotext's yscale("log"),
                # which takes the logarithm again at each redraw and fails after a resize
                losses = [math.log10(v) for v in losses]
                first, last = math.floor(min(losses)), math.ceil(max(losses))
                ticks = list(range(first, last + 1, max(1, math.ceil((last - first) / 5))))
                plt.yticks(ticks, [f"1e{k}" for k in ticks])
                title += " (log scale)"
            plt.plot(list(ts), list(losses), marker="braille")
            # iterations are whole numbers: ticks at whole t, not at 0.25, 0.5, …
            last = max(ts)
            plt.xticks(list(range(0, last + 1, max(1, math.ceil(last / 5)))))
        plt.title(title)
        plt.xlabel("t")
        self.refresh()


class Parabola(Plot):
    """c(θ_i) along one parameter, the others held where they are, with the iterates marked."""

    def show(self, session, index: int = 0) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        name = session.names[index]
        visited = [session.theta0[index]] + [s.theta[index] for s in session.history]
        # iterates that blew up (inf, nan, or too far out to draw around) are left out
        visited = [float(v) for v in visited if numpy.isfinite(v) and abs(v) < 1e150] or [0.0]
        low, high = min(visited), max(visited)
        span = max(high - low, 1.0)
        grid = numpy.linspace(low - 0.6 * span, high + 0.6 * span, 121)
        theta = session.theta.copy() if numpy.all(numpy.isfinite(session.theta)) else (
            session.theta0.copy())

        def loss_at(value: float) -> float:
            theta[index] = value
            with numpy.errstate(all="ignore"):  # far from the minimum the loss may overflow
                return float(session.kernel(theta, session.X, session.Y)[0])

        curve = [(v, c) for v, c in ((v, loss_at(v)) for v in grid.tolist()) if numpy.isfinite(c)]
        plt.title(f"loss c as a function of {name}, with the iterates")
        if curve:
            plt.plot([v for v, _ in curve], [c for _, c in curve], marker="braille")
        # the last iterates, numbered by t, as the slides draw them on the parabola
        first = max(0, len(visited) - 12)
        for t, value in enumerate(visited[first:], start=first):
            loss = loss_at(value)
            if numpy.isfinite(loss):
                plt.scatter([value], [loss], marker="●", color="red")
                plt.text(str(t), value, loss, color="red", alignment="left")
        plt.xlabel(name)
        self.refresh()


class Boundary(Plot):
    """Two-feature data as points, and where the model's prediction crosses ½ (or 0)."""

    def show(self, session) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        X, Y = session.X, numpy.asarray(session.Y)
        labels = Y.argmax(axis=1) if Y.ndim == 2 and Y.shape[1] > 1 else Y.ravel()
        for label, colour in zip(numpy.unique(labels)[:6], ("blue", "orange", "green", "magenta",
                                                              "cyan", "yellow"), strict=False):
            mask = labels == label
            plt.scatter(X[mask, 0].tolist(), X[mask, 1].tolist(), marker="•", color=colour)
        # the boundary: grid points where the predicted class changes
        xs = numpy.linspace(X[:, 0].min(), X[:, 0].max(), 60)
        ys = numpy.linspace(X[:, 1].min(), X[:, 1].max(), 40)
        gx, gy = numpy.meshgrid(xs, ys)
        grid = numpy.column_stack([gx.ravel(), gy.ravel()])
        with numpy.errstate(all="ignore"):  # a diverged θ predicts nan: no boundary to draw
            p = numpy.asarray(session.kernel.predict(session.theta, grid))
            cls = p.argmax(axis=1) if p.ndim == 2 else (p > (0.5 if p.min() >= 0 else 0.0))
        cls = cls.reshape(gy.shape)
        edge = (numpy.diff(cls, axis=1) != 0)
        bx, by = gx[:, 1:][edge], gy[:, 1:][edge]
        if bx.size:
            plt.scatter(bx.tolist(), by.tolist(), marker="·", color="red")
        self.drawn = (session.t, cls)  # what was drawn, for a test to see the boundary move
        plt.title(f"the data and the decision boundary at t = {session.t}")
        self.refresh()
