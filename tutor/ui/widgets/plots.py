"""Pictures of a run, drawn by plotext in the terminal: the loss against the iteration, the loss
as a function of one parameter with the iterates on it, and the decision boundary."""

from __future__ import annotations

import numpy
from textual_plotext import PlotextPlot

__all__ = ["LossCurve", "Parabola", "Boundary"]


class LossCurve(PlotextPlot):
    """The loss after each iteration."""

    def show(self, session) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("loss c against iteration t")
        losses = [s.loss for s in session.history]
        if losses:
            finite = [v for v in losses if numpy.isfinite(v)]
            plt.plot(list(range(len(losses))), finite[:len(losses)], marker="braille")
            if max(finite) / max(min(finite), 1e-300) > 1e3:
                plt.yscale("log")
        plt.xlabel("t")
        self.refresh()


class Parabola(PlotextPlot):
    """c(θ_i) along one parameter, the others held where they are, with the iterates marked."""

    def show(self, session, index: int = 0) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        name = session.names[index]
        visited = [session.theta0[index]] + [s.theta[index] for s in session.history]
        visited = [v for v in visited if numpy.isfinite(v)]
        low, high = min(visited), max(visited)
        span = max(high - low, 1.0)
        grid = numpy.linspace(low - 0.6 * span, high + 0.6 * span, 121)
        theta = session.theta.copy() if numpy.all(numpy.isfinite(session.theta)) else (
            session.theta0.copy())
        losses = []
        for value in grid:
            theta[index] = value
            loss, _ = session.kernel(theta, session.X, session.Y)
            losses.append(float(loss))
        plt.title(f"loss c as a function of {name}, with the iterates")
        plt.plot(grid.tolist(), losses, marker="braille")
        # the last iterates, numbered by t, as the slides draw them on the parabola
        first = max(0, len(visited) - 12)
        for t, value in enumerate(visited[first:], start=first):
            theta[index] = value
            loss = float(session.kernel(theta, session.X, session.Y)[0])
            plt.scatter([value], [loss], marker="●", color="red")
            plt.text(str(t), value, loss, color="red", alignment="left")
        plt.xlabel(name)
        self.refresh()


class Boundary(PlotextPlot):
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
