"""Lessons 11 (vanishing and exploding gradients) and 12 (compute) show what they claim."""

import math
import re

import sympy


def test_lesson_11_logistic_gradients_vanish_towards_the_first_layer(lesson):
    out, namespace = lesson("11")
    norms = namespace["logistic_norms"]  # first layer first, output layer last
    assert len(norms) >= 9  # a deep network: at least 8 hidden layers
    assert all(math.isfinite(n) and n > 0 for n in norms)
    assert norms[0] * 10 < norms[-1]  # much smaller at the bottom …
    assert norms[0] * 1e4 < norms[-1]  # … by orders of magnitude at this depth
    # geometric decay: every layer's gradient is larger than the one below it
    assert all(below < above for below, above in zip(norms[:-1], norms[1:], strict=True))
    assert "the output layer's gradient is" in out


def test_lesson_11_the_logistic_slope_is_at_most_a_quarter(lesson):
    out, namespace = lesson("11")
    assert namespace["max_logistic_slope"] == sympy.Rational(1, 4)
    assert "G″(z) = 0 at z = 0" in out and "G′(0) = 1/4" in out


def test_lesson_11_tanh_and_relu_stay_balanced_and_large_scales_explode(lesson):
    _, namespace = lesson("11")
    verdict = namespace["verdict"]
    assert verdict("tanh", 1.0)[2] == "balanced"
    assert verdict("relu", 2**0.5)[2] == "balanced"
    assert verdict("relu", 4.0)[2] == "exploding"
    assert verdict("logistic", 1.0)[2] == "vanishing"
    assert namespace["check_scale"](2**0.5) is True
    assert namespace["check_scale"](1.0) is False


def test_lesson_12_measures_positive_rates_and_prints_percentages(lesson):
    out, namespace = lesson("12")
    gflops, peak = namespace["gflops"], namespace["peak_gflops"]
    assert peak > 0 and math.isfinite(peak)
    assert len(gflops) >= 3 and all(rate > 0 and math.isfinite(rate) for rate in gflops.values())
    assert set(namespace["percent_of_peak"]) == set(gflops)
    for name in gflops:  # one table row per network, ending in its percentage of the peak
        assert re.search(rf"^{re.escape(name)} .*\d%$", out, flags=re.MULTILINE), name
    assert "peak ≈" in out and "GFLOP/s" in out
    # the slides' figures are quoted, and labelled as such
    assert "quoted from the slides" in out and "52%" in out and "44%" in out


def test_lesson_12_counts_flops_and_checks_the_exercise(lesson):
    _, namespace = lesson("12")
    flops = namespace["flops"]
    assert flops((2, 2, 1), 64) == 2 * 2 * 64 * 2 * 2 + 3 * 2 * 64 * 2 * 1
    answer = 2 * 2 * 1024 * 784 * 256 + 3 * 2 * 1024 * (256 * 128 + 128 * 10)
    assert flops((784, 256, 128, 10), 1024) == answer
    assert namespace["check_flops"](answer) is True
    assert namespace["check_flops"](answer + 1) is False
