# %% [markdown]
# # Stochastic gradient descent
#
# What you will see: gradient descent that updates after every small group of samples (a
# mini-batch) instead of after the whole data set, on a linear regression whose answer we know
# from OLS. We cut the data into batches, follow the epochs, watch the path wobble, check that a
# seed fixes the path, and compare where SGD and full-batch gradient descent end up. Every
# number below is computed when the lesson runs.

# %%
import numpy

import tutor
from tutor import datasets
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## A regression whose answer we know
#
# We simulate 200 observations of y = 1 + 1·x₁ + 2·x₂ + noise and fit ŷ = α + β₁x₁ + β₂x₂ with
# the squared-error loss. Because this is ordinary least squares, the best θ = (α, β₁, β₂) has a
# closed form, and any descent method should end up near it.

# %%
X, y = datasets.linear(n=200, k=2, seed=0)
model = tutor.linear_regression(2)
kernel = model.compile()
print(model)
theta_ols = tutor.ols(X, y)
loss_ols, _ = kernel(theta_ols, X, y)
names = [tutor.unicode(p) for p in model.parameters]
print("OLS:", ", ".join(f"{name} = {v:.4f}" for name, v in zip(names, theta_ols, strict=True)))
print(f"the mean squared error at OLS, the lowest any θ can reach: {float(loss_ols):.4f}")

# %% [markdown]
# ## Mini-batches and epochs
#
# Plain gradient descent averages the gradient over all 200 samples before it moves once.
# Stochastic gradient descent (SGD) shuffles the rows, cuts them into mini-batches of B rows,
# and moves after each batch, using the gradient of that batch alone. One full pass through the
# shuffled data is an *epoch*. With B = 20 that is 200 / 20 = 10 updates per epoch instead of 1.
#
# Here is the first epoch, from θ₀ = (0, 0, 0) with learning rate γ = 0.05. "batch loss" is the
# mean squared error on the 20 rows used for that update; "all data" is the loss on all 200
# rows after the update.

# %%
theta0 = numpy.zeros(3)
B, rate = 20, 0.05
first_epoch = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, batch_size=B,
                                 epochs=1, seed=1))
start, _ = kernel(theta0, X, y)
print(f"loss on all the data at θ₀: {float(start):.3f}")
for number, step in enumerate(first_epoch, start=1):
    rows = ", ".join(str(r) for r in step.batch[:4])
    full, _ = kernel(step.theta, X, y)
    print(f"epoch {step.epoch}, batch {number:>2}: rows {rows}, … ({len(step.batch)} rows)  "
          f"batch loss {step.loss:6.3f}  all data after {float(full):6.3f}")
seen = numpy.sort(numpy.concatenate([step.batch for step in first_epoch]))
print(f"{len(first_epoch)} updates; every row used exactly once:",
      bool(numpy.array_equal(seen, numpy.arange(len(X)))))

# %% [markdown]
# After one pass over the data, full-batch gradient descent would have moved once. SGD has
# moved ten times and the loss on all the data has already fallen a long way.

# %% [markdown]
# ## The path is noisy
#
# Each batch is a small random sample, so its gradient points only roughly towards the best θ
# for all the data: sometimes a little off, but right on average. That is what *stochastic*
# means here. Below, one line per epoch: the lowest and highest batch loss seen during the
# epoch, the loss on all the data at the end of it, and the distance ‖θ − θ_OLS‖ from the OLS
# answer.

# %%
run = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, batch_size=B, epochs=600,
                         seed=1))


def epoch_ends(steps):
    """The last step of each epoch, in order."""
    last = {}
    for step in steps:
        last[step.epoch] = step
    return [last[e] for e in sorted(last)]


def distance(theta):
    return float(numpy.linalg.norm(theta - theta_ols))


sgd_distance = [distance(step.theta) for step in epoch_ends(run)]
for epoch in range(1, 13):
    losses = [step.loss for step in run if step.epoch == epoch]
    full, _ = kernel(epoch_ends(run)[epoch - 1].theta, X, y)
    print(f"epoch {epoch:>2}: batch losses {min(losses):.3f} to {max(losses):.3f}   all data "
          f"{float(full):.4f}   distance to OLS {sgd_distance[epoch - 1]:.4f}")

# %% [markdown]
# The batch losses jump around from batch to batch, while the loss on all the data falls
# smoothly towards its floor at OLS. The distance to OLS shrinks fast for a few epochs, then
# stops shrinking: it wobbles around a small value instead of going to zero.

# %% [markdown]
# ## The same seed gives the same path
#
# The shuffling is random, but seeded. Running again with the same seed repeats every batch
# and every update exactly; another seed gives other batches and another path, which ends at
# another point near OLS.

# %%
again = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, batch_size=B, epochs=600,
                           seed=1))
other = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, batch_size=B, epochs=600,
                           seed=2))
same_path = all(numpy.array_equal(a.theta, b.theta) for a, b in zip(run, again, strict=True))
different_path = not numpy.array_equal(run[0].batch, other[0].batch)
print("seed 1 twice, every θ identical:", same_path)
print("seed 2, different first batch:  ", different_path)
for name, steps in (("seed 1", run), ("seed 2", other)):
    end = steps[-1].theta
    print(f"{name} after 600 epochs: θ = ({', '.join(f'{v:.4f}' for v in end)}), "
          f"distance to OLS {distance(end):.4f}")
print(f"OLS:                     θ = ({', '.join(f'{v:.4f}' for v in theta_ols)})")

# %% [markdown]
# ## SGD against full-batch gradient descent
#
# Now compare both methods for the same number of passes through the data. Full-batch gradient
# descent (no batch size) makes one update per epoch; SGD with B = 20 makes ten.

# %%
full_batch = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, steps=600))
gd_distance = [distance(step.theta) for step in full_batch]
for epochs in (1, 5, 20, 100, 200, 600):
    print(f"after {epochs:>3} epochs: distance to OLS, SGD {sgd_distance[epochs - 1]:.2e}   "
          f"full batch {gd_distance[epochs - 1]:.2e}")

# %% [markdown]
# Early on SGD is far ahead: with the same amount of data read, it has moved ten times as
# often. But full-batch gradient descent keeps closing in until it sits on the OLS answer to
# the last digits a computer holds, while SGD keeps wobbling. The reason: a batch's gradient is
# zero only at the best fit *for that batch*, not at OLS, so each update keeps nudging θ by a
# little. The wobble scales with the learning rate: a smaller γ sits closer to OLS, at the price
# of a slower start.

# %%
for small_rate in (0.05, 0.02, 0.01):
    steps = tutor.descend(kernel, theta0, X, y, learning_rate=small_rate, batch_size=B,
                          epochs=200, seed=1)
    late = [distance(step.theta) for step in epoch_ends(steps)]
    print(f"γ = {small_rate:<4}: distance to OLS after 10 epochs {late[9]:.4f}, mean over epochs "
          f"101–200 {numpy.mean(late[100:]):.4f}")

# %% [markdown]
# That is why practitioners often shrink the learning rate as training goes on. On a network,
# whose loss has many hills and valleys, the wobble has an upside too: it can shake the
# parameters out of a poor local minimum that full-batch descent would settle into.

# %% [markdown]
# ## Step through it yourself
#
# The run below starts from the same θ₀ with the same γ, B and seed. Each update uses only the
# 20 rows of its batch. The small number after a parameter's name counts the updates: β₂₁ is β₂
# after update 1, β₂₀ its starting value. (In the terminal UI, press `s` here to keep stepping
# yourself.)

# %%
stepper = tutor.Session(model, kernel, X, y, theta0, learning_rate=rate, batch_size=B, seed=1)
for _ in range(2):
    step = stepper.forward()
    print(f"update {step.t} (epoch {step.epoch}), rows {', '.join(map(str, step.batch[:5]))}, …")
    for line in stepper.explain(step):
        print("   ", line)

# %% [markdown]
# ## Exercise
#
# With our 200 rows and a batch size of 30, how many updates does SGD make in one epoch, and how
# many rows are in the last batch of each epoch? (The batches are cut in order from the shuffled
# rows, and the last one takes whatever is left.) Check your answer with
# `check_batches(30, updates, last_batch)`. Below, the check is called for B = 20, which we saw
# above.

# %%
def check_batches(batch_size, updates, last_batch):
    """Run one epoch of SGD and compare its number of updates and last batch size."""
    epoch = list(tutor.descend(kernel, theta0, X, y, learning_rate=rate, batch_size=batch_size,
                               epochs=1, seed=0))
    right = (len(epoch), len(epoch[-1].batch))
    verdict = "yes" if (updates, last_batch) == right else "not quite"
    print(f"B = {batch_size}: you said {updates} updates, the last with {last_batch} rows — "
          f"{verdict}")
    return verdict == "yes"


check_batches(20, 10, 20)

# %% [markdown]
# ## Recap
#
# - SGD shuffles the data, cuts it into mini-batches and updates θ after each batch; one pass
#   through all the data is an epoch, with n / B updates (rounded up).
# - Each batch's gradient is a noisy estimate of the full gradient: the path wobbles, but points
#   the right way on average, so SGD gets close to the answer after few passes over the data.
# - The shuffling is seeded: the same seed gives the same path, another seed another path.
# - With a fixed learning rate SGD keeps wobbling near the OLS answer, while full-batch gradient
#   descent converges to it exactly; a smaller γ shrinks the wobble.
