# %% [markdown]
# # Why the activation must be non-linear
#
# What you will see: a network whose hidden activation is linear, which SymPy folds back into a
# single regression G₂(α₂′ + xβ₂′); a numerical check, at random parameters and inputs, that the
# network and that one regression give the same predictions; the same question asked of the
# logistic, tanh and ReLU activations, where no such folding exists; and a stack of several
# linear layers, which still folds into one. Every number below is computed when the lesson
# runs.

# %%
import numpy
import sympy

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## The argument on the slides
#
# Take one hidden layer and one output: h₁ = G₁(α₁ + xβ₁) and h₂ = G₂(α₂ + h₁β₂). Suppose the
# hidden activation does nothing, G₁(z) = z. Then h₁ = α₁ + xβ₁, and putting it into the output
# gives h₂ = G₂(α₂ + (α₁ + xβ₁)β₂). Multiply out the brackets: what sits inside G₂ is again a
# constant plus x times some coefficients, G₂(α₂′ + xβ₂′). The hidden layer has disappeared.
#
# Let us have tutor do this. The network has two inputs, two hidden neurons with the identity
# activation, and a logistic output, so G₂ is the logistic.

# %%
linear_net = tutor.mlp([2, 2, 1], activation="identity", output="logistic",
                       loss="cross_entropy")
print(linear_net)

# %% [markdown]
# `tutor.collapse` substitutes the hidden layer into the output, expands, and asks whether the
# result is affine in x (every second derivative with respect to the inputs is zero). If it is,
# it reads off the new intercept α₂′ and slopes β₂′:

# %%
linear_collapse = tutor.collapse(linear_net)
print("collapses:", linear_collapse.collapses)
print("α₂′ =", tutor.unicode(linear_collapse.alpha[0]))
for i, slope in enumerate(linear_collapse.beta[0], 1):
    print(f"β₂′ for x{chr(0x2080 + i)} =", tutor.unicode(slope))

# %% [markdown]
# Read them as an econometrician would. The network is a logit on x₁ and x₂ with intercept α₂′
# and slopes β₂′. The network lists nine parameters, but only these three combinations of them
# matter: many different θ give exactly the same model, so the nine are not even identified. The hidden
# layer adds parameters and nothing else.

# %% [markdown]
# ## Checking with numbers
#
# Draw θ and a few observations at random. Compute the network's predictions with its compiled
# kernel; then put the same θ into α₂′ and β₂′ and compute an ordinary logistic regression with
# those three coefficients.

# %%
rng = numpy.random.default_rng(5)


def merged_coefficients(result, net, theta):
    """(α′, β′₁, …, β′_k) of the first output, with the numbers in θ put in."""
    values = dict(zip(net.parameters, theta, strict=True))
    return [float(result.alpha[0].subs(values))] + [float(b.subs(values))
                                                    for b in result.beta[0]]


theta = rng.normal(size=linear_net.n_parameters)
X = rng.normal(size=(6, 2))
network_output = linear_net.compile().predict(theta, X)
coefficients = merged_coefficients(linear_collapse, linear_net, theta)
collapsed_output = tutor.logistic_regression(2).compile().predict(coefficients, X)
print("(α₂′, β₂′) at this θ:", numpy.round(coefficients, 4))
print("network:             ", numpy.round(network_output, 6))
print("one logit regression:", numpy.round(collapsed_output, 6))
print(f"largest difference: {numpy.max(numpy.abs(network_output - collapsed_output)):.1e}")

# %% [markdown]
# ## Any straight line collapses, not only G(z) = z
#
# The identity is not special. Any affine activation G₁(z) = a + bz, a straight line, gives the
# same result, with a and b absorbed into α₂′ and β₂′. Here is G₁(z) = 1 + 2z, written as a
# SymPy `Lambda`:

# %%
z = sympy.Symbol("z")
affine = sympy.Lambda(z, 1 + 2 * z)
affine_collapse = tutor.collapse(tutor.mlp([2, 2, 1], activation=affine))
print("G₁(z) =", tutor.unicode(affine(z)), " collapses:", affine_collapse.collapses)
print("α₂′ =", tutor.unicode(affine_collapse.alpha[0]))

# %% [markdown]
# ## Curved activations do not collapse
#
# Now ask the same question with the logistic, tanh and ReLU activations. `collapse` finds that
# the activation's second derivative G″ is not zero, so the output cannot be written as
# G₂(α₂′ + xβ₂′), and it says why:

# %%
for name in ("logistic", "tanh", "relu"):
    result = tutor.collapse(tutor.mlp([2, 2, 1], activation=name, output="logistic",
                                      loss="cross_entropy"))
    print(f"{name:<8} collapses: {result.collapses}.  {result.reason}")
    if name == "logistic":
        nonlinear_collapse = result

# %% [markdown]
# (ReLU's second derivative is zero everywhere except at the kink, z = 0, where SymPy writes it
# as a spike, DiracDelta. One kink is enough: max(0, z) is not a straight line.)
#
# You can see the difference in numbers too. Move x₁ in equal steps with x₂ fixed, and look at
# how much the pre-activation of the output, z₂ = α₂ + h₁β₂, changes at each step. With a linear
# hidden layer every step changes it by the same amount: z₂ is a straight line in x₁. With
# logistic hidden neurons the changes differ: z₂ bends, which no single regression can do.

# %%
steps = numpy.column_stack([numpy.linspace(-2, 2, 6), numpy.zeros(6)])
for name in ("identity", "logistic"):
    net = tutor.mlp([2, 2, 1], activation=name)  # identity output: the prediction is z₂
    z_2 = net.compile().predict(theta, steps)
    print(f"{name:<8} change in z₂ per step of x₁:", numpy.round(numpy.diff(z_2), 4))

# %% [markdown]
# ## Stacking linear layers does not help
#
# What about several linear hidden layers, one on top of the other? Each is a linear function of
# the one below, and a linear function of a linear function is linear. So the whole stack still
# folds into one regression; only the formulas for α′ and β′ get longer. Two hidden layers of
# three neurons each:

# %%
deep_net = tutor.mlp([2, 3, 3, 1], activation="identity")
deep_collapse = tutor.collapse(deep_net)
print(deep_net.describe())
print("collapses:", deep_collapse.collapses)
print("α₃′ =", tutor.unicode(deep_collapse.alpha[0]))
print("β₃′ has", [len(sympy.Add.make_args(b)) for b in deep_collapse.beta[0]],
      "terms for x₁ and x₂, each a product of one weight from every layer")

# %%
deep_theta = rng.normal(size=deep_net.n_parameters)
deep_output = deep_net.compile().predict(deep_theta, X)
deep_merged = tutor.linear_regression(2).compile().predict(
    merged_coefficients(deep_collapse, deep_net, deep_theta), X)
print("two linear hidden layers:", numpy.round(deep_output, 6))
print("one linear regression:   ", numpy.round(deep_merged, 6))
print(f"largest difference: {numpy.max(numpy.abs(deep_output - deep_merged)):.1e}")
print(f"{deep_net.n_parameters} parameters in the network, "
      f"{1 + len(deep_net.inputs)} in the regression it equals")

# %% [markdown]
# All those parameters, and still just a linear regression on x₁ and x₂. Depth pays only when
# there is a non-linear activation between the layers.

# %% [markdown]
# ## Exercise
#
# For each hidden activation below, decide whether a network with that activation collapses
# into a single regression: G(z) = 3 − z/2, G(z) = z², and G(z) = softplus(z) = log(1 + eᶻ).
# Then check each guess with `check_collapses(activation, your_guess)`, where the activation is
# a name from `tutor.ACTIVATIONS` or a SymPy `Lambda` such as `sympy.Lambda(z, 3 - z/2)`, and
# your guess is True (it collapses) or False.

# %%
def check_collapses(activation, guess):
    """Say whether a 2-2-1 network with this hidden activation collapses, as you guessed."""
    result = tutor.collapse(tutor.mlp([2, 2, 1], activation=activation))
    shown = (tutor.unicode(activation(z)) if isinstance(activation, sympy.Lambda)
             else str(activation))
    verdict = "yes" if bool(guess) == result.collapses else "not quite"
    why = "it is a straight line in z" if result.collapses else result.reason
    print(f"G(z) = {shown}: collapses = {result.collapses} ({why}) — {verdict}")
    return verdict == "yes"


check_collapses(sympy.Lambda(z, z**2), True)

# %% [markdown]
# ## Recap
#
# - With a linear (or any affine) hidden activation, the hidden layer folds into the output:
#   h₂ = G₂(α₂′ + xβ₂′), a single regression. Its extra parameters are not even identified.
# - `tutor.collapse(net)` does the algebra; at random θ and x the network and the collapsed
#   regression agree to rounding error.
# - Logistic, tanh and ReLU are not straight lines (G″ ≠ 0 somewhere), so no collapse: the
#   output can bend in x.
# - Stacking linear layers changes nothing: a linear function of a linear function is linear.
#   Depth needs non-linear activations.
