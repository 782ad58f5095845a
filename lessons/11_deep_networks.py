# %% [markdown]
# # Deep networks: vanishing and exploding gradients
#
# What you will see: why a network with many layers is hard to train by gradient descent. The
# chain rule writes the gradient of the first layer as a product with one factor per layer
# above it; SymPy shows that the logistic's slope is never larger than 1/4; and measurements on
# networks of depth 2 to 10 show the first layers' gradients shrinking towards zero (vanishing)
# or blowing up (exploding), depending on the activation and on the size of the starting
# weights. Every number below is computed when the lesson runs.

# %%
import numpy
import plotext as plt
import sympy
from sympy.calculus.util import maximum

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## One factor per layer
#
# Start with a thin network: one input, three hidden layers of a single logistic neuron each,
# and one output. The weight β₁^(1,1) sits at the very bottom, the loss c at the very top.
# SymPy's chain rule walks from the top down to β₁^(1,1):

# %%
thin = tutor.mlp([1, 1, 1, 1, 1], activation="logistic")
print(thin)
print()
print("∂c/∂β₁^(1,1) =", thin.derivation("beta_1^(1,1)").chain)

# %% [markdown]
# Read the product from the left: first the loss's own slope −2(y − h₄); then, for every layer
# on the way down, the weight β that links it to the layer above and the logistic's slope at
# that layer, h·(1 − h); last the input x₁. Each extra layer adds one more (weight × slope)
# pair to the product. In a wide network every factor becomes a matrix and the product a
# product of matrices, but the lesson is the same: if the typical factor is smaller than 1,
# the product shrinks geometrically as layers are added (a *vanishing gradient*); if it is
# larger than 1, it grows geometrically (an *exploding gradient*).

# %% [markdown]
# ## The logistic's slope is at most 1/4
#
# How big can the slope factor be? Take the logistic G(z) = eᶻ/(1 + eᶻ), let SymPy
# differentiate it, find where its slope peaks (where G″ = 0) and evaluate the slope there.

# %%
z = tutor.symbol("z")
G = tutor.activation("logistic")
slope = G.derivative
print("G(z)  =", tutor.unicode(G.expr))
print("G′(z) =", tutor.unicode(sympy.factor(slope)))
print("G′(z) − G(z)·(1 − G(z)) simplifies to", sympy.simplify(slope - G.expr * (1 - G.expr)))
peaks = sympy.solve(sympy.diff(slope, z), z)
print("G″(z) = 0 at z =", ", ".join(tutor.unicode(p) for p in peaks))
max_logistic_slope = sympy.simplify(slope.subs(z, peaks[0]))
print(f"G′({tutor.unicode(peaks[0])}) = {tutor.unicode(max_logistic_slope)};",
      f"far out, G′(z) → {sympy.limit(slope, z, sympy.oo)} as z → ±∞")

# %% [markdown]
# So the slope h·(1 − h) in the product above is largest when the neuron sits in the middle,
# h = 1/2, and even there it is only 1/4. The other activations of this lesson:

# %%
tanh_slope = tutor.activation("tanh").derivative
for name, derivative in (("logistic", sympy.factor(slope)), ("tanh", tanh_slope)):
    print(f"{name:<9} G′(z) = {tutor.unicode(derivative):<22} largest slope:",
          tutor.unicode(maximum(derivative, z)))
relu_slope = tutor.activation("relu").derivative
print(f"{'relu':<9} G′(z) = {tutor.unicode(relu_slope):<22} slope: "
      f"{relu_slope.subs(z, -1)} for z < 0, {relu_slope.subs(z, 1)} for z > 0")
print()
for depth in (2, 5, 10):
    bound = max_logistic_slope ** (depth - 1)
    print(f"{depth:>2} logistic layers: the slopes above the first multiply to at most "
          f"(1/4)^{depth - 1} = {float(bound):.3g}")

# %% [markdown]
# With the logistic, the weights would have to be large to make up for a factor of at most
# 1/4 in every layer. The tanh and the ReLU can pass a slope of 1, so for them the weights'
# size decides. Let us measure.

# %% [markdown]
# ## Measuring the gradient layer by layer
#
# Now real networks: 32 inputs, a number of hidden layers (the depth) of 32 neurons each, one
# output, squared-error loss, and 256 samples of random data. `net.init(seed, scale)` draws
# the starting weights from N(0, scale²/fan_in), where fan_in is the number of inputs of the
# layer, and sets the biases α to 0. One call of the compiled kernel gives the whole
# gradient; `net.unpack` splits it by layer, and we measure the size of each layer's weight
# gradient ∂c/∂β_l by its norm, the square root of the sum of its squared entries. Each size
# is the average over five random starts, so a single lucky draw does not decide.

# %%
WIDTH, N_SAMPLES, STARTS = 32, 256, 5
rng = numpy.random.default_rng(0)
X = rng.standard_normal((N_SAMPLES, WIDTH))
Y = rng.standard_normal(N_SAMPLES)
_compiled = {}  # (activation, depth) → (network, kernel): each one is derived and compiled once


def gradient_norms(activation, depth, scale):
    """‖∂c/∂β_l‖ for l = 1 (first layer) … depth + 1 (output), averaged over the starts."""
    if (activation, depth) not in _compiled:
        net = tutor.mlp([WIDTH] + [WIDTH] * depth + [1], activation)
        _compiled[activation, depth] = (net, net.compile())
    net, kernel = _compiled[activation, depth]
    sizes = []
    for seed in range(STARTS):
        _, grad = kernel(net.init(seed=seed, scale=scale), X, Y)
        sizes.append([numpy.linalg.norm(beta) for _, beta in net.unpack(grad)])
    return numpy.mean(sizes, axis=0)


logistic_norms = gradient_norms("logistic", depth=10, scale=1.0)
print("logistic, 10 hidden layers, scale 1")
print("layer  ‖∂c/∂β_l‖   this ÷ the layer below")
for layer, size in enumerate(logistic_norms, start=1):
    step = "" if layer == 1 else f"{size / logistic_norms[layer - 2]:8.1f}"
    print(f"{layer:>5}  {size:10.2e}  {step}")
shrink = (logistic_norms[-1] / logistic_norms[0]) ** (1 / (len(logistic_norms) - 1))
print(f"the output layer's gradient is {logistic_norms[-1] / logistic_norms[0]:.3g} times the "
      f"first layer's: about {shrink:.2g} times per layer")

# %% [markdown]
# The first layer's gradient is millions of times smaller than the output layer's, and each
# layer down divides it by about the same number: geometric decay, as the product predicts.
# Gradient descent moves each weight in proportion to its gradient, so the first layers
# would hardly move at all. Here is the same picture for tanh (scale 1) and ReLU (scale √2),
# on a log scale: each step up the axis is ten times larger (1e-3 means 10⁻³ = 0.001).

# %%
deep = {
    "logistic, scale 1": logistic_norms,
    "tanh, scale 1": gradient_norms("tanh", 10, 1.0),
    "relu, scale √2": gradient_norms("relu", 10, 2**0.5),
}
layers = list(range(1, len(logistic_norms) + 1))
low, high = (int(numpy.floor(min(numpy.log10(s).min() for s in deep.values()))),
             int(numpy.ceil(max(numpy.log10(s).max() for s in deep.values()))))
plt.plot_size(70, 6 + 2 * (high - low))  # two rows per power of ten
plt.theme("clear")
for sizes, marker in zip(deep.values(), "ox+", strict=True):
    plt.plot(layers, numpy.log10(sizes).tolist(), marker=marker)
plt.ylim(low, high)
plt.yticks(list(range(low, high + 1)), [f"1e{p}" for p in range(low, high + 1)])
plt.xticks(layers)
plt.title("  ".join(f"{marker} {label}" for marker, label in zip("ox+", deep, strict=True)))
plt.xlabel("layer l (1 = first hidden layer, 11 = output)")
print(plt.uncolorize(plt.build()))
plt.clear_figure()

# %% [markdown]
# The tanh and ReLU lines stay flat: every layer gets a gradient of about the same size.

# %% [markdown]
# ## Deeper and deeper
#
# Add layers one pair at a time and follow the first layer's gradient.

# %%
DEPTHS = (2, 4, 6, 8, 10)
settings = [("logistic", 1.0, "1"), ("tanh", 1.0, "1"), ("relu", 2**0.5, "√2")]
print(f"{'‖∂c/∂β_1‖, depth:':<22}" + "".join(f"{d:>10}" for d in DEPTHS))
for activation, scale, shown in settings:
    firsts = [gradient_norms(activation, d, scale)[0] for d in DEPTHS]
    print(f"{activation + ', scale ' + shown:<22}" + "".join(f"{f:10.2e}" for f in firsts))

# %% [markdown]
# With the logistic, every two extra layers cut the first layer's gradient by another large
# factor; with tanh and ReLU at these scales it only wanders up and down a little, at any
# depth.

# %% [markdown]
# ## The starting scale decides
#
# Now vary the scale of the starting weights. Two ratios summarise each network:
# "grows ×" is the first layer's gradient with 10 hidden layers divided by the same with 2,
# and "first ÷ last" compares the first and the output layer in the 10-layer network. A
# ratio below 1/10 is reported as vanishing, above 10 as exploding.

# %%
SCALES = (0.5, 1.0, 2**0.5, 2.0, 4.0)


def verdict(activation, scale):
    """(depth-10 first layer ÷ depth-2 first layer, first ÷ last at depth 10, the word)."""
    shallow, deep10 = gradient_norms(activation, 2, scale), gradient_norms(activation, 10, scale)
    grows, first_last = deep10[0] / shallow[0], deep10[0] / deep10[-1]
    if grows > 10 or first_last > 10:
        word = "exploding"
    elif grows < 0.1 or first_last < 0.1:
        word = "vanishing"
    else:
        word = "balanced"
    return grows, first_last, word


print(f"{'activation':<10} {'scale':>5}  {'grows ×':>9}  {'first ÷ last':>12}  "
      f"{'largest ‖∂c/∂β_l‖':>17}  verdict")
for activation in ("logistic", "tanh", "relu"):
    for scale in SCALES:
        grows, first_last, word = verdict(activation, scale)
        largest = gradient_norms(activation, 10, scale).max()
        print(f"{activation:<10} {scale:5.2f}  {grows:9.2g}  {first_last:12.2g}  "
              f"{largest:17.3g}  {word}")
    print()

# %% [markdown]
# Why these scales? Each layer multiplies the gradient by roughly (the size of its weights) ×
# (the typical slope of its activation). The tanh's slope is about 1 near zero, so weights of
# scale about 1 keep the product near 1 (somewhat larger weights still work, as they push z
# out to where the tanh flattens and its slope drops); much larger weights make it explode. A ReLU neuron
# passes a slope of 1 when it is on and 0 when it is off, and about half of them are off, so
# it needs weights about √2 times larger to break even (this starting rule is known as He
# initialisation): at scale 1 it slowly vanishes, at 2 or more it explodes, with every
# layer's gradient reaching thousands or more. Too small a scale makes every factor small, so
# at scale 1/2 both tanh and ReLU vanish. The logistic's slope is at most 1/4, so its
# weights would need a scale of 4 or more, but weights that large push z far from 0, where
# the logistic is flat and its slope is close to 0: no scale in the table rescues it. This is
# one reason deep networks use tanh or ReLU in their hidden layers, with a starting scale
# matched to the activation.

# %% [markdown]
# ## Exercise
#
# Find a starting scale that keeps a ReLU network with 10 hidden layers balanced. Reason from
# the explanation above, then check your answer with `check_scale(your_scale)` (or try another
# activation with `check_scale(your_scale, "tanh")`).

# %%
def check_scale(scale, activation="relu"):
    """Say whether starting weights of this scale keep the gradients balanced."""
    grows, first_last, word = verdict(activation, scale)
    print(f"{activation}, scale {scale}: from 2 to 10 hidden layers the first layer's gradient "
          f"grows ×{grows:.2g};")
    print(f"  first ÷ last layer = {first_last:.2g} — {word}"
          + ("" if word == "balanced" else ", not quite"))
    return word == "balanced"


check_scale(1.0)

# %% [markdown]
# ## Recap
#
# - The gradient of a deep network's first layer is a product with one (weight × slope)
#   factor for each layer above it.
# - The logistic's slope G′(z) = G(z)(1 − G(z)) is at most 1/4, at z = 0, so many logistic
#   layers multiply the gradient by many small numbers: it vanishes geometrically with depth.
# - Factors above 1 make the gradient explode instead; large starting weights do that.
# - tanh with weights of scale about 1, or ReLU with scale about √2, keeps every layer's
#   gradient about the same size, however deep the network.
