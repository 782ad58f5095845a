"""Benchmark tutor's compiled loss-and-gradient kernels against hand-written back-propagation,
PyTorch and JAX (issue 6, "Speed and scale").

Usage::

    python benchmarks/bench_kernels.py [--backend numpy|cupy] [--dtype float64|float32]
                                       [--repeat N] [--quick]

For each network the script prints:

derive+compile
    Wall time of ``tutor.mlp(...)`` followed by ``.compile(...)``: building the network's
    symbols, SymPy's derivation of the layer rules and printing/exec'ing the kernel source.
    Each network is built exactly once in the process and SymPy's cache is cleared before it,
    so the figure is a first ("cold") build. Module imports are not included, and tutor's own
    per-activation caches (e.g. the logistic's G′) stay warm once the first network built them.
tutor / hand
    Median wall time of one ``loss, grad = kernel(theta, X, Y)`` call (the public call, with
    its input checks) and of a plain vectorized NumPy back-propagation written out below
    (``hand_loss_and_gradient``): forward ``h @ W.T + b`` with the logistic as
    ``1/(1 + exp(-z))``; squared error mean over samples of Σ_k (y_k − ŷ_k)² (no ½), or
    softmax cross-entropy through a stable log-softmax; backward with deltas. Both take the
    same flat θ and return the same flat gradient; before timing, the script checks that they
    agree (relative 1e-10 in float64, 1e-4 in float32; the gradient is compared with
    ``allclose(rtol=tol, atol=tol * max|grad|)``) and exits with status 1 if they do not.
torch / jax (when importable; neither is a dependency)
    The same network and loss written plainly: PyTorch eager with the parameters as leaf
    tensors (``requires_grad``), ``F.linear``, ``torch.sigmoid``, ``F.cross_entropy`` or a
    summed squared error, ``loss.backward()``, the grads read and set to None between calls;
    ``torch.set_num_threads`` is left at its default. JAX as ``jax.jit(jax.value_and_grad(loss))``
    (float64 through ``jax_enable_x64``), its "compile" the first call (trace + XLA). Before
    timing, each one's loss and gradient must agree with tutor's (rtol 1e-8 in float64, 1e-3
    in float32), or the script exits with status 1.
products
    The network's matrix products alone, timed with the others: the three per layer that
    back-propagation needs (two for the first layer), in the shapes and layouts of tutor's
    kernel, written into arrays made beforehand. No evaluation that multiplies with NumPy
    (CuPy) can take less, so "of tutor's time" is how much of tutor's time its BLAS takes.
    With PyTorch compared, the same products in PyTorch too: NumPy's against PyTorch's
    compares the two BLAS libraries, and NumPy's products against PyTorch's whole evaluation
    says whether any NumPy kernel could be ahead of it.
ratio
    x / hand: 1.0x means as fast as the hand-written NumPy.
GFLOP/s, % peak
    FLOPs of one evaluation counted from the matrix products only: 2·n·fan_in·fan_out per
    product, three products per layer (forward, ∂c/∂β, the delta passed down) except two for
    the first layer, which needs no input delta. Element-wise work (activations, the loss,
    bias sums) is ignored, so small networks show a tiny rate: they are bound by Python and
    NumPy call overhead, not arithmetic. The peak is measured in the same run as the median
    time of a 1024×1024 ``A @ B`` in the chosen dtype (4096×4096 on a GPU).
peak memory
    With ``tracemalloc`` (NumPy reports its array allocations to it): tracing starts after the
    inputs exist, and the peak traced memory during one call is read, for tutor's kernel and
    for the hand reference. Not measured with ``--backend cupy`` (GPU memory is not traced).
    Next to it, the minor page faults per call during the timing (``getrusage``): memory that
    glibc gave back to the system after one call and has to map, page by page, in the next.
fresh process
    tutor vs hand once more, each network in a new process of its own that imports neither
    PyTorch nor JAX and allocates nothing before (``--fresh-loop``, internal): alternating
    blocks of ≥ 0.1 s of back-to-back calls, each block after 3 untimed calls, median of 9.
    Whether glibc trims its heap after a call depends on what the process allocated and freed
    earlier (the main run's 8 MB matmul-peak matrices and PyTorch raise its thresholds), so
    the main run can hide a cost that a short training script pays on every call.

Also: derive+compile of a 10-layer width-512 network (512 inputs, ten logistic hidden layers
of 512, 10 identity outputs; one evaluation at batch 256 checks it against the hand
reference), and the wall time of ``tutor.gradcheck(kernel, theta, X, Y, mode="fast")`` for
784-256-128-10 at batch 1024.

With ``--backend cupy`` all arrays live on the GPU (the hand reference uses CuPy; torch runs
on CUDA when it can, else it is left out; JAX on its default device), the device is
synchronized before and after each sample, batches of 8192 (and 65536 for 784-256-128-10)
are added, and for batch 8192 and above the achieved TFLOP/s are compared with the card's
data-sheet peak (``CARD_PEAK_TFLOPS``).

Timing method: ``time.perf_counter``; the implementations take turns (tutor, hand, torch,
jax, then hand, torch, jax, tutor, …: the order rotates) so that machine noise hits them
alike; before each sample the machine idles for 0.15 s, because a BLAS worker thread keeps
spinning after its last call (OpenBLAS's about 0.12 s) and on 2 cores would slow whichever
implementation comes next; each sample runs enough inner calls to last at least ~20 ms; the
reported figure is the median over ``--repeat`` samples (default 21) divided by the inner
count. ``--quick`` uses 5 samples of ≥ 2 ms and 0.03 s pauses for a smoke run.

At the end one line per target of issue 6 with PASS/FAIL and the measured value. The exit
status is 0 whatever the numbers (this is a measurement, not a test), 1 if an implementation
disagrees with tutor's kernel, 2 if CuPy is missing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy
import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import tutor  # noqa: E402
from tutor.backends import BackendError, backend  # noqa: E402

try:
    import resource  # Unix only: page-fault counts
except ImportError:
    resource = None

torch = F = jax = jnp = None  # set by load_frameworks()


def load_frameworks() -> None:
    """Import PyTorch and JAX where they are installed: optional, never a dependency."""
    global torch, F, jax, jnp
    try:
        import torch
        import torch.nn.functional as F
    except Exception:  # not installed, or an install that cannot load: left out alike
        torch = None
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64
        import jax.numpy as jnp
    except Exception:
        jax = None


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    batch: int
    output: str = "identity"
    loss: str = "squared_error"

    @property
    def name(self) -> str:
        return "-".join(map(str, self.sizes))

    @property
    def softmax(self) -> bool:
        return self.output == "softmax"


CONFIGS = (
    Config((2, 2, 1), 64),
    Config((10, 32, 1), 256),
    Config((64, 128, 64, 10), 512),
    Config((784, 256, 128, 10), 1024, "softmax", "cross_entropy"),
)
LARGEST = CONFIGS[-1]
GPU_BATCHES = {"2-2-1": (8192,), "10-32-1": (8192,), "64-128-64-10": (8192,),
               "784-256-128-10": (8192, 65536)}
DEEP = Config((512,) * 11 + (10,), 256)  # 512 inputs, ten hidden layers of 512, 10 outputs
DEEP_LABEL = "512x10-10"  # its full name is 12 numbers long

# the targets of issue 6
RATIO_BAR = {"2-2-1": 1.3, "10-32-1": 1.3, "64-128-64-10": 1.1, "784-256-128-10": 1.1}
COMPILE_BAR = {"64-128-64-10": 1.0, "784-256-128-10": 3.0, DEEP_LABEL: 10.0}
MEMORY_BAR = 1.5
GRADCHECK_BAR = 2.0
GPU_PEAK_BAR = 40.0  # % of the card's float32 peak, 784-256-128-10 at batch 65536

SETTLE_S = 0.15  # idle time before each timing sample (see interleaved_medians)
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}  # tutor vs hand
FRAMEWORK_TOLERANCE = {"float64": 1e-8, "float32": 1e-3}  # torch / jax vs tutor

# Peak TFLOP/s without tensor cores (float32, float64), from NVIDIA's data sheets: H100 (SXM5
# and PCIe) and H200 (SXM) from the H100/H200 Tensor Core GPU data sheets, A100 (SXM4 and
# PCIe alike) from the A100 Tensor Core GPU data sheet. Keys are matched against the device
# name that CUDA reports, e.g. "NVIDIA H100 80GB HBM3" (the SXM card) or "NVIDIA H100 PCIe".
CARD_PEAK_TFLOPS = {
    "H100 SXM": (67.0, 34.0),
    "H100 PCIe": (51.0, 26.0),
    "H200": (67.0, 34.0),
    "A100": (19.5, 9.7),
}


def card_peak(name: str, dtype: str) -> tuple[str, float] | None:
    """(row of CARD_PEAK_TFLOPS, peak FLOP/s) for a CUDA device name, or None if unknown."""
    upper = name.upper()
    if "H200" in upper:
        key = "H200"
    elif "H100" in upper and "PCIE" in upper:
        key = "H100 PCIe"
    elif "H100" in upper and ("SXM" in upper or "HBM3" in upper):
        key = "H100 SXM"
    elif "A100" in upper:
        key = "A100"
    else:
        return None
    fp32, fp64 = CARD_PEAK_TFLOPS[key]
    return key, (fp32 if dtype == "float32" else fp64) * 1e12


# -- the hand-written reference ---------------------------------------------------------------
def hand_loss_and_gradient(xp, theta, X, Y, sizes, softmax):
    """Mean loss and its gradient by textbook back-propagation; θ and the gradient are laid
    out as tutor's: per layer the biases (n_l,) then the weights (n_l, n_{l-1}) row-major."""
    n = X.shape[0]
    layers, start = [], 0  # (bias slice, weight slice, b, W) per layer, views into θ
    for fan_in, width in zip(sizes[:-1], sizes[1:], strict=True):
        b_part = slice(start, start + width)
        w_part = slice(start + width, start + width + width * fan_in)
        layers.append((b_part, w_part, theta[b_part], theta[w_part].reshape(width, fan_in)))
        start = w_part.stop

    # forward: hidden layers are logistic, the output is identity or softmax
    hs = [X]
    for _, _, b, W in layers[:-1]:
        hs.append(1.0 / (1.0 + xp.exp(-(hs[-1] @ W.T + b))))
    _, _, b, W = layers[-1]
    z = hs[-1] @ W.T + b

    # loss and the output delta ∂c/∂z, divided by n so the sums below are means
    if softmax:
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(Y * log_p).sum() / n
        delta = (xp.exp(log_p) - Y) / n  # p − y, as every row of Y is one-hot
    else:
        residual = z - Y
        loss = (residual * residual).sum() / n
        delta = 2.0 * residual / n

    # backward
    grad = xp.empty_like(theta)
    for l in range(len(layers) - 1, -1, -1):
        b_part, w_part, _, W = layers[l]
        grad[b_part] = delta.sum(axis=0)
        grad[w_part] = (delta.T @ hs[l]).reshape(-1)
        if l > 0:
            delta = (delta @ W) * (hs[l] * (1.0 - hs[l]))
    return loss, grad


def layer_slices(sizes):
    """(bias slice, weight slice, fan_in, width) per layer of tutor's flat θ."""
    out, start = [], 0
    for fan_in, width in zip(sizes[:-1], sizes[1:], strict=True):
        out.append((slice(start, start + width), slice(start + width, start + width * (1 + fan_in)),
                    fan_in, width))
        start += width * (1 + fan_in)
    return out


def matmul_flops(sizes, batch) -> int:
    """2·n·fan_in·fan_out per product; 3 products per layer, 2 for the first."""
    total = 0
    for l, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        total += (2 if l == 0 else 3) * 2 * batch * fan_in * width
    return total


# -- PyTorch and JAX, written as their users would --------------------------------------------
class TorchEager:
    """The network in PyTorch eager mode; ``call()`` is one forward, loss and backward."""

    label = "torch eager"

    def __init__(self, config, theta, X, Y, device):
        n = X.shape[0]
        self.layers = [
            (torch.tensor(theta[w].reshape(width, fan_in), device=device, requires_grad=True),
             torch.tensor(theta[b], device=device, requires_grad=True))
            for b, w, fan_in, width in layer_slices(config.sizes)
        ]
        self.leaves = [p for layer in self.layers for p in layer]
        X_t = torch.as_tensor(X, device=device)
        if config.softmax:  # one-hot rows → class indices, torch's usual cross-entropy input
            labels = torch.as_tensor(Y.argmax(axis=1), device=device)
            loss_of = lambda z: F.cross_entropy(z, labels)  # noqa: E731
        else:
            Y_t = torch.as_tensor(Y, device=device)
            loss_of = lambda z: F.mse_loss(z, Y_t, reduction="sum") / n  # noqa: E731

        def call():
            for p in self.leaves:
                p.grad = None
            h = X_t
            for W, b in self.layers[:-1]:
                h = torch.sigmoid(F.linear(h, W, b))
            W, b = self.layers[-1]
            loss = loss_of(F.linear(h, W, b))
            loss.backward()
            return loss, [(W.grad, b.grad) for W, b in self.layers]

        self.call = call
        self.compile_s = None
        self.sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    @staticmethod
    def flat(out):
        loss, grads = out
        parts = [t.detach().cpu().numpy().reshape(-1) for gW, gb in grads for t in (gb, gW)]
        return loss.item(), numpy.concatenate(parts)


class JaxJit:
    """The network in JAX: ``jax.jit(jax.value_and_grad(loss))``, results awaited."""

    label = "jax jit"

    def __init__(self, config, theta, X, Y, device):
        n = X.shape[0]
        params = [(jnp.asarray(theta[w].reshape(width, fan_in)), jnp.asarray(theta[b]))
                  for b, w, fan_in, width in layer_slices(config.sizes)]
        X_j, Y_j = jnp.asarray(X), jnp.asarray(Y)

        def loss(params, X, Y):
            h = X
            for W, b in params[:-1]:
                h = jax.nn.sigmoid(h @ W.T + b)
            W, b = params[-1]
            z = h @ W.T + b
            if config.softmax:
                return -(Y * jax.nn.log_softmax(z, axis=1)).sum() / n
            r = z - Y
            return (r * r).sum() / n

        step = jax.jit(jax.value_and_grad(loss))
        self.call = lambda: jax.block_until_ready(step(params, X_j, Y_j))
        start = time.perf_counter()
        self.call()  # trace and compile
        self.compile_s = time.perf_counter() - start
        self.sync = lambda: None  # each call awaits its result

    @staticmethod
    def flat(out):
        loss, grads = out
        parts = [numpy.asarray(t).reshape(-1) for gW, gb in grads for t in (gb, gW)]
        return float(loss), numpy.concatenate(parts)


def frameworks(backend_name):
    """The (class, device) pairs to compare with here, and a note on each one left out."""
    found, notes = [], []
    if torch is None:
        notes.append("torch not installed")
    elif backend_name == "cupy" and not torch.cuda.is_available():
        notes.append("torch has no CUDA here, left out of a GPU run")
    else:
        found.append((TorchEager, "cuda" if backend_name == "cupy" else "cpu"))
    if jax is None:
        notes.append("jax not installed")
    else:
        found.append((JaxJit, str(jax.devices()[0])))
    return found, notes


class Products:
    """The network's matrix products alone, in one library, into arrays made beforehand: the
    three per layer of back-propagation (``h @ W.T`` forward, ``δ.T @ h`` for ∂c/∂β, ``δ @ W``
    for the delta passed down; two for the first layer), in the shapes and layouts tutor's
    kernel uses. No evaluation that multiplies with this library's BLAS can take less time, so
    tutor's time against this says how much is left above the matrix products, and NumPy's
    products against PyTorch's say how far apart the two BLAS libraries are."""

    def __init__(self, label, sizes, batch, dtype, asarray, matmul, empty):
        rng = numpy.random.default_rng(2)

        def random(*shape):
            return asarray(rng.standard_normal(shape).astype(dtype))

        triples = []
        for l, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            H, W, D = random(batch, fan_in), random(width, fan_in), random(batch, width)
            triples.append((H, W.T, empty(batch, width)))  # z = h β.T
            triples.append((D.T, H, empty(width, fan_in)))  # ∂c/∂β = δ.T h
            if l > 0:
                triples.append((D, W, empty(batch, fan_in)))  # δ below = δ β
        self.label = label
        self.flops = sum(2 * A.shape[0] * A.shape[1] * B.shape[1] for A, B, _ in triples)

        def call():
            for A, B, C in triples:
                matmul(A, B, out=C)

        self.call = call


def products(config, backend, dtype, others):
    """``Products`` in the backend's library, and in PyTorch when it is compared here."""
    xp = backend.xp
    found = [Products(f"{backend.name} products", config.sizes, config.batch, dtype, xp.asarray,
                      xp.matmul, lambda *shape: xp.empty(shape, dtype=dtype))]
    for cls, device in others:
        if cls is TorchEager:
            torch_dtype = getattr(torch, dtype)
            found.append(Products(
                "torch products", config.sizes, config.batch, dtype,
                lambda a, d=device: torch.as_tensor(a, device=d), torch.matmul,
                lambda *shape, d=device, t=torch_dtype: torch.empty(shape, dtype=t, device=d)))
    return found


# -- timing -----------------------------------------------------------------------------------
def make_sync(xp):
    if xp is numpy:
        return lambda: None
    return xp.cuda.Device().synchronize


def calls_per_sample(fn, sync, target_s):
    """How many calls of ``fn`` last at least ``target_s`` (after a warm-up call)."""
    fn()
    sync()
    calls, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= target_s:
            return calls
        calls = max(calls + 1, math.ceil(calls * 1.2 * target_s / max(elapsed, 1e-9)))


def interleaved_medians(fns, sync, samples, target_s, settle_s=0.0, warm=0):
    """Median seconds per call of each function, the functions taking turns sample by sample.

    The order rotates from one round to the next, and before each sample the machine is left
    idle for ``settle_s``: a BLAS worker thread keeps spinning after its last call (OpenBLAS's,
    under NumPy, for about 0.12 s; PyTorch's OpenMP one for about 10 ms, measured on the
    2-core machine of the README), and a pool still spinning from the previous sample takes
    a core from whichever implementation runs next. ``warm`` untimed calls start each sample.

    Returns the medians and the minor page faults per timed call of each function.
    """
    counts = [calls_per_sample(fn, sync, target_s) for fn in fns]
    times = [[] for _ in fns]
    faults = [0] * len(fns)
    for sample in range(samples):
        for i in range(len(fns)):  # the order rotates, so that no one always goes first
            j = (sample + i) % len(fns)
            fn, count, out = fns[j], counts[j], times[j]
            sync()
            if settle_s:
                time.sleep(settle_s)
            for _ in range(warm):
                fn()
            sync()
            faults_before = minor_faults()
            start = time.perf_counter()
            for _ in range(count):
                fn()
            sync()
            out.append((time.perf_counter() - start) / count)
            faults[j] += minor_faults() - faults_before
    medians = [statistics.median(t) for t in times]
    return medians, [f / (samples * c) for f, c in zip(faults, counts, strict=True)]


def minor_faults() -> int:
    """The process's minor page faults so far (0 where ``resource`` is missing): memory the
    allocator gave back to the system and had to map again."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource else 0


def matmul_peak(xp, dtype, sync, samples, target_s, settle_s):
    """FLOP/s of a square ``A @ B`` in ``dtype`` (median over samples): 1024 on the CPU,
    4096 on a GPU, which a 1024 product cannot keep busy."""
    size = 1024 if xp is numpy else 4096
    rng = numpy.random.default_rng(1)
    A = xp.asarray(rng.standard_normal((size, size)), dtype=dtype)
    B = xp.asarray(rng.standard_normal((size, size)), dtype=dtype)
    (seconds,), _ = interleaved_medians([lambda: A @ B], sync, samples, target_s, settle_s)
    return size, 2 * size**3 / seconds


def peak_memory(fn) -> int:
    """Peak bytes traced by tracemalloc during one call of ``fn``, above what was traced when
    it started (tracing starts here, after the inputs were made, so they are not counted)."""
    fn()  # warm: any one-off allocation (caches, the kernel's first call) is not counted
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del out
    finally:
        tracemalloc.stop()
    return peak - before


# -- one configuration ------------------------------------------------------------------------
def problem(config, net, dtype):
    """Seeded θ (random biases too, so every gradient entry is exercised), X and Y, as NumPy."""
    rng = numpy.random.default_rng(0)
    theta = net.init(seed=0)
    for alpha, _ in net.unpack(theta):  # views into theta
        alpha[:] = rng.normal(0.0, 0.1, alpha.shape)
    X = rng.standard_normal((config.batch, config.sizes[0]))
    m = config.sizes[-1]
    if config.softmax:
        Y = numpy.eye(m)[rng.integers(0, m, config.batch)]
    else:
        Y = rng.standard_normal((config.batch, m))
    return tuple(a.astype(dtype) for a in (theta, X, Y))


def disagreement(loss, grad, loss_ref, grad_ref, tol) -> str | None:
    """None if (loss, grad) matches the reference within ``tol``, else what differs."""
    scale = float(numpy.max(numpy.abs(grad_ref)))
    loss_ok = abs(loss - loss_ref) <= tol * abs(loss_ref)
    grad_ok = grad.shape == grad_ref.shape and numpy.allclose(grad, grad_ref, rtol=tol,
                                                              atol=tol * scale)
    if loss_ok and grad_ok:
        return None
    worst = (float(numpy.max(numpy.abs(grad - grad_ref))) / scale
             if grad.shape == grad_ref.shape else float("inf"))
    return (f"loss {loss!r} vs {loss_ref!r}; largest gradient difference {worst:.2e} of "
            f"max|grad|, tolerance {tol:g}")


def tutor_kernel(config, backend, dtype, cache):
    """The compiled kernel of ``config``'s network and its cold derive+compile time (None
    when an earlier row, the same network at another batch, already built it)."""
    key = (config.sizes, config.output, config.loss)
    if key in cache:
        return cache[key], None
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    net = tutor.mlp(list(config.sizes), "logistic", config.output, config.loss)
    kernel = net.compile(backend=backend.name, dtype=dtype)
    compile_s = time.perf_counter() - start
    cache[key] = (net, kernel)
    return cache[key], compile_s


def run_config(config, backend, dtype, timing, peak, others, cache):
    xp = backend.xp
    (net, kernel), compile_s = tutor_kernel(config, backend, dtype, cache)
    theta_np, X_np, Y_np = problem(config, net, dtype)
    theta, X, Y = (xp.asarray(a) for a in (theta_np, X_np, Y_np))

    def tutor_call():
        return kernel(theta, X, Y)

    def hand_call():
        return hand_loss_and_gradient(xp, theta, X, Y, config.sizes, config.softmax)

    loss_t, grad_t = tutor_call()
    loss_t, grad_t = float(loss_t), backend.to_numpy(grad_t)
    loss_h, grad_h = hand_call()
    problem_text = disagreement(loss_t, grad_t, float(loss_h), backend.to_numpy(grad_h),
                                TOLERANCE[dtype])
    if problem_text:
        sys.exit(f"{config.name}: tutor's kernel disagrees with the hand-written "
                 f"back-propagation ({problem_text})")

    impls = [("tutor", tutor_call, None), ("hand", hand_call, None)]
    syncs = [make_sync(xp)]
    for cls, device in others:
        other = cls(config, theta_np, X_np, Y_np, device)
        loss_o, grad_o = other.flat(other.call())
        problem_text = disagreement(loss_o, grad_o, loss_t, grad_t, FRAMEWORK_TOLERANCE[dtype])
        if problem_text:
            sys.exit(f"{config.name}: {other.label} disagrees with tutor's kernel ({problem_text})")
        impls.append((other.label, other.call, other.compile_s))
        syncs.append(other.sync)

    for floor in products(config, backend, dtype, others):
        impls.append((floor.label, floor.call, None))

    def sync():
        for s in syncs:
            s()

    seconds, faults = interleaved_medians([fn for _, fn, _ in impls], sync, *timing)
    flops = matmul_flops(config.sizes, config.batch)
    row = {"name": config.name, "batch": config.batch, "compile_s": compile_s, "flops": flops,
           "times": dict(zip([label for label, _, _ in impls], seconds, strict=True)),
           "compiles": {label: c for label, _, c in impls if c is not None},
           "faults": dict(zip([label for label, _, _ in impls], faults, strict=True))}
    row["ratio"] = row["times"]["tutor"] / row["times"]["hand"]
    row["gflops"] = flops / row["times"]["tutor"] / 1e9
    row["peak_pct"] = 100 * flops / row["times"]["tutor"] / peak
    if backend.name == "numpy":
        row["mem_tutor"], row["mem_hand"] = peak_memory(tutor_call), peak_memory(hand_call)
    return row


def fresh_loop(name, dtype, samples, target_s) -> dict:
    """tutor vs hand, NumPy only, as the first thing this process does (``--fresh-loop``): a
    loop of back-to-back calls of one, then of the other, and so on; 3 untimed calls start each
    block, so that it measures the steady state of a loop, not the switch from the other one."""
    config = next(c for c in CONFIGS if c.name == name)
    (net, kernel), _ = tutor_kernel(config, backend("numpy"), dtype, {})
    theta, X, Y = problem(config, net, dtype)
    fns = [lambda: kernel(theta, X, Y),
           lambda: hand_loss_and_gradient(numpy, theta, X, Y, config.sizes, config.softmax)]
    (tutor_s, hand_s), (tutor_faults, hand_faults) = interleaved_medians(
        fns, lambda: None, samples, target_s, warm=3)
    return {"tutor_s": tutor_s, "hand_s": hand_s, "tutor_faults": tutor_faults,
            "hand_faults": hand_faults}


def run_fresh(config, dtype, samples, target_s) -> dict | None:
    """``fresh_loop`` in a new process: the heap as a short script finds it. (The main run's
    earlier allocations, e.g. the 8 MB matrices of the matmul peak or PyTorch's, change when
    glibc gives memory back to the system, and so how often a kernel's intermediates must be
    mapped again.)"""
    command = [sys.executable, str(Path(__file__).resolve()), "--fresh-loop", config.name,
               "--dtype", dtype, "--repeat", str(samples), "--sample-ms", str(target_s * 1e3)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"  fresh-process run of {config.name} failed: {done.stderr.strip()[-500:]}",
              file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_deep(backend, dtype, cache):
    """Derive+compile of the 10-layer width-512 network and one checked evaluation."""
    xp = backend.xp
    (net, kernel), compile_s = tutor_kernel(DEEP, backend, dtype, cache)
    theta, X, Y = (xp.asarray(a) for a in problem(DEEP, net, dtype))
    start = time.perf_counter()
    loss, grad = kernel(theta, X, Y)
    make_sync(xp)()
    eval_s = time.perf_counter() - start
    loss_h, grad_h = hand_loss_and_gradient(xp, theta, X, Y, DEEP.sizes, DEEP.softmax)
    problem_text = disagreement(float(loss), backend.to_numpy(grad), float(loss_h),
                                backend.to_numpy(grad_h), TOLERANCE[dtype])
    if problem_text:
        sys.exit(f"{DEEP_LABEL}: tutor's kernel disagrees with the hand-written "
                 f"back-propagation ({problem_text})")
    return {"compile_s": compile_s, "eval_s": eval_s, "n_parameters": net.n_parameters}


def run_gradcheck(backend, dtype, cache):
    """Wall time of a fast-mode gradient check of 784-256-128-10 at its batch (1024)."""
    xp = backend.xp
    (net, kernel), _ = tutor_kernel(LARGEST, backend, dtype, cache)
    theta, X, Y = problem(LARGEST, net, dtype)
    X, Y = xp.asarray(X), xp.asarray(Y)
    start = time.perf_counter()
    report = tutor.gradcheck(kernel, theta, X, Y, mode="fast")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "ok": report.ok, "rows": len(report.rows)}


# -- reporting --------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_name() -> str:
    try:
        config = numpy.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy, or a build without that record
        return "unknown"


def gpu_name(backend) -> str | None:
    if backend.name != "cupy":
        return None
    xp = backend.xp
    name = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def header(backend, dtype, samples, target_s, others, notes) -> list[str]:
    threads = [f"{k}={os.environ[k]}" for k in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ]
    compared = []
    for cls, device in others:
        if cls is TorchEager:
            compared.append(f"torch {torch.__version__} on {device} "
                            f"({torch.get_num_threads()} threads)")
        else:
            compared.append(f"jax {jax.__version__} on {device}")
    lines = [
        f"tutor kernel benchmark: backend {backend.name}, dtype {dtype}, {samples} samples "
        f"of >= {target_s * 1e3:.0f} ms, medians",
        f"python {platform.python_version()}, numpy {numpy.__version__} (BLAS: {blas_name()}), "
        f"sympy {sympy.__version__}",
        f"compared with: {', '.join(compared) or 'nothing else'}"
        + (f" ({'; '.join(notes)})" if notes else ""),
        f"cpu: {cpu_model()}, {os.cpu_count()} logical CPUs, threads: "
        f"{', '.join(threads) or 'no *_NUM_THREADS set'}",
    ]
    name = gpu_name(backend)
    if name is not None:
        lines.append(f"gpu: {name}, cupy {backend.xp.__version__}")
    return lines


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(count: int) -> str:
    return f"{count / 2**20:.2f} MiB" if count >= 2**20 else f"{count / 2**10:.1f} KiB"


def table(titles, rows, align) -> list[str]:
    """Columns as wide as their widest cell; ``align`` is a string of 'l' / 'r' per column."""
    widths = [max(len(str(c)) for c in col) for col in zip(titles, *rows, strict=True)]

    def line(cells):
        return "  ".join(f"{c:<{w}}" if a == "l" else f"{c:>{w}}"
                         for c, w, a in zip(cells, widths, align, strict=True)).rstrip()

    return [line(titles), "-" * len(line(titles)), *(line(r) for r in rows)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def targets(rows, fresh, deep, check, backend, dtype, card) -> list[str]:
    """One line per target of issue 6: the measured value, the bar, PASS or FAIL."""
    base = {row["name"]: row for row in rows if any(row["name"] == c.name and row["batch"] == c.batch
                                                    for c in CONFIGS)}
    lines = []
    for name, bar in RATIO_BAR.items():
        ratio = base[name]["ratio"]
        lines.append(f"{verdict(ratio <= bar)}  {name}: tutor/hand {ratio:.2f}x (bar {bar}x)")
    for name, bar in RATIO_BAR.items():
        if name in fresh:
            f = fresh[name]
            ratio = f["tutor_s"] / f["hand_s"]
            lines.append(f"{verdict(ratio <= bar)}  {name}: tutor/hand in a fresh process {ratio:.2f}x "
                         f"(bar {bar}x; page faults/call {f['tutor_faults']:.0f} vs "
                         f"{f['hand_faults']:.0f})")
    for name, row in base.items():
        others = {k: v for k, v in row["times"].items() if k == "torch eager"}
        if not others:
            lines.append(f"SKIP  {name}: ahead of torch eager (torch not compared in this run)")
            continue
        ratio = row["times"]["tutor"] / others["torch eager"]
        floor = next(v for k, v in row["times"].items() if k == f"{backend.name} products")
        lines.append(f"{verdict(ratio < 1)}  {name}: ahead of torch eager, tutor/torch "
                     f"{ratio:.2f}x (bar < 1x; {backend.name}'s matrix products alone "
                     f"{floor / others['torch eager']:.2f}x torch's whole evaluation)")
    compiles = {name: base[name]["compile_s"] for name in COMPILE_BAR if name in base}
    compiles[DEEP_LABEL] = deep["compile_s"]
    for name, bar in COMPILE_BAR.items():
        seconds = compiles[name]
        lines.append(f"{verdict(seconds < bar)}  {name}: derive+compile {seconds:.2f} s "
                     f"(bar < {bar:g} s)")
    for name, row in base.items():
        if "mem_tutor" not in row:
            lines.append(f"SKIP  {name}: peak memory (not measured on {backend.name})")
            continue
        ratio = row["mem_tutor"] / row["mem_hand"]
        lines.append(f"{verdict(ratio <= MEMORY_BAR)}  {name}: peak memory tutor/hand {ratio:.2f}x "
                     f"({fmt_bytes(row['mem_tutor'])} vs {fmt_bytes(row['mem_hand'])}; "
                     f"bar {MEMORY_BAR}x)")
    lines.append(f"{verdict(check['seconds'] < GRADCHECK_BAR and check['ok'])}  {LARGEST.name}: "
                 f"gradcheck fast mode at batch {LARGEST.batch} {check['seconds']:.2f} s, "
                 f"{check['rows']} directions {'all pass' if check['ok'] else 'SOME FAIL'} "
                 f"(bar < {GRADCHECK_BAR:g} s)")
    gpu_row = [r for r in rows if r["name"] == LARGEST.name and r["batch"] == 65536]
    what = f"{LARGEST.name} at batch 65536 on a GPU, % of the float32 peak"
    if not gpu_row:
        lines.append(f"SKIP  {what} (needs --backend cupy)")
    elif card is None:
        lines.append(f"SKIP  {what} (unknown card: peak not known)")
    elif dtype != "float32":
        lines.append(f"SKIP  {what}: run with --dtype float32 (this run: "
                     f"{100 * gpu_row[0]['flops'] / gpu_row[0]['times']['tutor'] / card[1]:.1f}% "
                     f"of the {dtype} peak)")
    else:
        pct = 100 * gpu_row[0]["flops"] / gpu_row[0]["times"]["tutor"] / card[1]
        lines.append(f"{verdict(pct >= GPU_PEAK_BAR)}  {what}: {pct:.1f}% of {card[0]}'s "
                     f"{card[1] / 1e12:g} TFLOP/s (bar >= {GPU_PEAK_BAR:g}%)")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--repeat", type=int, default=None, help="timing samples (default 21)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (< 20 s)")
    parser.add_argument("--fresh-loop", metavar="NETWORK", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--sample-ms", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    samples = args.repeat or (5 if args.quick else 21)
    target_s = args.sample_ms / 1e3 if args.sample_ms else (0.002 if args.quick else 0.02)
    settle_s = 0.03 if args.quick else SETTLE_S
    if args.fresh_loop:
        print(json.dumps(fresh_loop(args.fresh_loop, args.dtype, samples, target_s)))
        return 0

    try:
        chosen = backend(args.backend)
    except BackendError as error:
        print(f"cannot benchmark the {args.backend} backend: {error}", file=sys.stderr)
        return 2
    load_frameworks()
    others, notes = frameworks(chosen.name)

    print("\n".join(header(chosen, args.dtype, samples, target_s, others, notes)))
    sync = make_sync(chosen.xp)
    size, peak = matmul_peak(chosen.xp, chosen.dtype(args.dtype), sync, samples, target_s,
                             settle_s)
    print(f"matmul peak: {peak / 1e9:.1f} GFLOP/s ({chosen.name} {size}x{size} A @ B, "
          f"{args.dtype}, measured now; '% peak' below is of this)")
    card = None
    if chosen.name == "cupy":
        card = card_peak(gpu_name(chosen), args.dtype)
        print(f"card peak: {card[1] / 1e12:g} TFLOP/s ({card[0]}, {args.dtype}, no tensor cores, "
              "NVIDIA data sheet)" if card else "card peak: unknown card: peak not known")
    print("FLOPs count matrix products only (2*n*fan_in*fan_out each; 3 per layer, 2 for the "
          "first); element-wise work is ignored", flush=True)

    configs = list(CONFIGS)
    if chosen.name == "cupy":
        configs += [Config(c.sizes, batch, c.output, c.loss) for c in CONFIGS
                    for batch in GPU_BATCHES[c.name]]
    cache, rows = {}, []
    for config in configs:
        rows.append(run_config(config, chosen, args.dtype, (samples, target_s, settle_s), peak,
                               others, cache))
        print(f"  measured {config.name} at batch {config.batch}", file=sys.stderr, flush=True)
    fresh = {}
    if chosen.name == "numpy":
        for config in CONFIGS:
            result = run_fresh(config, args.dtype, 5 if args.quick else 9,
                               0.01 if args.quick else 0.1)
            if result is not None:
                fresh[config.name] = result
        print("  measured the fresh-process loops", file=sys.stderr, flush=True)
    deep = run_deep(chosen, args.dtype, cache)
    check = run_gradcheck(chosen, args.dtype, cache)

    print("\none loss-and-gradient evaluation, tutor's kernel vs hand-written "
          f"{'CuPy' if chosen.name == 'cupy' else 'NumPy'} (median):")
    print("\n".join(table(
        ("network", "batch", "derive+compile", "tutor", "hand", "tutor/hand", "GFLOP/s", "% peak"),
        [(r["name"], r["batch"], fmt_time(r["compile_s"]) if r["compile_s"] is not None else "(same)",
          fmt_time(r["times"]["tutor"]), fmt_time(r["times"]["hand"]), f"{r['ratio']:.2f}x",
          f"{r['gflops']:.2f}", f"{r['peak_pct']:.1f}%") for r in rows],
        "lrrrrrrr")))

    if others:
        print("\nthe same evaluation in other frameworks (checked against tutor's loss and "
              "gradient first):")
        framework_rows = []
        for r in rows:
            for label, seconds in r["times"].items():
                if label in ("tutor", "hand") or label.endswith(" products"):
                    continue
                tutor_ratio = r["times"]["tutor"] / seconds
                framework_rows.append((
                    r["name"], r["batch"], label, fmt_time(r["compiles"].get(label)),
                    fmt_time(seconds), f"{seconds / r['times']['hand']:.2f}x", f"{tutor_ratio:.2f}x",
                    f"{r['flops'] / seconds / 1e9:.2f}", f"{100 * r['flops'] / seconds / peak:.1f}%",
                    "yes" if tutor_ratio < 1 else "no"))
        print("\n".join(table(
            ("network", "batch", "framework", "jit 1st call", "time", "x/hand", "tutor/x", "GFLOP/s",
             "% peak", "tutor ahead"), framework_rows, "lrllrrrrrl")))
    else:
        print(f"\nno other framework to compare with ({'; '.join(notes)})")

    own = f"{chosen.name} products"
    print(f"\nthe matrix products alone (the network's, as tutor's kernel makes them, into arrays "
          f"made beforehand): the floor under any evaluation that multiplies with {chosen.name}'s "
          "BLAS, and the same products in PyTorch when it is compared:")
    product_rows = []
    for r in rows:
        t = r["times"]
        mine, theirs, torch_s = t[own], t.get("torch products"), t.get("torch eager")
        product_rows.append((
            r["name"], r["batch"], fmt_time(mine), f"{100 * mine / t['tutor']:.0f}%",
            fmt_time(theirs), f"{mine / theirs:.2f}x" if theirs else "-",
            f"{mine / torch_s:.2f}x" if torch_s else "-"))
    print("\n".join(table(
        ("network", "batch", chosen.name, "of tutor's time", "torch", f"{chosen.name}/torch",
         f"{chosen.name} products/torch eager"), product_rows, "lrrrrrr")))

    if chosen.name == "numpy":
        print("\npeak memory of one evaluation (tracemalloc, inputs excluded), and the minor page "
              "faults per call during the timing above (memory the allocator gave back to the "
              "system and had to map again):")
        print("\n".join(table(
            ("network", "batch", "tutor", "hand", "tutor/hand", "faults/call tutor", "hand"),
            [(r["name"], r["batch"], fmt_bytes(r["mem_tutor"]), fmt_bytes(r["mem_hand"]),
              f"{r['mem_tutor'] / r['mem_hand']:.2f}x",
              *(f"{r['faults'][who]:.0f}" if resource else "-" for who in ("tutor", "hand")))
             for r in rows], "lrrrrrr")))
    else:
        print("\npeak memory: not measured on the GPU (tracemalloc sees host memory only)")

    if fresh:
        print("\ntutor vs hand again, each network in a fresh process of its own (NumPy only, no "
              "PyTorch, nothing allocated before: the heap a short script starts with), the two "
              "taking turns in blocks of >= 0.1 s of back-to-back calls, 3 untimed calls first:")
        print("\n".join(table(
            ("network", "batch", "tutor", "hand", "tutor/hand", "faults/call tutor", "hand"),
            [(c.name, c.batch, fmt_time(f["tutor_s"]), fmt_time(f["hand_s"]),
              f"{f['tutor_s'] / f['hand_s']:.2f}x",
              *(f"{f[who]:.0f}" if resource else "-" for who in ("tutor_faults", "hand_faults")))
             for c in CONFIGS if (f := fresh.get(c.name))], "lrrrrrr")))

    big = [r for r in rows if r["batch"] >= 8192]
    if big:
        print("\nGPU throughput at batch >= 8192 "
              + (f"(% of {card[0]}'s {card[1] / 1e12:g} TFLOP/s {args.dtype} peak, NVIDIA data "
                 "sheet, no tensor cores):" if card else "(unknown card: peak not known):"))
        print("\n".join(table(
            ("network", "batch", "tutor TFLOP/s", "% card peak", "hand TFLOP/s", "% card peak"),
            [(r["name"], r["batch"]) + tuple(
                cell for who in ("tutor", "hand") for cell in (
                    f"{r['flops'] / r['times'][who] / 1e12:.2f}",
                    f"{100 * r['flops'] / r['times'][who] / card[1]:.1f}%" if card else "-"))
             for r in big], "lrrrrr")))

    print(f"\n{DEEP_LABEL} ({DEEP.name}, {deep['n_parameters']} parameters): derive+compile "
          f"{fmt_time(deep['compile_s'])}; one evaluation at batch {DEEP.batch} "
          f"{fmt_time(deep['eval_s'])}, agrees with the hand reference")
    print(f"{LARGEST.name}: tutor.gradcheck(kernel, theta, X, Y, mode='fast') at batch "
          f"{LARGEST.batch}: {fmt_time(check['seconds'])}, {check['rows']} directions, "
          f"{'all pass' if check['ok'] else 'SOME FAIL'}")

    print("\ntargets (issue 6):")
    print("\n".join(targets(rows, fresh, deep, check, chosen, args.dtype, card)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
