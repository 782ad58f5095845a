# %% [markdown]
# # Back-propagation
#
# What you will see: the slides' back-propagation example worked by `tutor`: the gradient of one
# first-layer weight, β₁^(1,2), in a network with two hidden neurons and one output, derived by
# the chain rule with the activations left unspecified, every factor explained. Then the same
# with logistic activations, checked with numbers three ways, and the whole network's gradient
# checked at once. Last, why no one does this by hand: back-propagation computes all gradients
# layer by layer, and the number of chain-rule paths explodes with depth and width. Every
# number below is computed when the lesson runs.

# %%
import math

import numpy
import sympy

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## The network on the slide
#
# Two inputs x₁, x₂, two hidden neurons and one output, for a regression with squared-error
# loss. Each neuron is a small regression: it forms z = α + Σ β·(inputs) and passes it through
# an activation. We leave the activations as unnamed functions, F₁ for the hidden layer and F₂
# for the output, so the result holds whatever they are. The names follow the slides: α_l and
# β_l belong to layer l, and β_l^(j,i) is the weight neuron j of layer l puts on input i.

# %%
F1, F2 = sympy.Function("F_1"), sympy.Function("F_2")
net = tutor.mlp([2, 2, 1], activation=F1, output=F2)
print(net)

# %% [markdown]
# ## The chain rule, one link at a time
#
# β₁^(1,2) is the weight hidden neuron 1 puts on x₂. It reaches the loss along a single road:
# it changes z₁^(1), which changes h₁^(1), which changes z₂, which changes the prediction h₂,
# which changes the loss c. The chain rule multiplies the rate of change along each link of
# that road. `tutor` writes the road out (steps 1–5), takes each link's derivative (steps 6–10)
# and multiplies them (step 11):

# %%
d = net.derivation("beta_1^(1,2)")
print(d)

# %% [markdown]
# The last line is the slide's result. Here it is again on its own, followed by each factor
# and what it measures:

# %%
print("∂c/∂β₁^(1,2) =", d.chain)
factors = d.chain.terms[0]  # (−2, y − h₂, F₂′(…), β₂^(1,1), F₁′(…), x₂)
meanings = [
    "how the loss reacts to the prediction h₂: negative when the prediction is too low",
    "how the output neuron's activation reacts to its input z₂, at the current z₂",
    "how strongly hidden neuron 1's output h₁^(1) enters z₂ (its weight in the output)",
    "how hidden neuron 1's activation reacts to its input z₁^(1), at the current z₁^(1)",
    "how z₁^(1) reacts to β₁^(1,2): by the input that β₁^(1,2) multiplies",
]
shown = [sympy.Mul(factors[0], factors[1], evaluate=False), *factors[2:]]
for factor, meaning in zip(shown, meanings, strict=True):
    print(f"  {tutor.unicode(factor)}")
    print(f"      {meaning}")

# %% [markdown]
# Hidden neuron 2 does not appear: β₁^(1,2) does not touch it, so there is only one road to
# follow. (The slides write the output weight as β₂^(1); here it is β₂^(1,1), the weight of the
# first (and only) output neuron on hidden neuron 1.)

# %% [markdown]
# ## With logistic activations
#
# Now make both activations the logistic function G(z) = eᶻ/(1 + eᶻ), the same G as in a
# logit model. Its derivative has a neat form, G′(z) = G(z)·(1 − G(z)), which SymPy confirms:

# %%
G = tutor.activation("logistic")
z = next(iter(G.expr.free_symbols))
slope_of_G = sympy.diff(G.expr, z)
print("G(z) =", tutor.unicode(G.expr))
print("G′(z) =", tutor.unicode(slope_of_G), "  (the quotient rule)")
print("G′(z) − G(z)·(1 − G(z)) simplifies to", sympy.simplify(slope_of_G - G.expr * (1 - G.expr)))

# %% [markdown]
# So every F′ in the chain becomes h·(1 − h), with h the neuron's output. The network and the
# derivation are the same as before, with G in place of F₁ and F₂:

# %%
logistic_net = tutor.mlp([2, 2, 1], activation="logistic", output="logistic")
d_logistic = logistic_net.derivation("beta_1^(1,2)")
print("∂c/∂β₁^(1,2) =", d_logistic.chain)

# %% [markdown]
# ## Checking the formula with numbers
#
# Take seeded random parameters θ and one observation (x₁, x₂, y). First the forward pass,
# layer by layer, which gives every h; then the five factors of the chain, and their product.

# %%
rng = numpy.random.default_rng(0)
theta = rng.normal(size=logistic_net.n_parameters)
x_sample, y_sample = numpy.array([0.5, -1.2]), 1.0
named = [f"{tutor.unicode(p)} = {v:+.4f}" for p, v in zip(logistic_net.parameters, theta,
                                                          strict=True)]
for start in range(0, len(named), 3):
    print("   ".join(named[start:start + 3]))
print(f"the observation: x₁ = {x_sample[0]}, x₂ = {x_sample[1]}, y = {y_sample}")


def logistic(value):
    return 0.5 * (1 + numpy.tanh(value / 2))  # = eᶻ/(1 + eᶻ), without overflow for large z


(alpha_1, beta_1), (alpha_2, beta_2) = logistic_net.unpack(theta)
h_1 = logistic(alpha_1 + beta_1 @ x_sample)  # the two hidden neurons
h_2 = logistic(alpha_2 + beta_2 @ h_1)[0]  # the output
print(f"forward pass: h₁^(1) = {h_1[0]:.4f}, h₁^(2) = {h_1[1]:.4f}, h₂ = {h_2:.4f}")
values = {"−2(y − h₂)": -2 * (y_sample - h_2), "h₂·(1 − h₂)": h_2 * (1 - h_2),
          "β₂^(1,1)": beta_2[0, 0], "h₁^(1)·(1 − h₁^(1))": h_1[0] * (1 - h_1[0]),
          "x₂": x_sample[1]}
for name, value in values.items():
    print(f"  {name:<20} = {value:+.6f}")
by_hand = math.prod(values.values())
print(f"the product: ∂c/∂β₁^(1,2) = {by_hand:+.12f}")

# %% [markdown]
# Three independent checks of that number:
#
# 1. `d_logistic.result` is the same gradient written in x, y and θ only; SymPy's `lambdify`
#    turns it into a function we can evaluate.
# 2. A central finite difference: nudge β₁^(1,2) up and down by a tiny h, recompute the loss,
#    and take the slope (c(β + h) − c(β − h)) / 2h. No calculus at all.
# 3. The compiled kernel, the code that training runs, gives the whole gradient vector; we pick
#    out the entry for β₁^(1,2).

# %%
symbols = [*logistic_net.inputs, *logistic_net.targets, *logistic_net.parameters]
gradient_formula = sympy.lambdify(symbols, d_logistic.result, "numpy")
loss_formula = sympy.lambdify(symbols, logistic_net.loss, "numpy")
index = logistic_net.parameters.index(logistic_net.parameter("beta_1^(1,2)"))

grad_formula = float(gradient_formula(*x_sample, y_sample, *theta))
step = 1e-5
up, down = theta.copy(), theta.copy()
up[index] += step
down[index] -= step
grad_fd = float((loss_formula(*x_sample, y_sample, *up) - loss_formula(*x_sample, y_sample, *down))
                / (2 * step))
kernel = logistic_net.compile()
_, gradient = kernel(theta, x_sample.reshape(1, 2), numpy.array([y_sample]))
grad_kernel = float(gradient[index])

print(f"the product of the factors  {by_hand:+.12f}")
print(f"the formula d.result        {grad_formula:+.12f}")
print(f"the finite difference       {grad_fd:+.12f}")
print(f"the compiled kernel         {grad_kernel:+.12f}")
print(f"the formula and the finite difference agree to {abs(grad_formula - grad_fd):.1e}; "
      f"the formula and the kernel to {abs(grad_formula - grad_kernel):.1e}")

# %% [markdown]
# The finite difference is off in the last few digits only because h is not infinitely small;
# the three calculations are the same number.

# %% [markdown]
# ## The whole network at once
#
# `tutor.gradcheck` does the finite-difference check for every parameter, on a data set rather
# than one observation (the loss is then the mean over the rows). Each row compares the
# kernel's gradient (analytic) with the finite difference (numeric).

# %%
X, Y = tutor.datasets.toy(logistic_net, n=32, seed=0)
report = tutor.gradcheck(kernel, theta, X, Y)
print(report)
print("all passed:", report.ok)

# %% [markdown]
# ## Why a library must automate it
#
# Writing one gradient out was already a page. A network has one gradient per parameter, and
# doing each by hand would repeat the same work again and again: every weight of the first
# layer shares the factors −2(y − h₂)·F₂′(z₂) from the top of the network. Back-propagation
# computes those shared pieces once. Call δ = ∂c/∂z the error at a neuron. It is computed at
# the output first, then passed down a layer at a time; each gradient is then a δ times what
# its parameter multiplies:

# %%
backprop = net.backprop()
print(backprop)

# %% [markdown]
# Put the δ's in, and ∂c/∂β₁^(1,2) = δ₁^(1)·x₂ is exactly the slide's product. SymPy checks it:

# %%
p = net.parameter("beta_1^(1,2)")
through_deltas = backprop.gradient[p]
for name, expression in reversed(backprop.equations):  # δ's first, then h's and z's
    through_deltas = through_deltas.subs(name, expression)
print("back-propagation minus the chain rule simplifies to",
      sympy.simplify(through_deltas - d.result))

# %% [markdown]
# The compiled kernel is this recipe as array code, for all the rows of the data at once. Its
# backward pass, line by line (2·h₂·(Y − h₂)·(h₂ − 1) is −2(y − h₂)·h₂·(1 − h₂) rearranged, and
# dividing by n makes each gradient the mean over the rows):

# %%
for line in kernel.source.split("def predict")[0].splitlines():
    if "delta" in line or "grad[" in line:
        print(line.strip())

# %% [markdown]
# ### The number of roads explodes
#
# In our network, β₁^(1,2) reaches the loss along one road. With more hidden layers, every
# neuron of the layer above offers another road, so the number of roads is the product of the
# widths of all the layers above the parameter. `tutor` writes each road out as one product of
# factors while there are few; we count them and compare with that product. We also count the
# operations in the gradient once every name is replaced by what it stands for, the way a
# learner would have to write it out by hand.

# %%
def roads(sizes, layer=1):
    """Chain-rule roads from a weight of ``layer`` to the loss: the product of widths above."""
    return math.prod(sizes[layer + 1:])


for sizes in ([2, 2, 1], [2, 2, 2, 1], [2, 2, 2, 2, 1], [2, 3, 3, 1]):
    deep = tutor.mlp(sizes, activation=F1, output=F2)
    written = deep.derivation("beta_1^(1,2)")
    print(f"{'-'.join(map(str, sizes)):<10} roads written out: {len(written.chain.terms)}, "
          f"product of widths: {roads(sizes)}, operations in the written-out gradient: "
          f"{sympy.count_ops(written.result)}")

# %% [markdown]
# Networks used in practice are wider and deeper. Below, the number of roads from one weight of
# the first layer, and from all parameters together, against the work back-propagation does:
# one δ per neuron, and one multiplication per parameter to turn the δ's into gradients.

# %%
print("network".ljust(20) + "parameters".rjust(11) + "δ's".rjust(6) + "roads from one".rjust(19)
      + "roads from".rjust(16))
print(" " * 37 + "first-layer weight".rjust(19) + "all parameters".rjust(16))
for sizes in ([2, 2, 1], [2, 16, 1], [2, 16, 16, 1], [2, 16, 16, 16, 1], [2, 64, 64, 64, 1],
              [2, 64, 64, 64, 64, 64, 1]):
    layers = range(1, len(sizes))
    counts = [sizes[l] * (sizes[l - 1] + 1) for l in layers]  # parameters per layer
    total_roads = sum(c * roads(sizes, l) for c, l in zip(counts, layers, strict=True))
    print(f"{'-'.join(map(str, sizes)):<20}{sum(counts):>11,}{sum(sizes[1:]):>6}"
          f"{roads(sizes):>19,}{total_roads:>16,}")

# %% [markdown]
# Following every road separately grows like a power of the width; back-propagation's work
# grows only with the number of parameters. That is why every neural-network library computes
# gradients this way, automatically.
#
# The chain rule is a long product, which is also its weak spot: the logistic G′ is at most
# G′(0) = 1/4, so a road through many logistic layers multiplies many numbers below 1/4:

# %%
slope = float(slope_of_G.subs(z, 0))
for depth in (1, 5, 10, 20):
    print(f"through {depth:>2} logistic layer{'s' if depth > 1 else ' '}: the G′ factors alone "
          f"are at most {slope}^{depth} = {slope ** depth:.1e}")

# %% [markdown]
# Small times small is very small: the gradient of the lowest layers *vanishes*, and they barely
# learn. (Large weights do the opposite and make it *explode*.)

# %% [markdown]
# ## Exercise
#
# At the θ and the observation above, what is ∂c/∂β₂^(1,2), the output neuron's weight on
# hidden neuron 2? Follow its road to the loss: it needs −2(y − h₂), then the output
# activation's slope h₂·(1 − h₂), then what β₂^(1,2) multiplies in z₂. Compute it from `h_1`,
# `h_2` and `y_sample` and check it with `check_gradient("beta_2^(1,2)", your_number)`. Below,
# the check is called for the output's bias α₂^(1), whose road ends in 1 (a bias multiplies
# nothing).

# %%
def check_gradient(name, value):
    """Compare a number with the kernel's gradient entry for the named parameter."""
    where = logistic_net.parameters.index(logistic_net.parameter(name))
    _, exact = kernel(theta, x_sample.reshape(1, 2), numpy.array([y_sample]))
    right = float(exact[where])
    verdict = "yes" if abs(value - right) <= 1e-9 * max(1.0, abs(right)) else "not quite"
    print(f"∂c/∂{tutor.unicode(logistic_net.parameter(name))}: you said {value:.9f}, the kernel "
          f"says {right:.9f} — {verdict}")
    return verdict == "yes"


check_gradient("alpha_2^(1)", -2 * (y_sample - h_2) * h_2 * (1 - h_2) * 1)

# %% [markdown]
# ## Recap
#
# - A parameter's gradient is the product of the rates of change along its road to the loss:
#   the loss's slope in the prediction, each activation's slope, each weight on the way, and
#   last the input the parameter multiplies.
# - For the slide's weight: ∂c/∂β₁^(1,2) = −2(y − h₂) · F₂′(z₂) · β₂^(1,1) · F₁′(z₁^(1)) · x₂;
#   with the logistic, each F′ is h·(1 − h).
# - The formula, a finite difference and the compiled kernel give the same number;
#   `tutor.gradcheck` checks every parameter that way.
# - Back-propagation computes the errors δ = ∂c/∂z once per neuron, from the output down, and
#   reuses them for every gradient: the number of roads explodes with depth and width, its work
#   does not.
