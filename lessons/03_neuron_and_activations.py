# %% [markdown]
# # The neuron and its activation functions
#
# What you will see: the neuron h = G(α + xβ), the building block of every network; the five
# activation functions G that tutor knows, each with its derivative worked out by SymPy; why
# the logistic's derivative is h(1 − h) and can never exceed 1/4; pictures of each G and its
# slope; and a tanh neuron evaluated on a few inputs. Every number below is computed when the
# lesson runs.

# %%
import numpy
import plotext as plt
import sympy

import tutor
from tutor.activations import h, z
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## One neuron
#
# A neuron does two things. It first forms a linear index z = α + xβ, exactly the right-hand
# side of a linear regression. It then passes z through a function G and outputs h = G(z).
# G is the neuron's *activation function*, and h its *activation*. You have met two neurons
# already: with G(z) = z it is the linear regression of lesson 1, and with the logistic G it
# is the logit of lesson 2. Networks stack many neurons, and for reasons lesson 5 shows, their
# G must be non-linear.
#
# ## The table of activations
#
# tutor keeps the activation functions in one table, `tutor.ACTIVATIONS`. For each row SymPy
# differentiates G, and then tries to write the slope G′ through h = G(z) alone:

# %%
def readable(expr):
    """An expression in the notation of the slides (expm1(x) written as eˣ − 1)."""
    return tutor.unicode(expr.rewrite(sympy.exp)) if expr is not None else "—"


for row in tutor.ACTIVATIONS:
    print(f"{row.name}: {row.description}")
    print(f"    G(z)  = {tutor.unicode(row.expr)}")
    print(f"    G′(z) = {tutor.unicode(row.derivative)}")
    print(f"    G′ through h = G(z): {readable(row.derivative_in_h())}")
    print()

# %% [markdown]
# Why bother writing the slope through h? When a network learns, it first computes every h
# (the forward pass) and then needs every G′ (the backward pass, back-propagation, lesson 9).
# If G′ is a simple function of h, the backward pass reuses the h it already has instead of
# computing exponentials again.
#
# Two rows need a word. ReLU's slope is a step, 𝟙(z > 0): 0 for negative z and 1 for
# positive z (at z = 0 exactly, the kink, it has no derivative, and SymPy's step puts 1/2
# there); tutor leaves it in terms of z. And softplus, a smooth version of ReLU, has the
# logistic as its slope:

# %%
logistic, softplus = tutor.activation("logistic"), tutor.activation("softplus")
print("softplus′(z) − logistic(z) simplifies to",
      sympy.simplify(softplus.derivative - logistic.expr))

# %% [markdown]
# ## The logistic's slope: h(1 − h), and never more than 1/4
#
# SymPy's derivative of eᶻ/(1 + eᶻ) looks messy, but it is just h(1 − h) in disguise. We
# check it by substituting h = G(z) and simplifying the difference:

# %%
logistic_in_h = logistic.derivative_in_h()
print("G′(z) =", tutor.unicode(logistic.derivative))
print("G′    =", tutor.unicode(logistic_in_h), " with h = G(z)")
print("G′(z) − h(1 − h) at h = G(z) simplifies to",
      sympy.simplify(logistic.derivative - logistic_in_h.subs(h, logistic.expr)))

# %% [markdown]
# Since h is a probability between 0 and 1, h(1 − h) is largest when h = 1/2, that is at
# z = 0. SymPy finds the largest value of G′ over the whole real line, and the value at 0:

# %%
logistic_max = sympy.maximum(logistic.derivative, z, sympy.S.Reals)
print("max of G′(z) over all z:", logistic_max)
print("G′(0) =", sympy.simplify(logistic.derivative.subs(z, 0)))
tanh = tutor.activation("tanh")
print("for comparison, tanh′(0) =", tanh.derivative.subs(z, 0))

# %% [markdown]
# This matters for deep networks. Back-propagation multiplies one slope G′ per layer (the
# chain rule), so with logistic neurons the product shrinks at least this fast:

# %%
for layers in range(1, 6):
    bound, label = logistic_max**layers, f"{layers} layer" + ("s" if layers > 1 else "")
    print(f"  {label:<8}: the product of slopes is at most {bound} = {float(bound):.5f}")

# %% [markdown]
# That is the *vanishing gradient* of the slides: the early layers barely learn. tanh's slope
# reaches 1 and ReLU's is exactly 1 for every positive z, one reason they are popular in
# deep networks.
#
# ## Pictures: each G and its slope
#
# Each plot shows G(z) as a thin line and its slope G′(z) in dots, for z from −5 to 5. Look
# for where G is flat: there the slope is near 0 and learning through that neuron stalls.

# %%
grid = numpy.linspace(-5.0, 5.0, 201)


def curve(expr):
    """expr(z) on the grid, as a list of floats (a constant becomes a flat line)."""
    values = sympy.lambdify(z, expr, "numpy")(grid)
    return numpy.broadcast_to(numpy.asarray(values, dtype=float), grid.shape).tolist()


def draw(row):
    """G and G′ of one activation, as a plot in the terminal."""
    plt.clear_figure()
    plt.plot_size(70, 18)
    plt.theme("clear")
    plt.plot(grid.tolist(), curve(row.numeric_expr()), label="G(z)", marker="braille")
    plt.plot(grid.tolist(), curve(row.derivative), label="G′(z), the slope", marker="•")
    plt.title(f"{row.name}: G(z) = {tutor.unicode(row.expr)}")
    plt.xlabel("z")
    print(plt.uncolorize(plt.build()))  # plain text: no colour codes
    plt.clear_figure()


for row in tutor.ACTIVATIONS:
    draw(row)

# %% [markdown]
# The logistic and tanh are S-shaped and flatten out on both sides, so their slopes are
# bell-shaped and near 0 for large |z| (a *saturated* neuron). ReLU is flat only on the
# left. The identity's slope is 1 everywhere, but a network of identity neurons is just a
# linear regression. Softplus is a rounded ReLU whose slope is the logistic curve.
#
# ## A tanh neuron
#
# `tutor.neuron(k, activation=...)` builds h = G(α + xβ) with k inputs. Here is one input and
# G = tanh, with α = 0.5 and β₁ = −1.5 chosen for the example:

# %%
neuron = tutor.neuron(1, activation="tanh")
print(neuron)
print("h =", tutor.unicode(neuron.outputs[0]))

theta = numpy.array([0.5, -1.5])  # (α, β₁)
inputs = numpy.array([[-2.0], [0.0], [1.0], [3.0]])
h_kernel = neuron.compile().predict(theta, inputs).ravel()
h_by_hand = numpy.tanh(theta[0] + theta[1] * inputs.ravel())
print(f"\n{'x₁':>6}{'z = α + β₁x₁':>15}{'h (tutor)':>12}{'tanh(z) (NumPy)':>18}")
for x1, hk, hh in zip(inputs.ravel(), h_kernel, h_by_hand, strict=True):
    print(f"{x1:>6g}{theta[0] + theta[1] * x1:>15g}{hk:>12.6f}{hh:>18.6f}")

# %% [markdown]
# tutor's compiled neuron and a direct NumPy calculation agree. Notice the range: whatever
# x is, h stays between −1 and 1.

# %% [markdown]
# ## Exercise
#
# What is the slope of the logistic G at z = 0? Use G′ = h(1 − h) with h = G(0), then check
# your answer with `check_logistic_slope(your_slope)`. Bonus: by the same route, with
# tanh′ = 1 − h² and h = tanh(0), find tanh′(0) and compare it with the value printed above.

# %%
def check_logistic_slope(slope, at=0.0):
    """Say whether slope is the logistic's G′ at z = at (to within 1e-6)."""
    right = float(logistic.derivative.subs(z, at))
    verdict = "yes" if abs(slope - right) < 1e-6 else "not quite"
    print(f"G′({at:g}) = {slope:g}? {verdict}")
    return verdict == "yes"


h0 = float(logistic(0))
check_logistic_slope(h0 * (1 - h0))

# %% [markdown]
# ## Recap
#
# - A neuron computes z = α + xβ and outputs its activation h = G(z); G is the activation
#   function.
# - Linear regression is a neuron with G(z) = z; logistic regression is one with the
#   logistic G.
# - SymPy derives every G′; for the logistic it is h(1 − h), for tanh 1 − h², for softplus
#   the logistic itself, and ReLU's is a step.
# - The logistic's slope is at most 1/4 (at z = 0), so products of such slopes across many
#   layers shrink fast: the vanishing gradient.
