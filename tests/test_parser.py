"""Reading typed formulas: what a learner may write, and what is refused, and why.

SymPy's own text readers pass the text to Python's eval, so a formula typed at the command line
could run any code. ``tutor.parser`` reads formulas with a whitelist instead: numbers, names,
+ - * / ^, parentheses and a few functions. Everything else is refused with a message that says
what is wrong, what would be accepted, and (with a caret) where.
"""

import re
import sys
import threading
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tutor.parser
from tutor.activations import activation
from tutor.losses import LOSSES
from tutor.notation import Symbol
from tutor.parser import ParseError, parse, parse_activation, parse_loss

a, b, c, x, y, z = (Symbol(name) for name in "abcxyz")
alpha, beta, yhat = Symbol("alpha"), Symbol("beta"), Symbol("yhat")
LOGISTIC = activation("logistic")


# --- what is accepted ------------------------------------------------------------------------

def test_a_regression_line_reads_as_the_slides_write_it():
    expr = parse("alpha + beta*x")
    assert expr == alpha + beta * x
    assert all(isinstance(s, Symbol) and s.is_real for s in expr.free_symbols)


@pytest.mark.parametrize("text, expected", [
    ("2^3^2", 512),               # powers group from the right: 2^(3^2)
    ("2**3**2", 512),             # ** is the same operator as ^
    ("-x^2", -(x**2)),            # a power binds tighter than a minus sign
    ("(-x)^2", x**2),
    ("a - b - c", (a - b) - c),   # minus groups from the left
    ("a / b / c", (a / b) / c),   # so does division
    ("a - (b - c)", a - b + c),
    ("1 + 2*3", 7),
    ("x^-1", 1 / x),
    ("2^-3^2", sympy.Rational(1, 512)),
    ("--x", x),
])
def test_precedence_and_associativity(text, expected):
    assert parse(text) == expected


def test_unicode_operators_and_greek_letters():
    assert parse("α + β·x") == parse("alpha + beta*x")
    assert parse("x × y ÷ z − 1") == x * y / z - 1
    assert parse("ŷ") == yhat == parse("y\u0302")        # ŷ, precomposed or with a combining hat
    assert parse("λ") == Symbol("lambda")                  # the word lambda is a Python keyword


def test_the_slides_formulas():
    assert parse("1/(1+exp(-z))") == 1 / (1 + sympy.exp(-z))
    assert parse("(y - yhat)^2") == (y - yhat) ** 2


def test_functions_from_the_whitelist_and_the_activation_table():
    assert parse("max(0, z)") == sympy.Max(0, z) == parse("relu(z)")
    assert parse("sigmoid(z)") == LOGISTIC.expr == parse("logistic(z)")
    assert parse("sigmoid(2*x)") == LOGISTIC(2 * x)      # the row with z replaced
    assert parse("ln(x)") == sympy.log(x) == parse("log(x)")
    assert parse("sqrt(abs(x)) + tanh(x) + min(x, 1)") == (
        sympy.sqrt(sympy.Abs(x)) + sympy.tanh(x) + sympy.Min(x, 1))
    assert parse("softplus(z)") == activation("softplus").expr
    assert parse("identity(z)") == z


def test_slide_names_with_indices():
    expr = parse("beta_1^(1,2)*x_2")
    assert expr == Symbol("beta_1^(1,2)") * Symbol("x_2")
    assert {s.name for s in expr.free_symbols} == {"beta_1^(1,2)", "x_2"}
    assert parse("alpha_2^(1)") == Symbol("alpha_2^(1)")
    # after _digits, ^(…) is part of the name; to square such a name, use parentheses
    assert parse("x_1^(2)") == Symbol("x_1^(2)")
    assert parse("(x_1)^2") == Symbol("x_1") ** 2
    assert parse("x^(2)") == x**2                          # no _digits: a power


def test_numbers():
    assert parse("3") == 3 and isinstance(parse("3"), sympy.Integer)
    assert isinstance(parse("0.1"), sympy.Float)            # decimals are floats, 1/10 is exact
    assert parse("1/10") == sympy.Rational(1, 10)
    assert parse("1e-3") == sympy.Float("0.001")
    assert parse(".5") == sympy.Float("0.5")
    assert parse("2.5E+4") == sympy.Float(25000)


def test_whitespace_is_ignored():
    assert parse("  alpha\t+ beta *   x ") == alpha + beta * x


def test_callers_may_choose_symbols_and_add_functions():
    plain = sympy.Symbol("x")
    assert parse("x + 1", symbols={"x": plain}) == plain + 1
    F = sympy.Function("F_1")
    assert parse("F_1(alpha + x)", functions={"F_1": F}) == F(alpha + x)


def test_an_activation_is_a_formula_in_one_variable():
    G = parse_activation("1/(1+exp(-t))")
    assert isinstance(G, sympy.Lambda) and G.variables == (Symbol("t"),)
    row = activation(G)                                     # the activation table accepts it
    for point in (-2, 0.5, 3):
        assert float(row.expr.subs(z, point)) == pytest.approx(float(LOGISTIC.expr.subs(z, point)))
    with pytest.raises(ParseError, match="one variable.*found 2 variables: x, y") as err:
        parse_activation("x + y")
    assert err.value.position == 4
    with pytest.raises(ParseError, match="found no variable"):
        parse_activation("3")


def test_a_loss_is_a_formula_in_y_and_yhat():
    assert parse_loss("(y - ŷ)^2") == LOSSES[0].term
    assert parse_loss("-(y*log(yhat) + (1-y)*log(1-yhat))") == LOSSES[1].term
    with pytest.raises(ParseError, match="'w' is neither") as err:
        parse_loss("(y - yhat)^2 + w")
    assert err.value.position == 15


# --- what is refused -------------------------------------------------------------------------

EVAL_CALL = "".join(["eval", '("1")'])  # spelled in pieces: no call of that name in this file

REFUSED = [  # (text, position of the offending character, a phrase of the message)
    ("__import__('os').getpid()", 0, "may not start with an underscore"),
    ("x.real", 1, "may only stand inside a number"),
    ("().__class__", 0, "empty parentheses"),
    ("lambda: 1", 0, "Python keywords are not formulas"),
    ("[x for x in y]", 0, "only round parentheses"),
    ("9**9**9", 3, "exponents must be numbers between -64 and 64"),
    ("2**10000", 3, "exponents must be numbers between -64 and 64"),
    ("x**y", 3, "'y' is not a number"),
    ("10^400", 3, "this one is 400"),
    ("(10^10)^40", 0, "more than 300 digits"),
    ("1e400", 0, "between 1e-300 and 1e300"),
    ("factorial(100)", 0, "unknown function 'factorial'"),
    ("x!", 1, "factorials are not supported"),
    ('"abc"', 0, "text in quotes"),
    ("a; b", 1, "one formula at a time"),
    ("a = 1", 2, "right-hand side"),
    ("2x", 1, "write 2*x"),
    ("x^2y", 3, "write 2*y"),
    ("(x + 1", 0, "unmatched '('"),
    ("x + 1)", 5, "unmatched ')'"),
    ("x +", 2, "stops after '+'"),
    ("", None, "empty"),
    ("x+" * 250 + "y", 500, "at most 500"),
    ("(" * 50 + "x" + ")" * 50, 40, "more than 40 levels"),
    ("1+" * 200 + "1", 400, "more than 400 tokens"),
    ("log(1, 2)", 0, "log takes exactly 1 argument, got 2"),
    ("exp()", 0, "exp takes exactly 1 argument, got 0"),
    ("max(1)", 0, "at least 2 arguments"),
    ('os.system("ls")', 2, "may only stand inside a number"),
    (EVAL_CALL, 0, "unknown function 'eval'"),
    ("import os", 0, "Python keywords are not formulas"),
    ("ａ", 0, "U+FF41 FULLWIDTH LATIN SMALL LETTER A"),      # look-alikes of a
    ("а + 1", 0, "U+0430 CYRILLIC SMALL LETTER A"),
    ("x²", 1, "write powers with ^"),
    ("x,y", 1, "separates the arguments of a function"),
    ("exp + 1", 0, "call it with parentheses"),
    ("1/0", 0, "divide by zero"),
    ("log(0)", 0, "log(0)"),
    ("x\ny", 1, "one line"),
    ("sigmoid(" * 12 + "z" + ")" * 12, 16, "nest fewer activations"),
    ("exp(x + 100000*log(2))", 0, "exp of a number beyond ±691"),  # SymPy would make 2**100000
    ("1e300*(x + 1e300)", 0, "more than 300 digits"),              # distributes to 1e600
]


@pytest.mark.parametrize("text, position, phrase", REFUSED)
def test_refused_with_a_pointed_message(text, position, phrase):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert err.value.position == position
    assert phrase in err.value.message
    assert err.value.text == text
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("text", ["x.real", "import os", "а", '"abc"'])
def test_messages_say_what_would_be_accepted(text):
    with pytest.raises(ParseError, match="only numbers, names, .* and the functions exp, log"):
        parse(text)


def test_the_caret_points_at_the_offending_part():
    with pytest.raises(ParseError) as err:
        parse("__import__('os').getpid()")
    message, text, caret = str(err.value).split("\n")
    assert message == err.value.message
    assert text == "  __import__('os').getpid()"
    assert caret == "  ^^^^^^^^^^"                          # under the whole name


def test_refusals_are_quick_and_run_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = ["__import__('pathlib').Path('CANARY').touch()", "open('CANARY', 'w')",
               "exec('open(1)')", *(text for text, _, _ in REFUSED)]
    for text in hostile:
        start = time.perf_counter()
        with pytest.raises(ParseError):
            parse(text)
        assert time.perf_counter() - start < 1.0, text
    assert not Path("CANARY").exists()


def test_sympy_gets_a_time_limit():
    # short, legal, and yet SymPy's automatic checks (is it real?) would run for minutes
    explosive = "sqrt(identity((-((((z)^(-1/3))+(z))^63)^64)^1.5))"
    for run in (lambda: parse(explosive, time_limit=0.2),
                lambda: _in_a_thread(parse, explosive, time_limit=0.2)):
        start = time.perf_counter()
        with pytest.raises(ParseError, match="SymPy needs more than 0.2 s"):
            run()
        assert time.perf_counter() - start < 1.0
    assert sys.getprofile() is None                        # the watchdog is gone again
    assert parse("alpha + beta*x") == alpha + beta * x


def _in_a_thread(fn, *args, **kwargs):
    outcome = []
    def target():
        try:
            outcome.append(fn(*args, **kwargs))
        except ParseError as err:
            outcome.append(err)
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(outcome[0], ParseError):
        raise outcome[0]
    return outcome[0]


def test_the_parser_never_hands_text_to_an_evaluator():
    source = Path(tutor.parser.__file__).read_text(encoding="utf-8")
    for name in ("sympify", "parse_expr", "eval", "exec", "compile", "literal_eval"):
        assert not re.search(rf"(?<![\w.]){name}\s*\(", source), name  # re.compile is fine


# --- properties ------------------------------------------------------------------------------

formula_characters = st.text(alphabet="0123456789.eE+-*/^(), xyzαŷ_", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), formula_characters))
def test_any_text_gives_an_expression_or_a_parse_error(text):
    try:
        result = parse(text)
    except ParseError:
        return
    assert isinstance(result, sympy.Expr)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(-3, 4)).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["exp", "tanh", "log", "-"]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children).map(lambda t: f"max({t[0]}, {t[1]})"),
    )


formulas = st.recursive(
    st.one_of(st.integers(0, 9).map(str), st.sampled_from(["x", "alpha", "x_2", "beta_1^(1,2)", "ŷ"])),
    _combine, max_leaves=10)
SYMPY_CONSTANTS = {"E": sympy.E, "I": sympy.I, "pi": sympy.pi}  # how SymPy prints exp(1), log(-1)


@settings(max_examples=200, deadline=None)
@given(formulas)
def test_generated_formulas_parse_and_survive_a_round_trip(text):
    try:
        expr = parse(text)
    except ParseError as err:
        # the only refusals allowed: undefined values (1/(x - x), log(0), 0^-1) and numbers
        # too large to compute with (exp(exp(7)) has 476 digits)
        assume("undefined" not in err.message and "digits" not in err.message)
        raise
    printed = sympy.sstr(expr)  # SymPy's printer: ** and *, names as typed, Max(…)
    assume(all(len(str(n.p)) <= 30 and len(str(n.q)) <= 30 for n in expr.atoms(sympy.Rational)))
    again = parse(printed, symbols=SYMPY_CONSTANTS)
    # the same tree, or the same value: SymPy re-associates −(x + 1)/x as (−x − 1)/x
    assert again == expr or sympy.expand(again - expr) == 0
