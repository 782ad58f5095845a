"""Lessons 8–10: SGD, back-propagation and classification show what they claim."""

import numpy

import tutor


def test_lesson_8_sgd_is_seeded_and_ends_near_ols_while_full_batch_converges(lesson):
    out, ns = lesson("08")
    run, again, other = ns["run"], ns["again"], ns["other"]
    # the same seed gives the same path, step for step; another seed another path
    assert len(run) == len(again) == len(other)
    assert all(numpy.array_equal(a.theta, b.theta) and numpy.array_equal(a.batch, b.batch)
               for a, b in zip(run, again, strict=True))
    assert not numpy.array_equal(run[0].batch, other[0].batch)
    assert not numpy.allclose(run[-1].theta, other[-1].theta)
    assert "seed 1 twice, every θ identical: True" in out
    # mini-batches of 20 from 200 rows: 10 updates per epoch, each row once per epoch
    first = [s for s in run if s.epoch == 1]
    assert len(first) == 10 and all(len(s.batch) == 20 for s in first)
    assert sorted(numpy.concatenate([s.batch for s in first]).tolist()) == list(range(200))
    # SGD ends near OLS, but not on it; full-batch gradient descent converges to it exactly
    theta_ols = ns["theta_ols"]
    for steps in (run, other):
        assert 1e-4 < numpy.linalg.norm(steps[-1].theta - theta_ols) < 0.05
    assert ns["gd_distance"][-1] < 1e-12
    assert ns["sgd_distance"][4] < ns["gd_distance"][4]  # ahead after 5 epochs
    assert isinstance(ns["stepper"], tutor.Session) and ns["stepper"].batch_size == 20


def test_lesson_8_exercise_check(lesson):
    _, ns = lesson("08")
    assert ns["check_batches"](30, 7, 20)
    assert not ns["check_batches"](30, 6, 30)


def test_lesson_9_derives_the_slide_and_checks_it_with_numbers(lesson):
    out, ns = lesson("09")
    assert "−2(y − h₂) · F₂′(" in out
    assert "· β₂^(1,1) · F₁′(α₁^(1) + β₁^(1,1)·x₁ + β₁^(1,2)·x₂) · x₂" in out
    assert "−2(y − h₂) · h₂·(1 − h₂) · β₂^(1,1) · h₁^(1)·(1 − h₁^(1)) · x₂" in out
    # the formula, a central finite difference, the kernel and the product by hand agree
    formula, fd, kernel, by_hand = (ns[k] for k in ("grad_formula", "grad_fd", "grad_kernel",
                                                     "by_hand"))
    assert abs(formula) > 1e-3
    assert abs(formula - fd) < 1e-8 and abs(formula - kernel) < 1e-12
    assert abs(formula - by_hand) < 1e-12
    assert "the formula and the finite difference agree to" in out
    report = ns["report"]
    assert report.ok and len(report.rows) == 9
    assert "back-propagation minus the chain rule simplifies to 0" in out
    assert "16,777,216" in out  # the roads from one first-layer weight of 2-64-64-64-64-64-1


def test_lesson_9_exercise_check(lesson):
    _, ns = lesson("09")
    y, h_1, h_2 = ns["y_sample"], ns["h_1"], ns["h_2"]
    answer = -2 * (y - h_2) * h_2 * (1 - h_2) * h_1[1]
    assert ns["check_gradient"]("beta_2^(1,2)", answer)
    assert not ns["check_gradient"]("beta_2^(1,2)", answer * 1.01)


def test_lesson_10_a_hidden_layer_separates_the_moons(lesson):
    out, ns = lesson("10")
    network, logistic = ns["accuracy_network"], ns["accuracy_logistic"]
    assert isinstance(network, float) and isinstance(logistic, float)
    assert 0 <= logistic < network <= 1
    assert network > 0.95 and logistic < 0.9
    # the logit fitted by gradient descent is the logit MLE
    assert numpy.allclose(ns["theta_logit"], ns["theta_mle"], atol=1e-4)
    assert "boundary" in out and "┌" in out and "\x1b[" not in out  # plain-text pictures
    stepper = ns["stepper"]
    assert isinstance(stepper, tutor.Session) and stepper.model is ns["net"]


def test_lesson_10_exercise_check(lesson):
    _, ns = lesson("10")
    assert ns["check_class"]((0.0, 0.3), 1)
    assert not ns["check_class"]((0.0, 0.3), 0)
