"""Lessons 4 to 6 show what they claim: counts, the forward pass, the collapse, approximation."""

import numpy

import tutor


def test_lesson_4_counts_parameters_two_ways_and_does_a_forward_pass_by_hand(lesson):
    out, namespace = lesson("04")
    counts = namespace["counts"]
    assert len(counts) >= 5
    for sizes, symbols, formula in counts:
        assert symbols == formula == tutor.mlp(sizes).n_parameters
        assert formula == sum(n * (1 + below) for below, n in zip(sizes[:-1], sizes[1:], strict=True))
    assert "DISAGREE" not in out and "2·(1 + 2) + 1·(1 + 2) = 9" in out

    # the hand-written forward pass, redone here from the lesson's θ and X
    net, theta, X = namespace["network"], namespace["theta"], namespace["X"]
    h = X
    for layer, (alpha, beta) in zip(net.layers, net.unpack(theta), strict=True):
        z = alpha + h @ beta.T
        h = 1 / (1 + numpy.exp(-z)) if layer.activation.name == "logistic" else z
    compiled = net.compile().predict(theta, X)
    assert namespace["hand_matches"]
    numpy.testing.assert_allclose(namespace["by_hand"], compiled, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(h, compiled, rtol=1e-12, atol=1e-12)
    # each hidden neuron is a logistic regression on the inputs
    logit = tutor.logistic_regression(X.shape[1]).compile()
    alpha_1, beta_1 = net.unpack(theta)[0]
    for j in range(net.sizes[1]):
        p = logit.predict(numpy.concatenate([[alpha_1[j]], beta_1[j]]), X)
        numpy.testing.assert_allclose(p, namespace["H"][:, j], rtol=1e-12, atol=1e-14)

    check = namespace["check_count"]
    assert check(tutor.mlp([5, 8, 4, 3]).n_parameters) is True
    assert check(84) is False and "not quite" in out


def test_lesson_5_collapses_the_linear_network_and_not_the_nonlinear_one(lesson):
    out, namespace = lesson("05")
    linear, nonlinear = namespace["linear_collapse"], namespace["nonlinear_collapse"]
    assert linear.collapses is True and nonlinear.collapses is False
    assert linear == tutor.collapse(tutor.mlp([2, 2, 1], activation="identity", output="logistic"))
    assert "not linear" in nonlinear.reason and nonlinear.reason in out
    numpy.testing.assert_allclose(namespace["network_output"], namespace["collapsed_output"],
                                  rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(namespace["deep_output"], namespace["deep_merged"],
                                  rtol=1e-10, atol=1e-12)
    assert namespace["deep_collapse"].collapses is True
    assert namespace["affine_collapse"].collapses is True

    z = namespace["z"]
    check = namespace["check_collapses"]
    assert check(namespace["sympy"].Lambda(z, 3 - z / 2), True) is True
    assert check("softplus", False) is True
    assert check(namespace["sympy"].Lambda(z, z**2), True) is False


def test_lesson_6_largest_error_falls_as_the_hidden_layer_widens(lesson):
    out, namespace = lesson("06")
    widths, errors = namespace["widths"], namespace["sup_errors"]
    assert widths == [1, 2, 4, 8, 16] and len(errors) == len(widths)
    assert all(later < earlier for earlier, later in zip(errors[:-1], errors[1:], strict=True)), errors
    assert errors[-1] < errors[0] / 2
    # the sup errors are what the fits give on the grid
    grid, truth = namespace["grid"], namespace["truth"]
    theta, kernel = namespace["fitted"][widths[-1]]
    assert numpy.max(numpy.abs(kernel.predict(theta, grid) - truth)) == errors[-1]
    assert f"{errors[-1]:.4f}" in out and "sin x (target)" in out

    check = namespace["check_step"]
    assert check([0.0, 5.0, 0.0, 1.0]) is True
    assert check([0.0, 1.0, 0.0, 1.0]) is False
