"""Benchmark tutor's compiled loss-and-gradient kernels against hand-written back-propagation.

Usage::

    python benchmarks/bench_kernels.py [--backend numpy|cupy] [--dtype float64|float32]
                                       [--repeat N] [--quick]

For each network below the script prints one row:

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
ratio
    tutor / hand: 1.0x means the generated kernel is as fast as the hand-written one.
GFLOP/s, % peak
    FLOPs of one evaluation counted from the matrix products only: 2·n·fan_in·fan_out per
    product, three products per layer (forward, ∂c/∂β, the delta passed down) except two for
    the first layer, which needs no input delta. Element-wise work (activations, the loss,
    bias sums) is ignored, so small networks show a tiny rate: they are bound by Python and
    NumPy call overhead, not arithmetic. The peak is measured in the same run as the median
    time of a 1024×1024 ``A @ B`` in the chosen dtype (2·1024³ FLOPs).

Timing method: ``time.perf_counter``; the two implementations take turns (tutor, hand,
tutor, hand, …) so that machine noise hits both alike; each sample runs enough inner calls to
last at least ~20 ms; the reported figure is the median over ``--repeat`` samples (default 15)
divided by the inner count. ``--quick`` uses 5 samples of ≥ 2 ms for a smoke run. With
``--backend cupy`` all arrays live on the GPU, the hand reference uses CuPy too, and the
device is synchronized before and after each sample.

At the end one line per target: ratio ≤ 1.5x for 2-2-1, 10-32-1 and 64-128-64-10, and
derive+compile of 64-128-64-10 under 2 s. The exit status is 0 whatever the numbers (this is a
measurement, not a test), 1 if the kernel disagrees with the reference, 2 if CuPy is missing.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy
import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import tutor  # noqa: E402
from tutor.backends import BackendError, backend  # noqa: E402


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
RATIO_BAR = {"2-2-1": 1.5, "10-32-1": 1.5, "64-128-64-10": 1.5}
COMPILE_BAR = {"64-128-64-10": 2.0}
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}


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


def matmul_flops(sizes, batch) -> int:
    """2·n·fan_in·fan_out per product; 3 products per layer, 2 for the first."""
    total = 0
    for l, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        total += (2 if l == 0 else 3) * 2 * batch * fan_in * width
    return total


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


def interleaved_medians(fns, sync, samples, target_s):
    """Median seconds per call of each function, the functions taking turns sample by sample."""
    counts = [calls_per_sample(fn, sync, target_s) for fn in fns]
    times = [[] for _ in fns]
    for _ in range(samples):
        for fn, count, out in zip(fns, counts, times, strict=True):
            sync()
            start = time.perf_counter()
            for _ in range(count):
                fn()
            sync()
            out.append((time.perf_counter() - start) / count)
    return [statistics.median(t) for t in times]


def matmul_peak(xp, dtype, sync, samples, target_s):
    """FLOP/s of a 1024×1024 ``A @ B`` in ``dtype`` (median over samples)."""
    rng = numpy.random.default_rng(1)
    A = xp.asarray(rng.standard_normal((1024, 1024)), dtype=dtype)
    B = xp.asarray(rng.standard_normal((1024, 1024)), dtype=dtype)
    (seconds,) = interleaved_medians([lambda: A @ B], sync, samples, target_s)
    return 2 * 1024**3 / seconds


# -- one configuration ------------------------------------------------------------------------
def problem(config, net, xp, dtype):
    """Seeded θ (random biases too, so every gradient entry is exercised), X and Y."""
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
    return tuple(xp.asarray(a, dtype=dtype) for a in (theta, X, Y))


def check_agreement(config, kernel_out, hand_out, backend, tol):
    to_numpy = backend.to_numpy
    loss_k, loss_h = float(kernel_out[0]), float(hand_out[0])
    grad_k, grad_h = to_numpy(kernel_out[1]), to_numpy(hand_out[1])
    scale = float(numpy.max(numpy.abs(grad_h)))
    loss_ok = abs(loss_k - loss_h) <= tol * abs(loss_h)
    grad_ok = numpy.allclose(grad_k, grad_h, rtol=tol, atol=tol * scale)
    if not (loss_ok and grad_ok):
        worst = float(numpy.max(numpy.abs(grad_k - grad_h))) / scale
        sys.exit(
            f"{config.name}: tutor's kernel disagrees with the hand-written back-propagation "
            f"(loss {loss_k!r} vs {loss_h!r}; largest gradient difference {worst:.2e} of "
            f"max|grad|, tolerance {tol:g})"
        )


def run_config(config, backend, dtype, samples, target_s, peak):
    xp = backend.xp
    sync = make_sync(xp)
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    net = tutor.mlp(list(config.sizes), "logistic", config.output, config.loss)
    kernel = net.compile(backend=backend.name, dtype=dtype)
    compile_s = time.perf_counter() - start

    theta, X, Y = problem(config, net, xp, backend.dtype(dtype))

    def tutor_call():
        return kernel(theta, X, Y)

    def hand_call():
        return hand_loss_and_gradient(xp, theta, X, Y, config.sizes, config.softmax)

    check_agreement(config, tutor_call(), hand_call(), backend, TOLERANCE[dtype])
    tutor_s, hand_s = interleaved_medians([tutor_call, hand_call], sync, samples, target_s)
    rate = matmul_flops(config.sizes, config.batch) / tutor_s
    return {
        "name": config.name,
        "batch": config.batch,
        "compile_s": compile_s,
        "tutor_s": tutor_s,
        "hand_s": hand_s,
        "ratio": tutor_s / hand_s,
        "gflops": rate / 1e9,
        "peak_pct": 100 * rate / peak,
    }


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


def header(backend, dtype, samples, target_s) -> list[str]:
    threads = [f"{k}={os.environ[k]}" for k in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ]
    lines = [
        f"tutor kernel benchmark: backend {backend.name}, dtype {dtype}, {samples} samples "
        f"of >= {target_s * 1e3:.0f} ms, medians",
        f"python {platform.python_version()}, numpy {numpy.__version__} (BLAS: {blas_name()}), "
        f"sympy {sympy.__version__}",
        f"cpu: {cpu_model()}, {os.cpu_count()} logical CPUs, threads: "
        f"{', '.join(threads) or 'no *_NUM_THREADS set'}",
    ]
    if backend.name == "cupy":
        xp = backend.xp
        props = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
        lines.append(f"gpu: {props['name'].decode()}, cupy {xp.__version__}")
    return lines


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--repeat", type=int, default=None, help="timing samples (default 15)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (< 20 s)")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    samples = args.repeat or (5 if args.quick else 15)
    target_s = 0.002 if args.quick else 0.02

    try:
        chosen = backend(args.backend)
    except BackendError as error:
        print(f"cannot benchmark the {args.backend} backend: {error}", file=sys.stderr)
        return 2

    print("\n".join(header(chosen, args.dtype, samples, target_s)))
    sync = make_sync(chosen.xp)
    peak = matmul_peak(chosen.xp, chosen.dtype(args.dtype), sync, samples, target_s)
    print(f"matmul peak: {peak / 1e9:.1f} GFLOP/s (1024x1024 A @ B, {args.dtype})")
    print("FLOPs count matrix products only (2*n*fan_in*fan_out each; 3 per layer, 2 for the "
          "first); element-wise work is ignored")
    print()
    columns = (f"{'network':<16} {'batch':>5} {'derive+compile':>14} {'tutor':>11} {'hand':>11} "
               f"{'ratio':>6} {'GFLOP/s':>8} {'% peak':>7}")
    print(columns)
    print("-" * len(columns))
    rows = []
    for config in CONFIGS:
        row = run_config(config, chosen, args.dtype, samples, target_s, peak)
        rows.append(row)
        print(f"{row['name']:<16} {row['batch']:>5} {fmt_time(row['compile_s']):>14} "
              f"{fmt_time(row['tutor_s']):>11} {fmt_time(row['hand_s']):>11} "
              f"{row['ratio']:>5.2f}x {row['gflops']:>8.2f} {row['peak_pct']:>6.1f}%", flush=True)

    print()
    by_name = {row["name"]: row for row in rows}
    for name, bar in RATIO_BAR.items():
        ratio = by_name[name]["ratio"]
        print(f"{name}: ratio {ratio:.2f}x (bar {bar}x) {'PASS' if ratio <= bar else 'FAIL'}")
    for name, bar in COMPILE_BAR.items():
        seconds = by_name[name]["compile_s"]
        print(f"{name}: derive+compile {seconds:.2f} s (bar {bar} s) "
              f"{'PASS' if seconds < bar else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
