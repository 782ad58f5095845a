# %% [markdown]
# # Compute: why GPUs matter
#
# What you will see: how many arithmetic operations one loss-and-gradient evaluation of a
# network costs, how fast this machine does them with tutor's compiled kernel, and how close
# that comes to the fastest this machine can multiply matrices. Small networks are far from
# that peak, big ones come close. Then the slides' table of very large models trained on GPUs,
# and, where a GPU is present, the same measurements on it. Every number below is measured
# when the lesson runs, except the slides' table, which is quoted.

# %%
import os
import platform
import statistics
import time

import numpy
import plotext as plt

import tutor
from tutor.lesson import begin

begin(globals())  # run as a script, this prints the whole lesson, prose and all

# %% [markdown]
# ## Where the work is: matrix products
#
# Back-propagation is mostly matrix products. Here are the lines of a small network's
# generated kernel that contain one (`@` is Python's matrix product):

# %%
small = tutor.mlp([2, 3, 1], activation="logistic")
source = small.compile().source.split("def predict")[0]  # the loss-and-gradient function
for line in source.splitlines():
    if " @ " in line:
        print(line.strip())

# %% [markdown]
# Each layer does three products on a batch of n samples: the forward pass z = hβᵀ, the
# weight gradient δᵀh, and the δ passed down to the layer below (δβ). The first layer does
# only two, since nothing sits below the data. Multiplying an (n × a) matrix by an (a × b)
# matrix takes n·a·b multiplications and as many additions: 2·n·a·b floating-point
# operations, or FLOPs. For a layer with fan_in inputs and fan_out neurons every product
# costs 2·n·fan_in·fan_out FLOPs.
#
# What this count ignores: the activations, the loss, adding the biases and summing their
# gradients. Each of those costs a few operations per neuron and sample, about n·fan_out per
# layer, which is small next to n·fan_in·fan_out once layers have more than a handful of
# inputs (for 2-2-1 it is not small at all, but 2-2-1 is tiny either way).

# %%
def flops(sizes, n):
    """FLOPs of the matrix products in one loss-and-gradient evaluation on n samples."""
    total = 0
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        products = 2 if layer == 1 else 3
        total += products * 2 * n * fan_in * fan_out
    return total


example, batch = (64, 128, 64, 10), 512
print(f"network {'-'.join(map(str, example))}, batch n = {batch}")
print("layer  fan_in  fan_out  products  FLOPs = products · 2·n·fan_in·fan_out")
for layer, (fan_in, fan_out) in enumerate(zip(example[:-1], example[1:], strict=True), start=1):
    products = 2 if layer == 1 else 3
    print(f"{layer:>5}  {fan_in:>6}  {fan_out:>7}  {products:>8}  "
          f"{products * 2 * batch * fan_in * fan_out:>14,}")
print(f"{'total':>5}  {'':>6}  {'':>7}  {'':>8}  {flops(example, batch):>14,}")

# %% [markdown]
# ## Timing, robustly
#
# A computer is never quite idle, so a single timing is noisy. The helper below repeats a
# call enough times to last about 10 milliseconds, does that seven times, and keeps the
# median: one slow sample cannot move it. Given several calls, it lets them take turns, so
# that whatever else the machine is doing meanwhile slows them alike. On a GPU the work is
# queued and runs later, so the helper waits for the GPU to finish (`sync`) before reading
# the clock.

# %%
def median_seconds(calls, sync=lambda: None, samples=7, target=0.01):
    """Median seconds of one call of each function in ``calls``, the functions taking turns."""
    repeats = []
    for call in calls:
        call()  # a first call to warm up (allocations, caches, GPU kernels)
        sync()
        count = 1
        while True:  # how many calls make a batch of about ``target`` seconds
            start = time.perf_counter()
            for _ in range(count):
                call()
            sync()
            elapsed = time.perf_counter() - start
            if elapsed >= target:
                break
            count = max(count + 1, int(count * 1.5 * target / max(elapsed, 1e-9)))
        repeats.append(count)
    times = [[] for _ in calls]
    for _ in range(samples):
        for call, count, out in zip(calls, repeats, times, strict=True):
            sync()
            start = time.perf_counter()
            for _ in range(count):
                call()
            sync()
            out.append((time.perf_counter() - start) / count)
    return [statistics.median(t) for t in times]

# %% [markdown]
# ## This machine's peak
#
# What is the fastest this machine does arithmetic? A large matrix product is the best case:
# the linear-algebra library (BLAS) that NumPy calls keeps every core busy on it. Multiplying
# two n × n matrices takes 2n³ FLOPs; dividing by the median time gives the rate in GFLOP/s
# (billions of FLOPs per second). We call it the peak, but note it is a measured, practical
# peak, not the chip's theoretical one, which is higher.

# %%
PEAK_N = 1024
rng = numpy.random.default_rng(0)
A, B = rng.standard_normal((PEAK_N, PEAK_N)), rng.standard_normal((PEAK_N, PEAK_N))
(peak_seconds,) = median_seconds([lambda: A @ B])
peak_gflops = 2 * PEAK_N**3 / peak_seconds / 1e9
print(f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs, NumPy {numpy.__version__}")
print(f"{PEAK_N} × {PEAK_N} A @ B in float64: {peak_seconds * 1e3:.1f} ms for "
      f"{2 * PEAK_N**3 / 1e9:.2f} GFLOP → peak ≈ {peak_gflops:.1f} GFLOP/s")

# %% [markdown]
# ## Networks from tiny to big
#
# Now tutor's kernel, timed on seeded data for four networks, from the 2-2-1 network of
# the slides to one with two hidden layers of 512 neurons. For each: the FLOPs of one
# evaluation, the median time of one `kernel(theta, X, Y)` call, the achieved rate, the peak
# measured again in turns with it, and the rate as a percentage of that peak.

# %%
NETWORKS = [((2, 2, 1), 64), ((10, 32, 1), 256), ((64, 128, 64, 10), 512),
            ((256, 512, 512, 1), 1024)]


def measure(sizes, n, peak_call, peak_flops, xp=numpy, backend="numpy", dtype="float64",
            sync=lambda: None):
    """(FLOPs, seconds per call, GFLOP/s, peak GFLOP/s) for a logistic network, timed in
    turns with the peak's matrix product."""
    net = tutor.mlp(list(sizes), activation="logistic")
    kernel = net.compile(backend=backend, dtype=dtype)
    data = numpy.random.default_rng(1)
    theta = xp.asarray(net.init(seed=0), dtype=dtype)
    X = xp.asarray(data.standard_normal((n, sizes[0])), dtype=dtype)
    Y = xp.asarray(data.standard_normal((n, sizes[-1])), dtype=dtype)
    seconds, peak_seconds = median_seconds([lambda: kernel(theta, X, Y), peak_call], sync)
    count = flops(sizes, n)
    return count, seconds, count / seconds / 1e9, peak_flops / peak_seconds / 1e9


def table(networks, peak_call, peak_flops, **options):
    """Print one row per network; return {network name: GFLOP/s} and the % of peak."""
    rates, percents = {}, {}
    print(f"{'network':<16} {'batch':>5} {'FLOPs':>15} {'time per call':>14} {'GFLOP/s':>9} "
          f"{'peak meanwhile':>14} {'% of peak':>9}")
    for sizes, n in networks:
        name = "-".join(map(str, sizes))
        count, seconds, rate, peak = measure(sizes, n, peak_call, peak_flops, **options)
        rates[name], percents[name] = rate, 100 * rate / peak
        print(f"{name:<16} {n:>5} {count:>15,} {seconds * 1e3:>11.3f} ms {rate:>9.3g} "
              f"{peak:>14.4g} {percents[name]:>8.2g}%")
    return rates, percents


gflops, percent_of_peak = table(NETWORKS, lambda: A @ B, 2 * PEAK_N**3)

# %% [markdown]
# The same numbers as bars:

# %%
plt.plot_size(70, 12)
plt.theme("clear")
plt.bar(list(percent_of_peak), list(percent_of_peak.values()), orientation="horizontal",
        width=0.3)
plt.title("achieved rate as % of this machine's matrix-product peak")
plt.xlabel("% of peak")
print(plt.uncolorize(plt.build()))
plt.clear_figure()

# %% [markdown]
# The tiny network reaches a small fraction of a percent of the peak. Its matrix products are
# so small that almost all the time goes to overhead: Python running the kernel's lines,
# NumPy setting up each of its few dozen operations, each costing about a microsecond
# however little arithmetic it does. As the layers get wider, each operation does far more
# arithmetic for the same overhead, and the rate climbs towards the peak. It stays below it:
# the element-wise work (the logistic, the deltas) is not counted as FLOPs but still takes
# time, and moving the arrays through memory takes time too. (If the machine is busy with
# other work while the lesson runs, a row can come out oddly, say a middle-sized network far
# slower than its neighbours: run the lesson again.)
#
# That is the first reason neural networks run on GPUs: their cost is dominated by large
# matrix products, exactly the operation a GPU does fastest, as long as the work comes in
# big enough pieces (wide layers, large batches) to keep it busy.

# %% [markdown]
# ## The slides' table: GPUs at 43–52 % of their peak
#
# The slides show the throughput that very large language models reached in training on
# NVIDIA's GPUs. The numbers below are **quoted from the slides' table (source: Nvidia), not
# measured here**.

# %%
SLIDES_TABLE = [  # (model size, number of GPUs, achieved teraFLOPs per GPU, % of theoretical peak)
    ("1.7B", 32, 137, 44), ("3.6B", 64, 138, 44), ("7.5B", 128, 142, 46),
    ("18B", 256, 135, 43), ("39B", 512, 138, 44), ("76B", 1024, 140, 45),
    ("145B", 1536, 148, 47), ("310B", 1920, 155, 50), ("530B", 2520, 163, 52),
    ("1T", 3072, 163, 52),
]
print("quoted from the slides (not computed):")
print(f"{'model size':>10} {'GPUs':>6} {'teraFLOP/s per GPU':>19} {'% of theoretical peak':>22}")
for size, gpus, tflops, percent in SLIDES_TABLE:
    print(f"{size:>10} {gpus:>6} {tflops:>19} {percent:>21}%")
percents = [row[3] for row in SLIDES_TABLE]
_, _, best_tflops, best_percent = max(SLIDES_TABLE, key=lambda row: row[2])
biggest = max(gflops, key=gflops.get)
print()
print(f"range of the quoted percentages: {min(percents)}–{max(percents)} %")
print(f"the theoretical peak these imply: {best_tflops} ÷ {best_percent}% ≈ "
      f"{best_tflops / (best_percent / 100):.0f} teraFLOP/s per GPU")
print(f"one GPU at {best_tflops} teraFLOP/s = {best_tflops * 1000:,} GFLOP/s is "
      f"{best_tflops * 1000 / peak_gflops:,.0f} times this machine's measured peak")
print(f"  and {best_tflops * 1000 / gflops[biggest]:,.0f} times tutor's {biggest} here "
      "(a rough comparison: see below)")

# %% [markdown]
# Two things to notice. First, even for the world's largest training runs, on thousands of
# GPUs, the achieved rate was only about half of the GPUs' theoretical peak: the rest is lost to
# moving data between memory, chips and machines, and to work that is not matrix products.
# Getting close to the peak is hard, which is what our small networks showed too. Second,
# the percentages in the slides are of the *theoretical* peak written on the chip's data
# sheet, while ours are of a *measured* matrix product, which already falls short of this
# CPU's theoretical peak; so the two kinds of percentage are not directly comparable. Nor
# are the rates: large models are trained in low-precision (16-bit) arithmetic, which GPUs
# do many times faster than the float64 used here, so "times this machine" is only a rough
# measure of the gap.

# %% [markdown]
# ## The same on a GPU
#
# With CuPy and an NVIDIA GPU, tutor compiles the very same kernel source for the GPU
# (`compile(backend="cupy")`): the arrays live in the GPU's memory and `xp` is CuPy instead of
# NumPy. GPUs are fastest in single precision, so this part uses float32, for the peak and
# the networks alike, and adds a bigger network to keep the GPU busy.

# %%
if tutor.gpu_available():
    import cupy

    sync = cupy.cuda.Device().synchronize
    name = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"].decode()
    GPU_N = 4096
    A_gpu = cupy.asarray(rng.standard_normal((GPU_N, GPU_N)), dtype=cupy.float32)
    B_gpu = cupy.asarray(rng.standard_normal((GPU_N, GPU_N)), dtype=cupy.float32)
    (gpu_seconds,) = median_seconds([lambda: A_gpu @ B_gpu], sync)
    peak_gflops_gpu = 2 * GPU_N**3 / gpu_seconds / 1e9
    print(f"GPU: {name}")
    print(f"{GPU_N} × {GPU_N} A @ B in float32: peak ≈ {peak_gflops_gpu:,.0f} GFLOP/s "
          f"({peak_gflops_gpu / peak_gflops:,.0f} times this CPU's float64 peak)")
    gflops_gpu, percent_of_peak_gpu = table(
        NETWORKS + [((1024, 2048, 2048, 1), 8192)], lambda: A_gpu @ B_gpu, 2 * GPU_N**3,
        xp=cupy, backend="cupy", dtype="float32", sync=sync)
else:
    gflops_gpu = None
    print("No usable GPU was found here (tutor.gpu_available() is False), so this part is "
          "skipped.")
    print("On a machine with an NVIDIA GPU, install the GPU extra")
    print("(pip install 'tutor[gpu]') and run the lesson again.")

# %% [markdown]
# What to look for where a GPU ran: the CPU's pattern, only more so. The tiny networks are
# even further from the GPU's peak, because each of the kernel's few dozen operations now
# costs a launch on the GPU, several microseconds however little it computes, and the loss
# comes back to the CPU at every call; the big networks get rates many times the CPU's. A GPU
# pays off only when each operation carries a lot of arithmetic.

# %% [markdown]
# ## Exercise
#
# A network for handwritten digits has 784 inputs (28 × 28 pixels), hidden layers of 256 and
# 128 neurons, and 10 outputs. How many FLOPs do the matrix products of one loss-and-gradient
# evaluation on a batch of 1024 images take? Count by hand with the rule above, then check
# with `check_flops(your_count)`.

# %%
def check_flops(count, sizes=(784, 256, 128, 10), n=1024):
    """Say whether ``count`` is the FLOP count of one evaluation of ``sizes`` on ``n`` samples."""
    right = flops(sizes, n)
    if count == right:
        print(f"{count:,} FLOPs — yes")
        return True
    hint = ("the first layer needs only two products" if count > right
            else "each layer after the first needs three products")
    print(f"{count:,} FLOPs — not quite")
    print(f"  hint: {hint}, and each product costs 2·n·fan_in·fan_out")
    return False


check_flops(3 * 2 * 1024 * (784 * 256 + 256 * 128 + 128 * 10))

# %% [markdown]
# ## Recap
#
# - One loss-and-gradient evaluation costs about 2·n·fan_in·fan_out FLOPs per matrix product:
#   three products per layer, two for the first; the element-wise work is left out.
# - Achieved rate = FLOPs ÷ measured time; time with medians of repeated runs, and on a GPU
#   wait for it to finish before reading the clock.
# - Small networks are dominated by overhead and reach a tiny share of the peak; wide layers
#   and large batches approach it.
# - Even the largest training runs in the slides reached only 43–52 % of their GPUs'
#   theoretical peak (quoted from the slides); GPUs matter because networks are made of the
#   big matrix products they do fastest.
