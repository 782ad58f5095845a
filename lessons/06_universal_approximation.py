# %% [markdown]
# # Universal approximation
#
# What you will see: what the universal approximation theorem of Hornik, Stinchcombe and White
# (1989) promises; networks with one hidden layer of 1, 2, 4, 8 and 16 tanh neurons fitted to
# sin x on the interval [−3, 3], and the largest error each makes anywhere on that interval,
# which shrinks as neurons are added; a picture of the fits; and the three things the theorem
# does not tell you. Every number below is computed when the lesson runs.

# %%
import numpy
import plotext as plt
import sympy

import tutor
from tutor import datasets
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## What the theorem says
#
# Call Ψ a *squashing function* if it never decreases, goes to 0 far to the left and to 1 far to
# the right: the logistic G(z) = eᶻ/(1 + eᶻ) is one. Now consider every function of the form
#
#     f(x) = Σ_{i=1..q} β_i Ψ(a_i + b_i x)
#
# for any number of terms q and any numbers a_i, b_i, β_i. The theorem: pick any continuous
# function g, any closed and bounded region K of inputs, and any tolerance ε above zero, however
# small. Some f of this form is within ε of g *everywhere* on K: sup_{x ∈ K} |f(x) − g(x)| < ε.
#
# The sup, the largest gap anywhere on K, is a demanding yardstick: not an average error, but
# the worst one.

# %% [markdown]
# ## That sum is a network with one hidden layer
#
# Each term Ψ(a_i + b_i x) is a hidden neuron with bias a_i and weight b_i; the β_i are the
# output neuron's weights, and the output activation is the identity. Here is such a network
# with q = 3 tanh neurons (tutor's output also has a bias α₂, which only makes the family
# larger):

# %%
print(tutor.mlp([1, 3, 1], activation="tanh"))

# %% [markdown]
# tanh runs from −1 to 1 rather than from 0 to 1, but it is a squashing function in disguise:
# tanh(z) = 2G(2z) − 1, where G is the logistic. So a tanh network is a logistic network with
# its weights doubled and its output rescaled, and the theorem covers it too. SymPy confirms the
# identity:

# %%
z = sympy.Symbol("z")
G = tutor.activation("logistic")
gap = sympy.simplify((2 * G(2 * z) - 1 - sympy.tanh(z)).rewrite(sympy.exp))
print("G(z) =", tutor.unicode(G(z)), "   2G(2z) − 1 − tanh(z) simplifies to", gap)

# %% [markdown]
# ## The target and the data
#
# We take g(x) = sin x on K = [−3, 3]. The network learns from 100 evenly spaced points; its
# largest error is measured on a much finer grid of the same interval, so it counts the gaps
# between the data points as well.

# %%
X, Y = datasets.function(n=100, f="sin", low=-3, high=3)
grid, truth = datasets.function(n=2001, f="sin", low=-3, high=3)
print("target:", datasets.FUNCTIONS["sin"].description)
print(f"training points: {len(X)} on [{X.min():g}, {X.max():g}]; grid for the sup: {len(grid)}")

# %% [markdown]
# ## Fitting, width by width
#
# Each network is fitted by gradient descent on the mean squared error, with one addition that
# makes it many times faster: *momentum*. Each update keeps 90% of the previous one and adds the
# new −γ·∇c, like a heavy ball rolling downhill that gathers speed along a long gentle slope.
# (Plain gradient descent, `tutor.descend`, would get to the same place, only much more slowly.)
# The loop calls the compiled kernel for the loss and its gradient.
#
# The loss has many valleys, so each width starts from three random points (three seeds) and
# keeps the fit with the lowest training loss: the one we would choose without knowing g.

# %%
def fit(width, activation="tanh", seed=0, steps=5000, learning_rate=0.03, momentum=0.9):
    """One hidden layer of ``width`` neurons, fitted by gradient descent with momentum."""
    net = tutor.mlp([1, width, 1], activation=activation)
    kernel = net.compile()
    theta = net.init(seed=seed)
    velocity = numpy.zeros_like(theta)
    for _ in range(steps):
        loss, grad = kernel(theta, X, Y)
        velocity = momentum * velocity - learning_rate * grad
        theta = theta + velocity
    loss, _ = kernel(theta, X, Y)
    return float(loss), theta, kernel


def sup_error(theta, kernel):
    """The largest |f(x) − g(x)| over the fine grid."""
    return float(numpy.max(numpy.abs(kernel.predict(theta, grid) - truth)))


def best_of(width, activation="tanh", seeds=(0, 1, 2)):
    """Fit from each seed; return the best fit (by training loss) and every start's sup error."""
    fits = [fit(width, activation, seed) for seed in seeds]
    loss, theta, kernel = min(fits, key=lambda f: f[0])
    return loss, theta, kernel, [sup_error(t, k) for _, t, k in fits]


widths, sup_errors, fitted = [1, 2, 4, 8, 16], [], {}
print(f"{'neurons':>7} {'parameters':>10} {'training MSE':>13} {'sup error':>10}"
      f" {'worst start':>12}")
for width in widths:
    loss, theta, kernel, all_sups = best_of(width)
    fitted[width] = (theta, kernel)
    sup_errors.append(sup_error(theta, kernel))
    print(f"{width:>7} {kernel.n_parameters:>10} {loss:>13.2e} {sup_errors[-1]:>10.4f}"
          f" {max(all_sups):>12.4f}")
print(f"\nfrom 1 to {widths[-1]} neurons the largest error shrinks "
      f"{sup_errors[0] / sup_errors[-1]:.1f}-fold")

# %% [markdown]
# One tanh neuron is a single S-shaped step and cannot follow a wave that falls, rises and falls.
# Two already trace the outline; every doubling of the width then shaves the worst error down,
# as the theorem says it can be. Think of each tanh neuron as a smooth step placed at
# x = −a_i/b_i with height β_i: with enough steps one can trace any continuous curve, much as a
# histogram with enough bins traces a density.

# %% [markdown]
# ## The picture
#
# The widest fit as a line, the one-neuron fit in crosses, and the target sin x as dots at every
# 80th point of the fine grid:

# %%
x = grid[:, 0]
plt.plot_size(70, 18)
plt.theme("clear")
for width, marker in ((widths[-1], "braille"), (widths[0], "x")):
    theta, kernel = fitted[width]
    plt.plot(x.tolist(), kernel.predict(theta, grid).tolist(), marker=marker,
             label=f"{width} neuron{'s' if width > 1 else ''}")
plt.scatter(x[::80].tolist(), truth[::80].tolist(), marker="•", label="sin x (target)")
plt.title("one hidden layer of tanh neurons fitting sin x")
print(plt.uncolorize(plt.build()))
plt.clear_figure()

# %% [markdown]
# ## What the theorem does not say
#
# It is an *existence* theorem: some network of this form is close enough. It is silent on
# three things you need in practice.
#
# 1. **How many neurons.** It gives no q for a given ε. The table above is an experiment, not a
#    consequence of the theorem; a wigglier g would need more neurons.
# 2. **Which activation.** Every squashing function qualifies, but with a finite budget of
#    neurons and of gradient steps they do not do equally well. Below, the same fit with the
#    logistic activation instead of tanh.
# 3. **How to find the weights.** It does not say how to reach that f. Gradient descent may stop
#    in a poorer valley: compare the best and the worst start in the table.

# %%
middle = widths[len(widths) // 2]
loss, theta, kernel, _ = best_of(middle, activation="logistic")
print(f"{middle} neurons: sup error {sup_errors[widths.index(middle)]:.4f} with tanh, "
      f"{sup_error(theta, kernel):.4f} with the logistic, after the same number of steps")

# %% [markdown]
# And the promise is only about K, the region the approximation was built for. Outside the
# interval the network has seen no data and nothing ties it to sin, so its error there can be
# anything:

# %%
theta, kernel = fitted[widths[-1]]
outside = numpy.array([[-6.0], [-4.5], [4.5], [6.0]])
for (point,), guess in zip(outside, kernel.predict(theta, outside), strict=True):
    print(f"x = {point:+.1f}: sin x = {numpy.sin(point):+.4f}, network {guess:+.4f}, "
          f"error {abs(guess - numpy.sin(point)):.4f}")

# %% [markdown]
# ## Exercise
#
# Sometimes the target is itself in the family, and a single neuron is enough. The built-in
# function "step" is g(x) = tanh(5x). Find θ = (α₁, β₁, α₂, β₂) for a network with one tanh
# neuron, ŷ = α₂ + β₂·tanh(α₁ + β₁x), that reproduces it exactly on [−3, 3], and check it with
# `check_step([alpha_1, beta_1, alpha_2, beta_2])`.

# %%
def check_step(theta):
    """Say whether the 1-1-1 tanh network with this θ reproduces tanh(5x) on [−3, 3]."""
    kernel = tutor.mlp([1, 1, 1], activation="tanh").compile()
    xs, target = datasets.function(n=2001, f="step", low=-3, high=3)
    worst = float(numpy.max(numpy.abs(kernel.predict(numpy.asarray(theta, float), xs) - target)))
    verdict = "yes" if worst < 1e-9 else "not quite"
    print(f"θ = {list(theta)}: largest error on [−3, 3] = {worst:.3g} — {verdict}")
    return verdict == "yes"


check_step([0, 1, 0, 1])

# %% [markdown]
# ## Recap
#
# - A network with one hidden layer computes Σ β_i Ψ(a_i + b_i x) (plus a bias): the family in
#   the universal approximation theorem of Hornik, Stinchcombe and White (1989).
# - For any continuous g on a closed, bounded region and any ε > 0, some member of that family
#   is within ε of g everywhere on the region (the sup norm).
# - Fitting sin x on [−3, 3], the largest error fell steadily as the hidden layer widened from
#   1 to 16 neurons.
# - It is an existence theorem: it does not say how many neurons, which activation, or how to
#   find the weights, and it promises nothing outside the region.
