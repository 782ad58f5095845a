# %% [markdown]
# # Networks: hidden neurons and several outputs
#
# What you will see: the slides' networks built one at a time (two hidden neurons; two hidden
# neurons and two outputs; many of each), their equations written out, their parameters counted
# two ways, one forward pass worked by hand with NumPy that matches tutor's compiled one, and the
# econometrician's reading of it all: a network is a bunch of regressions stacked together.
# Every number below is computed when the lesson runs.

# %%
import numpy

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## From one neuron to a network
#
# A neuron is a logistic regression under another name: it takes a row of inputs x, forms
# z = α + xβ and passes it through the activation G, here the logistic G(z) = eᶻ/(1 + eᶻ).

# %%
print(tutor.neuron(2))

# %% [markdown]
# A network puts several such neurons side by side in a *hidden layer* and feeds their
# activations, instead of the raw inputs, to an output neuron. Here are two hidden neurons and
# one output, written layer by layer:

# %%
two_hidden = tutor.mlp([2, 2, 1], activation="logistic", output="identity")
print(two_hidden)

# %% [markdown]
# How to read the names: the subscript is the layer (1 is the hidden layer, 2 the output). In
# α_l^(j) the superscript is the neuron j in that layer: its bias, the intercept of its own
# regression. In β_l^(j,i) the superscript is (receiving neuron j, sending input i): the weight
# neuron j puts on input i coming from the layer below. The output here is the identity, so ŷ =
# z₂ and the loss is the squared error, as in a linear regression.

# %% [markdown]
# ## Counting the parameters
#
# Every neuron of layer l has one bias and one weight per neuron of the layer below it, so
# (1 + n_{l−1}) parameters. With n_l neurons in layer l, the whole network has
#
#     Σ_l n_l (1 + n_{l−1})
#
# parameters, where n_0 is the number of inputs. The function below applies that formula, and we
# compare it with the list of symbols tutor made.

# %%
def count(sizes):
    """The formula Σ n_l(1 + n_{l−1}), shown term by term, and its value."""
    # pair each layer's width n with the width of the layer below it
    terms = [f"{n}·(1 + {below})" for below, n in zip(sizes[:-1], sizes[1:], strict=True)]
    total = sum(n * (1 + below) for below, n in zip(sizes[:-1], sizes[1:], strict=True))
    return " + ".join(terms), total


formula, total = count(two_hidden.sizes)
print("symbols made by tutor:", len(two_hidden.parameters))
print(f"the formula:           {formula} = {total}")
print("the symbols:", ", ".join(tutor.unicode(p) for p in two_hidden.parameters))

# %% [markdown]
# ## Two hidden neurons and two outputs
#
# A second output neuron reads the same two hidden activations with its own bias and weights.
# With two outputs there are two targets, y₁ and y₂, and the loss adds their squared errors.

# %%
two_outputs = tutor.mlp([2, 2, 2], activation="logistic", output="identity")
print(two_outputs)
formula, total = count(two_outputs.sizes)
print(f"\nparameters: {len(two_outputs.parameters)} symbols; formula {formula} = {total}")

# %% [markdown]
# ## Many hidden neurons and many outputs
#
# Nothing changes with more neurons except the amount of bookkeeping. Three inputs, four hidden
# neurons and two outputs:

# %%
network = tutor.mlp([3, 4, 2], activation="logistic", output="identity")
print(network)

# %% [markdown]
# The count grows quickly with the widths, because every neuron is connected to every neuron of
# the layer below. A few more architectures (inputs-hidden-…-outputs), counted both ways:

# %%
counts = []
for sizes in ([2, 2, 1], [2, 2, 2], [3, 4, 2], [13, 8, 1], [10, 32, 32, 3], [784, 100, 10]):
    symbols = len(tutor.mlp(sizes).parameters)
    formula, total = count(sizes)
    counts.append((sizes, symbols, total))
    shape = "-".join(map(str, sizes))
    print(f"{shape:<14} {symbols:>7,} symbols   formula {total:>7,}   "
          f"{'agree' if symbols == total else 'DISAGREE'}")

# %% [markdown]
# The last one reads 28 × 28 = 784 pixel values and sorts them into ten digits: with one hidden
# layer of 100 neurons it already has tens of thousands of parameters, far more than the usual
# regression.

# %% [markdown]
# ## A forward pass by hand
#
# Computing ŷ from x is called the *forward pass*. tutor keeps all the parameters in one flat
# vector θ; `net.unpack(theta)` splits it into each layer's biases α_l (one per neuron) and its
# weights β_l (one row per neuron, one column per neuron below). We draw θ and five observations
# at random.

# %%
rng = numpy.random.default_rng(4)
theta = rng.normal(size=len(network.parameters))
X = rng.normal(size=(5, 3))  # five observations (rows) of three inputs (columns)
(alpha_1, beta_1), (alpha_2, beta_2) = network.unpack(theta)
print("α₁:", alpha_1.shape, " β₁:", beta_1.shape, " α₂:", alpha_2.shape, " β₂:", beta_2.shape)

# %% [markdown]
# Each row of X is one observation x, a row vector as in the slides' α + xβ. The matrix
# product Xβ₁ᵀ (`X @ beta_1.T`) holds, in column j, every observation's xβ for hidden neuron j;
# adding α₁ adds each neuron's bias. Then G, then the same again for the output layer, with the
# hidden activations H playing the part of the inputs:

# %%
def G(z):
    """The logistic activation, G(z) = eᶻ/(1 + eᶻ), written as 1/(1 + e⁻ᶻ)."""
    return 1 / (1 + numpy.exp(-z))


H = G(alpha_1 + X @ beta_1.T)  # hidden activations: one row per observation, one column per neuron
by_hand = alpha_2 + H @ beta_2.T  # the outputs: identity activation, so ŷ = z₂
compiled = network.compile().predict(theta, X)
print("by hand:\n", numpy.round(by_hand, 6))
print("tutor's compiled predict:\n", numpy.round(compiled, 6))
hand_matches = numpy.allclose(by_hand, compiled, rtol=1e-12, atol=1e-12)
print(f"largest difference: {numpy.max(numpy.abs(by_hand - compiled)):.1e}; "
      f"equal: {hand_matches}")

# %% [markdown]
# ## The econometrician's view: regressions stacked together
#
# Look at one hidden neuron j on its own: h₁^(j) = G(α₁^(j) + xβ₁^(j)). That is exactly the
# predicted probability of a logistic regression of something on x, with intercept α₁^(j) and
# slopes β₁^(j,1), …, β₁^(j,3). Let us check it: give tutor's logistic regression each neuron's
# coefficients and compare its predictions with the column of H.

# %%
logit = tutor.logistic_regression(3).compile()
for j in range(network.sizes[1]):
    coefficients = numpy.concatenate([[alpha_1[j]], beta_1[j]])  # (α, β₁, β₂, β₃)
    p = logit.predict(coefficients, X)
    print(f"hidden neuron {j + 1}: logit with (α, β) = {numpy.round(coefficients, 3)}; "
          f"largest gap to H: {numpy.max(numpy.abs(p - H[:, j])):.1e}")

# %% [markdown]
# And each output is a linear regression, not on x but on the hidden activations: its
# regressors are the four columns of H.

# %%
ols_line = tutor.linear_regression(network.sizes[1]).compile()
for k in range(network.sizes[2]):
    coefficients = numpy.concatenate([[alpha_2[k]], beta_2[k]])
    fitted = ols_line.predict(coefficients, H)
    print(f"output {k + 1}: linear regression on H with (α, β) = {numpy.round(coefficients, 3)}; "
          f"largest gap to ŷ: {numpy.max(numpy.abs(fitted - by_hand[:, k])):.1e}")

# %% [markdown]
# So the network is four logistic regressions whose fitted values become the regressors of two
# linear regressions. The twist: the hidden regressions have no observed dependent variable.
# Their coefficients are not chosen to fit anything of their own; all of them are chosen
# together so that the *last* regressions fit y well. The hidden layer builds the regressors the
# final regression needs.

# %% [markdown]
# ## Exercise
#
# A network has 5 inputs, two hidden layers of 8 and 4 neurons, and 3 outputs: sizes
# [5, 8, 4, 3]. How many parameters does it have? Work it out with Σ n_l(1 + n_{l−1}), then
# check your answer with `check_count(your_answer)`.

# %%
def check_count(answer, sizes=(5, 8, 4, 3)):
    """Say whether ``answer`` is the number of parameters of the network with these sizes."""
    net = tutor.mlp(list(sizes))
    right = len(net.parameters)
    weights_only = sum(n * below for below, n in zip(sizes[:-1], sizes[1:], strict=True))
    shape = "-".join(map(str, sizes))
    if answer == right:
        print(f"{answer} for a {shape} network — yes")
    elif answer == weights_only:
        print(f"{answer} for a {shape} network — not quite: those are the weights β only; "
              "every neuron also has a bias α")
    else:
        print(f"{answer} for a {shape} network — not quite: count 1 + n_(l−1) per neuron, "
              "layer by layer")
    return answer == right


check_count(84)

# %% [markdown]
# ## Recap
#
# - A hidden layer is several neurons side by side, each G(α + xβ) with its own α and β; the
#   output neurons read the hidden activations instead of x.
# - Names: α_l^(j) is neuron j's bias in layer l; β_l^(j,i) the weight it gives input i from
#   the layer below. `net.unpack(theta)` gives each layer's α_l and β_l as arrays.
# - A network with sizes n_0, n_1, …, n_L has Σ n_l(1 + n_{l−1}) parameters.
# - The forward pass is two lines of NumPy per layer: z = α + hβᵀ, then h = G(z).
# - To an econometrician: each hidden neuron is a logistic regression on the inputs, each output
#   a regression on the hidden neurons, all coefficients fitted together.
