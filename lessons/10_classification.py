# %% [markdown]
# # Classification with a hidden layer
#
# What you will see: two classes of points shaped like two interlocking moons, which no straight
# line can separate. A logistic regression, the econometrician's classifier, can only draw a
# straight line between them and gets a modest share right. A network with one hidden layer of
# 16 neurons, trained by gradient descent, bends its boundary around the moons and classifies
# nearly every point correctly, also on fresh data. We draw both boundaries in the terminal and
# ask how many hidden neurons the task needs. Every number below is computed when the lesson
# runs.

# %%
import numpy
import plotext as plt

import tutor
from tutor import datasets
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## Two moons
#
# Each observation has two features, x₁ and x₂, and a class y that is 0 or 1: the upper moon is
# class 0, the lower moon class 1. The tip of each moon reaches into the hollow of the other.

# %%
X, y = datasets.moons(n=200, seed=0)
print(f"{len(X)} points: {int(numpy.sum(y == 0))} of class 0, {int(numpy.sum(y == 1))} of "
      f"class 1; x₁ from {X[:, 0].min():.2f} to {X[:, 0].max():.2f}, x₂ from "
      f"{X[:, 1].min():.2f} to {X[:, 1].max():.2f}")


def accuracy(kernel, theta, features, labels):
    """The share of points whose predicted class (probability above ½ means 1) is right."""
    predicted = kernel.predict(theta, features) > 0.5
    return float(numpy.mean(predicted == (labels == 1)))


def draw(kernel, theta, title):
    """The points (o: class 0, x: class 1) and the line where the predicted class flips."""
    plt.plot_size(70, 20)
    plt.theme("clear")
    for label, marker in ((0, "o"), (1, "x")):
        mask = y == label
        plt.scatter(X[mask, 0].tolist(), X[mask, 1].tolist(), marker=marker,
                    label=f"class {label}")
    # the boundary: the cells of a fine grid where the predicted class changes
    g1, g2 = numpy.meshgrid(numpy.linspace(X[:, 0].min(), X[:, 0].max(), 140),
                            numpy.linspace(X[:, 1].min(), X[:, 1].max(), 80))
    grid = numpy.column_stack([g1.ravel(), g2.ravel()])
    one = (kernel.predict(theta, grid) > 0.5).reshape(g1.shape)
    edge = numpy.zeros_like(one)
    edge[:, 1:] |= one[:, 1:] != one[:, :-1]
    edge[1:, :] |= one[1:, :] != one[:-1, :]
    plt.scatter(g1[edge].tolist(), g2[edge].tolist(), marker="·", label="boundary")
    plt.title(title)
    plt.xlabel("x₁")
    picture = plt.uncolorize(plt.build())  # plain text, no colour codes
    plt.clear_figure()
    return picture


# %% [markdown]
# ## Logistic regression: one straight line
#
# Logistic regression models P(y = 1) = G(α + β₁x₁ + β₂x₂), with G the logistic function, and
# predicts class 1 where that probability is above ½, that is where α + β₁x₁ + β₂x₂ > 0. The
# boundary α + β₁x₁ + β₂x₂ = 0 is a straight line, whatever the data. We fit it by gradient
# descent on the cross-entropy loss, the negative mean log-likelihood, so it should land on the
# logit maximum-likelihood estimate.

# %%
logit = tutor.logistic_regression(2)
logit_kernel = logit.compile()
*_, last = tutor.descend(logit_kernel, numpy.zeros(3), X, y, learning_rate=1.0, steps=2000)
theta_logit = last.theta
theta_mle = tutor.logit_mle(X, y)
names = [tutor.unicode(p) for p in logit.parameters]
print("gradient descent:", ", ".join(f"{n} = {v:.4f}" for n, v in zip(names, theta_logit,
                                                                       strict=True)))
print("logit MLE:       ", ", ".join(f"{n} = {v:.4f}" for n, v in zip(names, theta_mle,
                                                                       strict=True)))
a, b1, b2 = theta_logit
print(f"the boundary: x₂ = {-a / b2:.3f} + {-b1 / b2:.3f}·x₁")
accuracy_logistic = accuracy(logit_kernel, theta_logit, X, y)
print(f"share classified correctly: {accuracy_logistic:.1%}")

# %%
print(draw(logit_kernel, theta_logit, f"logistic regression: {accuracy_logistic:.1%} right"))

# %% [markdown]
# The line does what a line can: it cuts through the middle, and the two tips, which reach
# across it, are on the wrong side.

# %% [markdown]
# ## A network with one hidden layer
#
# Now put a layer of 16 neurons between the features and the output. Each hidden neuron forms
# its own index α + β₁x₁ + β₂x₂ and squashes it with tanh, so each is a soft step across a
# line of its own. The output neuron is a logistic regression on those 16 steps. Adding and
# weighting many soft steps, it can bend the boundary. The loss is cross-entropy, as for the
# logit; the weights start small and random (seeded), the biases at 0.

# %%
net = tutor.mlp([2, 16, 1], "tanh", "logistic", "cross_entropy")
kernel = net.compile()
theta0 = net.init(seed=0)
print(net.describe())
rate, steps = 1.0, 2000
history = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, steps=steps))
print(f"before training:  loss {float(kernel(theta0, X, y)[0]):.4f}   share right "
      f"{accuracy(kernel, theta0, X, y):.1%}")
for t in (10, 50, 100, 200, 500, 1000, 2000):
    step = history[t - 1]
    print(f"after {t:>4} steps: loss {float(kernel(step.theta, X, y)[0]):.4f}   share right "
          f"{accuracy(kernel, step.theta, X, y):.1%}")
theta_network = history[-1].theta
accuracy_network = accuracy(kernel, theta_network, X, y)

# %%
print(draw(kernel, theta_network, f"network 2-16-1: {accuracy_network:.1%} right"))

# %% [markdown]
# The boundary now follows the gap between the moons, tips included.

# %% [markdown]
# ## On data it has not seen
#
# A flexible model can fit the sample it was trained on by memorising it. The honest test is
# data it never saw: 1000 new points drawn the same way with another seed.

# %%
X_new, y_new = datasets.moons(n=1000, seed=1)
print(f"logistic regression: {accuracy(logit_kernel, theta_logit, X_new, y_new):.1%} right on "
      f"the new points")
print(f"network 2-16-1:      {accuracy(kernel, theta_network, X_new, y_new):.1%} right on "
      f"the new points")

# %% [markdown]
# ## How many hidden neurons does it take?
#
# Train the same way with fewer hidden neurons. One hidden neuron passes a single index through
# two increasing squashes, so its boundary is still a straight line: it can do no better than
# the logit. A few neurons are enough to bend the boundary around these moons.

# %%
for width in (1, 2, 3, 4, 16):
    small = tutor.mlp([2, width, 1], "tanh", "logistic", "cross_entropy")
    small_kernel = small.compile()
    *_, end = tutor.descend(small_kernel, small.init(seed=0), X, y, learning_rate=rate,
                            steps=steps)
    print(f"{width:>2} hidden neuron{'s' if width > 1 else ' '} ({small.n_parameters:>2} "
          f"parameters): {accuracy(small_kernel, end.theta, X, y):.1%} right on the training "
          f"data, {accuracy(small_kernel, end.theta, X_new, y_new):.1%} on the new points")

# %% [markdown]
# ## Step through it yourself
#
# The run below is the network's training from the same start with the same γ. Each step uses
# all 200 points. (In the terminal UI, press `s` here to keep stepping yourself: the boundary
# tab shows the line bending as the weights move.)

# %%
stepper = tutor.Session(net, kernel, X, y, theta0, learning_rate=rate)
for line in stepper.explain(stepper.forward()):
    print(line)

# %% [markdown]
# ## Exercise
#
# The point (x₁, x₂) = (0, 0.3) sits at the left tip of the lower moon. Which class does the
# network give it, and which the logistic regression? Decide from the two pictures, then check
# your answer for the network with `check_class((0.0, 0.3), your_class)`. Below, the check is
# called for a point in the middle of the upper moon.

# %%
def check_class(point, your_class):
    """Compare a guessed class (0 or 1) with the network's, and show both models' P(y = 1)."""
    where = numpy.array([point], dtype=float)
    p_network = float(kernel.predict(theta_network, where)[0])
    p_logit = float(logit_kernel.predict(theta_logit, where)[0])
    network_class = int(p_network > 0.5)
    verdict = "yes" if your_class == network_class else "not quite"
    print(f"point {tuple(point)}: the network says P(y = 1) = {p_network:.3f}, class "
          f"{network_class}; the logistic regression says {p_logit:.3f}, class "
          f"{int(p_logit > 0.5)}. You said {your_class} — {verdict}")
    return verdict == "yes"


check_class((-0.8, 0.5), 0)

# %% [markdown]
# ## Recap
#
# - Logistic regression's boundary, α + β₁x₁ + β₂x₂ = 0, is a straight line; on the two moons
#   that caps its accuracy, however long it is trained.
# - A hidden layer gives the output many soft steps to combine: its boundary can bend, and the
#   2-16-1 network classifies almost every point, on the training data and on fresh data.
# - It is trained exactly like the logit: gradient descent on the cross-entropy loss, with the
#   gradients from back-propagation.
# - One hidden neuron is no better than the logit; a handful suffice for these moons.
