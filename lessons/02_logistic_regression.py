# %% [markdown]
# # Logistic regression, fitted by gradient descent
#
# What you will see: the logit model P(y = 1) = G(α + xβ) as a model with a loss; why its
# loss, the cross-entropy, is minus the log-likelihood; its gradient, which looks just like
# linear regression's; and a fit by gradient descent on real data (Spector and Mazzeo's 32
# economics students) that lands on the maximum-likelihood estimate. Every number below is
# computed when the lesson runs.

# %%
from pathlib import Path

import numpy
import sympy

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## The model
#
# When y is 0 or 1, a straight line α + xβ can predict values below 0 or above 1, which make
# no sense as probabilities. Logistic regression passes the line through a function G that
# squeezes any real number into the interval (0, 1):

# %%
G = tutor.activation("logistic")
print("G(z) =", tutor.unicode(G.expr))
for value in (-6, -2, 0, 2, 6):
    print(f"  G({value:>2}) = {float(G(value)):.4f}")

# %% [markdown]
# So P(y = 1) = G(α + xβ): the line sets the log-odds, and G turns them into a probability.
# Here is the model with three features, for the data we will use below:

# %%
model = tutor.logistic_regression(3)
print(model)

# %% [markdown]
# ## The loss is minus the log-likelihood
#
# The third line is the cross-entropy. It is not an arbitrary choice. Read ŷ as the
# model's probability that y = 1. An observation with outcome y then has likelihood
# ŷʸ(1 − ŷ)¹⁻ʸ (a Bernoulli draw), and minus its logarithm is the cross-entropy exactly:

# %%
y, yhat = tutor.symbol("y"), tutor.symbol("yhat")
minus_log_likelihood = sympy.expand_log(-sympy.log(yhat**y * (1 - yhat) ** (1 - y)), force=True)
cross_entropy = next(row for row in tutor.LOSSES if row.name == "cross_entropy")
print("−log(ŷʸ(1 − ŷ)¹⁻ʸ) =", tutor.unicode(minus_log_likelihood))
print("cross-entropy       =", tutor.unicode(cross_entropy.term))
print("difference          =", sympy.simplify(minus_log_likelihood - cross_entropy.term))

# %% [markdown]
# The data set's loss is the average over observations, that is minus the log-likelihood
# divided by n. Minimising it is maximising the likelihood: the θ at the bottom of this loss
# is the logit maximum-likelihood estimate (MLE).
#
# ## The gradient
#
# The chain rule for β₁ multiplies three derivatives, as in lesson 1:

# %%
derivation = model.derivation("beta_1")
print(derivation)
print()
print("simplified: ∂c/∂β₁ =", tutor.unicode(sympy.simplify(derivation.compact)))

# %% [markdown]
# The logistic's slope ŷ(1 − ŷ) cancels against the loss's derivative, leaving the
# prediction error times the feature. That is the same shape as linear regression's
# gradient, −2(y − ŷ)x₁, without the 2. At the minimum, the averaged gradient is zero: these
# are the score equations of the logit MLE.
#
# ## The data
#
# Spector and Mazzeo (1980) studied whether a new teaching method, the Personalized System
# of Instruction (PSI), improved students' results in an intermediate macroeconomics course.
# GRADE is 1 if a student's grade improved; GPA is the grade point average and TUCE the
# score on an economics pre-test. (The source and columns are in `lessons/data/README.md`.)

# %%
try:
    folder = Path(__file__).parent  # run as a script or by tutor
except NameError:  # in a notebook, started from the project's folder
    folder = Path("lessons")
data = tutor.load_csv(folder / "data" / "spector.csv", target="GRADE")
X, Y = data.X, data.Y
print(f"{data.n} students; features {', '.join(data.features)}; target {data.targets[0]}")
print(f"{'':>8}" + "".join(f"{name:>8}" for name in (*data.features, *data.targets)))
for i in range(4):
    print(f"{'row ' + str(i + 1):>8}" + "".join(f"{v:>8g}" for v in (*X[i], Y[i])))
print(f"{'mean':>8}" + "".join(f"{v:>8.3f}" for v in (*X.mean(axis=0), Y.mean())))

# %% [markdown]
# ## Why we standardize first
#
# GPA sits near 3, TUCE near 22 and PSI is 0 or 1. On these raw scales the loss is far
# steeper along TUCE's coefficient than along the others, so one learning rate cannot suit
# them all: small enough to be safe for TUCE, it leaves the others crawling; larger, TUCE's
# coefficient overshoots. Two tries on the raw data, 2000 steps each from θ = 0:

# %%
kernel = model.compile()
theta_mle = tutor.logit_mle(X, Y)
loss_at_mle = float(kernel(theta_mle, X, Y)[0])
for rate in (0.01, 0.1):
    *_, last = tutor.descend(kernel, numpy.zeros(4), X, Y, learning_rate=rate, steps=2000)
    print(f"γ = {rate:<4}: loss {float(kernel(last.theta, X, Y)[0]):.4f} after 2000 steps, "
          f"α = {last.theta[0]:.3f}")
print(f"at the MLE: loss {loss_at_mle:.4f}, α = {theta_mle[0]:.3f}")
print(f"(and at θ = 0 the loss is {float(kernel(numpy.zeros(4), X, Y)[0]):.4f})")

# %% [markdown]
# The small rate has barely started: its loss is still well above the minimum and α is far
# from the MLE's. The larger rate does worse than not moving at all: its loss ends above the
# loss at θ = 0, the sign of steps that overshoot.

# %% [markdown]
# The cure is the usual one: rescale each feature to mean 0 and standard deviation 1,
# x* = (x − m)/s, fit there, and translate back. If α* + Σ β*ⱼ x*ⱼ is the fitted line on the
# standardized features, then in the original units βⱼ = β*ⱼ/sⱼ and α = α* − Σ β*ⱼ mⱼ/sⱼ.
#
# ## Gradient descent to convergence
#
# On the standardized features γ = 1 is safe. We stop when every component of the gradient
# is below 10⁻¹².

# %%
scaled, means, stds = data.standardized()
learning_rate, tolerance = 1.0, 1e-12
for step in tutor.descend(kernel, numpy.zeros(4), scaled.X, scaled.Y,
                          learning_rate=learning_rate, steps=20000):
    if step.t in (1, 10, 100):
        print(step)
    if numpy.max(numpy.abs(step.grad)) < tolerance:
        break
print(step)
print(f"stopped after {step.t} steps; largest |gradient| {numpy.max(numpy.abs(step.grad)):.1e}")

# the same run on the standardized data, to step through in the terminal UI (press s there)
stepper = tutor.Session(model, kernel, scaled.X, scaled.Y, numpy.zeros(4), learning_rate)

alpha_star, beta_star = step.theta[0], step.theta[1:]
theta_gd = numpy.concatenate([[alpha_star - numpy.sum(beta_star * means / stds)],
                              beta_star / stds])

# %% [markdown]
# ## Gradient descent against the logit MLE
#
# `tutor.logit_mle` maximises the likelihood by Newton's method on the original data, as
# `statsmodels`' `Logit` does.

# %%
labels = ["α (constant)"] + [f"{tutor.unicode(p)} ({f})" for p, f in
                             zip(model.parameters[1:], data.features, strict=True)]
print(f"{'parameter':<14}{'standardized':>14}{'gradient descent':>19}{'logit MLE':>15}"
      f"{'difference':>12}")
for label, star, gd, mle in zip(labels, step.theta, theta_gd, theta_mle, strict=True):
    print(f"{label:<14}{star:>14.6f}{gd:>19.9f}{mle:>15.9f}{gd - mle:>12.1e}")
print(f"\nlargest |gradient descent − MLE| = {numpy.max(numpy.abs(theta_gd - theta_mle)):.1e}")

# %% [markdown]
# ## What the PSI coefficient says
#
# In a logit, a coefficient is the change in the log-odds of y = 1 when its feature rises by
# one unit, the others held fixed. PSI goes from 0 to 1, so e^β₃ is the factor by which the
# new method multiplies the odds of an improved grade. To see what that means in
# probabilities, take a student with the average GPA and TUCE, with and without PSI.

# %%
beta_psi = theta_mle[3]
print(f"β₃ = {beta_psi:.4f}: PSI multiplies the odds of improving by e^β₃ = "
      f"{numpy.exp(beta_psi):.2f}")
average = X.mean(axis=0)
with_psi, without_psi = average.copy(), average.copy()
with_psi[2], without_psi[2] = 1.0, 0.0
p = kernel.predict(theta_mle, numpy.vstack([without_psi, with_psi])).ravel()
print(f"average GPA and TUCE: P(improve) = {p[0]:.3f} without PSI, {p[1]:.3f} with it")

# its standard error, from the inverse of the information matrix A′WA at the MLE
A = numpy.column_stack([numpy.ones(data.n), X])
fitted = kernel.predict(theta_mle, X).ravel()
information = A.T @ (A * (fitted * (1 - fitted))[:, None])
se_psi = numpy.sqrt(numpy.linalg.inv(information)[3, 3])
print(f"standard error of β₃: {se_psi:.3f}, so z = {beta_psi / se_psi:.2f}")

# %% [markdown]
# The effect is large, but with 32 students it is also imprecise: the standard error is a
# sizeable fraction of the estimate. Gradient descent reproduces the point estimate; the
# inference around it is the same as in any logit.

# %% [markdown]
# ## Exercise
#
# What probability of an improved grade does the fitted model give a student with GPA 3.0
# and TUCE 20 who was taught with PSI? Compute z = α + β₁·GPA + β₂·TUCE + β₃·PSI from the
# table above (keep four decimals: TUCE is around 20, so rounding matters), then G(z), and
# check it with `check_probability(your_p)`.

# %%
student = numpy.array([3.0, 20.0, 1.0])  # GPA, TUCE, PSI


def check_probability(p, x=student):
    """Say whether p is the fitted P(GRADE = 1) for this student (to within 0.005)."""
    right = float(kernel.predict(theta_gd, x.reshape(1, -1)).ravel()[0])
    verdict = "yes" if abs(p - right) < 0.005 else f"not quite: the model says {right:.4f}"
    print(f"P(improve) = {p:.4f} for GPA, TUCE, PSI = {tuple(x.tolist())}: {verdict}")
    return verdict == "yes"


z_student = theta_gd[0] + theta_gd[1:] @ student
check_probability(numpy.exp(z_student) / (1 + numpy.exp(z_student)))

# %% [markdown]
# ## Recap
#
# - Logistic regression is P(y = 1) = G(α + xβ), with G(z) = eᶻ/(1 + eᶻ) squeezing the line
#   into (0, 1).
# - Its loss, the cross-entropy, is minus the Bernoulli log-likelihood, so its minimum is the
#   logit MLE.
# - Its gradient is (ŷ − y) times the feature: the prediction error again.
# - Features on very different scales make one learning rate a bad fit for every parameter;
#   standardize, descend, and map the estimates back to the original units.
# - On Spector and Mazzeo's data, gradient descent matches the MLE to many decimals, and PSI
#   multiplies the odds of an improved grade by about e^β₃.
