# %% [markdown]
# # Gradient descent by hand
#
# What you will see: the slides' one-parameter example worked through by `tutor`, one update at a
# time, and then the same start with five learning rates: one that crawls, one that converges,
# one that lands in a single step, one that bounces for ever and one that blows up. Every number
# below is computed when the lesson runs.

# %%
import sympy

import tutor
from tutor import datasets
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## The model, the data and the loss
#
# The model has a single parameter: ŷ = α + x. The data come from y = 5 + x, and we look at
# one sample, x = 1, so y = 6. The loss is the squared error c = (y − ŷ)², and the best α is 5.

# %%
alpha, x = tutor.symbol("alpha"), tutor.symbol("x")
model = tutor.model(alpha + x, parameters=[alpha], inputs=[x], loss="squared_error")
X, Y = datasets.slides_example()
print(model)
print("data: x =", X[0, 0], " y =", Y[0])

# %% [markdown]
# ## The gradient, by the chain rule
#
# Write the error as ε = y − ŷ, so the loss is ε². SymPy applies the chain rule step by step:

# %%
derivation = model.derivation(alpha)
print(derivation)

# %% [markdown]
# ## The first step
#
# Start from the guess α₀ = 2 with learning rate γ = 0.1. One update of gradient descent moves α
# against the gradient: α₁ = α₀ − γ·dc/dα.

# %%
stepper = tutor.start("slides", learning_rate=0.1)
first = stepper.forward()
for line in stepper.explain(first):
    print(line)

# %% [markdown]
# The gradient is negative, so the loss falls as α rises, and the update raises α from 2 to
# 2.6: closer to 5, without overshooting it. (In the terminal UI, press `s` here to keep
# stepping yourself.)

# %% [markdown]
# ## Five learning rates from the same start
#
# Each row below is one update from α₀ = 2. Watch the last column.

# %%
kernel = model.compile()


def alphas(learning_rate, steps=6):
    """α after each of the first few updates, or where the run blew up."""
    out = []
    try:
        for step in tutor.descend(kernel, [2.0], X, Y, learning_rate=learning_rate, steps=steps):
            out.append(float(step.theta[0]))
    except tutor.Divergence as error:
        out.append(str(error))
    return out


for rate, word in [(0.05, "crawls"), (0.1, "converges"), (0.5, "one step"), (1.0, "bounces"),
                   (1.1, "diverges")]:
    path = ", ".join(f"{a:.4g}" for a in alphas(rate))
    print(f"γ = {rate:<4}  {word:<9}  α: 2 → {path}")

# %% [markdown]
# And left to run, γ = 1.1 is caught and reported, with the step where the climb began:

# %%
print(alphas(1.1, steps=500)[-1])

# %% [markdown]
# ## Why: the update map
#
# Put the gradient into the update and SymPy simplifies the map from one α to the next. The
# distance to the answer, α − 5, is multiplied by the same factor at every step.

# %%
gamma = sympy.Symbol("gamma", positive=True)
y = model.targets[0]
gradient = derivation.result.subs({x: 1, y: 6})
update = alpha - gamma * gradient
factor = sympy.factor(sympy.cancel((update - 5) / (alpha - 5)))
print("α ← α − γ·dc/dα =", tutor.unicode(sympy.expand(update)))
print(f"α_new − 5 = ({tutor.unicode(factor)})·(α − 5)")
for rate in (0.05, 0.1, 0.5, 1.0, 1.1):
    print(f"  γ = {rate:<4}: the factor is {float(factor.subs(gamma, rate)):+.2f}")

# %% [markdown]
# A factor between −1 and 1 shrinks the distance (0 < γ < 1). At γ = 0.5 the factor is 0: one
# step lands on 5. At γ = 1 it is −1: the distance keeps its size and flips sign, so α bounces
# between 2 and 8. Above 1 the factor is below −1 and every step overshoots by more than the
# last: the iterates diverge.

# %% [markdown]
# ## Exercise
#
# Starting from α₀ = 2, which learning rate takes α to exactly 4 in one step? Work it out by
# hand from α₁ = α₀ − γ·dc/dα, then check your answer with `check_one_step(your_gamma)`.

# %%
def check_one_step(learning_rate, target=4.0):
    """Say whether one update from α₀ = 2 at this learning rate lands on the target."""
    step = next(tutor.descend(kernel, [2.0], X, Y, learning_rate=learning_rate, steps=1))
    reached = float(step.theta[0])
    verdict = "yes" if abs(reached - target) < 1e-12 else "not quite"
    print(f"γ = {learning_rate}: α₁ = {reached:.6g} — {verdict}")
    return verdict == "yes"


check_one_step(0.25)

# %% [markdown]
# ## Recap
#
# - Gradient descent moves a parameter against its gradient: α ← α − γ·dc/dα.
# - For ŷ = α + x with squared error, dc/dα = −2ε: a positive error pushes α up.
# - The learning rate sets the step: too small crawls, too large overshoots, and above a limit
#   (here γ = 1) the iterates diverge; tutor reports where that began.
