# %% [markdown]
# # Linear regression, seen as a model to train
#
# What you will see: the linear regression you already know, ŷ = α + xβ, written the way a
# neural-network library writes it; its loss as a formula; the gradient of that loss, derived
# by the chain rule; gradient descent fitting it to simulated data; and the check that matters
# to an econometrician: descent lands on the OLS estimate. Every number below is computed when
# the lesson runs.

# %%
import numpy
import sympy

import tutor
from tutor import datasets
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## The model
#
# One observation is a row of k features, x = (x₁, …, x_k), and the model predicts
# ŷ = α + xβ = α + β₁x₁ + … + β_k x_k. Econometrics calls α the intercept and the β's the
# coefficients; the neural-network literature calls α a *bias* and the β's *weights*. All of
# them together are the parameters, θ = (α, β₁, …, β_k). Here is the model with k = 2:

# %%
model = tutor.linear_regression(2)
print(model)
print()
print("parameters θ =", ", ".join(tutor.unicode(p) for p in model.parameters))
print("inputs       =", ", ".join(tutor.unicode(x) for x in model.inputs))

# %% [markdown]
# The second line, ŷ = identity(z), looks odd for a regression. It is there because a neuron
# (lesson 3) passes z through a function G; linear regression is the special case where G
# leaves z alone.
#
# ## The loss
#
# To train a model we need a number that says how wrong it is. For one observation, tutor uses
# the squared error, written out in the parameters:

# %%
print("c =", tutor.unicode(model.loss))

# %% [markdown]
# For a data set the loss is the average of this over the n observations: the sum of squared
# residuals divided by n. Dividing by n does not move the minimum, so the θ that minimises
# this loss is exactly the OLS estimate.
#
# ## The gradient, by the chain rule
#
# Gradient descent needs the derivative of the loss with respect to each parameter. SymPy
# works it out step by step; here is the one for β₁:

# %%
print(model.derivation("beta_1"))

# %% [markdown]
# The same three links (loss → ŷ → z → parameter) give every gradient. Writing ε = y − ŷ for
# the residual, they read −2ε, −2x₁ε and −2x₂ε:

# %%
for parameter in model.parameters:
    gradient = model.derivation(parameter).compact
    print(f"∂c/∂{tutor.unicode(parameter)} = {tutor.unicode(sympy.factor(gradient))}")

# %% [markdown]
# Averaged over the data and set to zero, these say Σεᵢ = 0 and Σxᵢⱼεᵢ = 0: the residuals
# sum to zero and are uncorrelated with each feature. Those are the OLS normal equations.
# OLS solves them in one go; gradient descent walks towards their solution.
#
# ## Simulated data
#
# We draw 200 observations from a known line, so we know the truth: x₁ and x₂ are standard
# normal, and y = 1 + 1·x₁ + 2·x₂ plus normal noise with standard deviation 0.5.

# %%
truth, noise = numpy.array([1.0, 1.0, 2.0]), 0.5  # (α, β₁, β₂) and the noise's sd
X, y = datasets.linear(n=200, k=2, seed=0, alpha=truth[0], beta=truth[1:], noise=noise)
print("X has shape", X.shape, "and y has shape", y.shape)
print("first three rows:")
for row, target in zip(X[:3], y[:3], strict=True):
    print(f"  x₁ = {row[0]:+.3f}   x₂ = {row[1]:+.3f}   y = {target:+.3f}")

# %% [markdown]
# ## Gradient descent
#
# tutor turns the symbolic gradient into NumPy code (`compile`), and `tutor.descend` applies
# the update θ ← θ − γ·∂c/∂θ, with the gradient averaged over all 200 observations. We start
# from θ = 0 with the slides' learning rate γ = 0.1, and stop once every component of the
# gradient is below 10⁻¹⁰ in absolute value: the normal equations then hold to that precision.
# (Lesson 7 works through gradient descent by hand, one update at a time; here it is enough
# that each update moves θ a little way downhill.)

# %%
kernel = model.compile()
learning_rate, tolerance = 0.1, 1e-10
history = []
for step in tutor.descend(kernel, numpy.zeros(3), X, y, learning_rate=learning_rate,
                          steps=5000):
    history.append(step)
    if numpy.max(numpy.abs(step.grad)) < tolerance:
        break
theta_gd = history[-1].theta
# the same run, to step through one update at a time in the terminal UI (press s there)
stepper = tutor.Session(model, kernel, X, y, numpy.zeros(3), learning_rate)

for step in history:
    if step.t in (1, 2, 3, 10, 25, 50) or step is history[-1]:
        print(step)
print(f"stopped after {history[-1].t} steps; largest |gradient| "
      f"{numpy.max(numpy.abs(history[-1].grad)):.1e}")
print(f"final loss {history[-1].loss:.4f}; the noise's variance is {noise**2:.4f}")

# %% [markdown]
# The loss falls quickly at first and then settles. It does not reach 0: the noise in y is
# something no line can explain, and the loss levels off near the noise's variance.
#
# ## Gradient descent against OLS
#
# `tutor.ols` computes the least-squares estimate directly, without iterations or a learning
# rate, just as `statsmodels` would with a constant added.

# %%
theta_ols = tutor.ols(X, y)
names = [tutor.unicode(p) for p in model.parameters]
print(f"{'parameter':<10}{'truth':>8}{'gradient descent':>20}{'OLS':>16}{'difference':>13}")
for name, true, gd, ls in zip(names, truth, theta_gd, theta_ols, strict=True):
    print(f"{name:<10}{true:>8.3f}{gd:>20.10f}{ls:>16.10f}{gd - ls:>13.1e}")
print(f"\nlargest |gradient descent − OLS| = {numpy.max(numpy.abs(theta_gd - theta_ols)):.1e}")
print(f"largest |OLS − truth|             = {numpy.max(numpy.abs(theta_ols - truth)):.1e}")
print(f"typical sampling error σ/√n       = {noise / numpy.sqrt(len(y)):.1e}")

# %% [markdown]
# Two different gaps are in this table. Gradient descent and OLS agree to many decimals: they
# solve the same minimisation, one by walking and one by algebra. Both differ from the truth
# by about σ/√n, the size of a standard error here (the features have variance 1): that is
# sampling error, since a new sample would give other estimates, and no optimiser can remove
# it.

# %% [markdown]
# ## Exercise
#
# Using the fitted θ (`theta_gd`), what does the model predict for a new observation with
# x₁ = 1.5 and x₂ = −0.5? Compute ŷ = α + β₁x₁ + β₂x₂ yourself, then check it with
# `check_prediction(your_yhat)`. A hand calculation with the estimates rounded to three
# decimals is close enough.

# %%
x_new = numpy.array([1.5, -0.5])


def check_prediction(yhat, x=x_new):
    """Say whether yhat is the fitted model's prediction at x (to within 0.01)."""
    right = float(kernel.predict(theta_gd, x.reshape(1, -1)).ravel()[0])
    verdict = "yes" if abs(yhat - right) < 0.01 else f"not quite: the model says {right:.4f}"
    print(f"ŷ = {yhat:.4f} at x = {tuple(x.tolist())}: {verdict}")
    return verdict == "yes"


check_prediction(theta_gd[0] + theta_gd[1] * 1.5 + theta_gd[2] * -0.5)

# %% [markdown]
# ## Recap
#
# - Linear regression is a model ŷ = α + xβ with parameters θ = (α, β₁, …, β_k); a neural
#   network calls α a bias and the β's weights.
# - Its loss is the mean squared error; its gradient is −2ε for α and −2εxⱼ for βⱼ, and
#   setting the mean gradient to zero gives the OLS normal equations.
# - Gradient descent from θ = 0 with γ = 0.1 reaches the OLS estimate to many decimals: the
#   same answer, found by iteration instead of by formula.
# - The distance between an estimate and the truth is sampling error, not an optimisation
#   failure.
