"""The kernel benchmark (``benchmarks/bench_kernels.py``) measures, it does not test; what it
compares must still be right. Its hand-written back-propagation has to give tutor's loss and
gradient, and its floor of matrix products has to be the products its FLOP count assumes."""

import importlib.util
import sys
from pathlib import Path

import numpy
import pytest

from tutor.backends import backend

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_kernels.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_kernels", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("index", range(4))
def test_the_hand_written_reference_agrees_with_tutor(bench, index, dtype):
    config = bench.Config(bench.CONFIGS[index].sizes, 16, bench.CONFIGS[index].output,
                          bench.CONFIGS[index].loss)
    (net, kernel), _ = bench.tutor_kernel(config, backend("numpy"), dtype, {})
    theta, X, Y = bench.problem(config, net, dtype)
    loss, grad = kernel(theta, X, Y)
    loss_h, grad_h = bench.hand_loss_and_gradient(numpy, theta, X, Y, config.sizes, config.softmax)
    assert bench.disagreement(float(loss), grad, float(loss_h), grad_h,
                              bench.TOLERANCE[dtype]) is None
    # and a wrong gradient would be caught: the check is not vacuous
    assert bench.disagreement(float(loss), grad * 1.01, float(loss_h), grad_h,
                              bench.TOLERANCE[dtype]) is not None


@pytest.mark.parametrize("config", [2, 3])
def test_the_products_floor_is_the_products_the_flop_count_assumes(bench, config):
    config = bench.Config(bench.CONFIGS[config].sizes, 8)
    floor = bench.products(config, backend("numpy"), "float64", [])[0]
    floor.call()
    assert floor.label == "numpy products"
    assert floor.flops == bench.matmul_flops(config.sizes, config.batch)
