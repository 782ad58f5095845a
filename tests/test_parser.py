"""Reading typed formulas: what a learner may write, and what is refused, and why.

SymPy's own text readers pass the text to Python's eval, so a formula typed at the command line
could run any code. ``tutor.parser`` reads formulas with a whitelist instead: numbers, names,
+ - * / ^, parentheses and a few functions. Everything else is refused with a message that says
what is wrong, what would be accepted, and (with a caret) where.

Besides the examples, a corpus of hostile input (imports, dunders, lambdas, comprehensions,
huge powers and numbers, deep nesting, megabytes of input, look-alike and invisible characters)
and thousands of random strings and expression trees check that every outcome is an expression
or a ParseError with a message, within a time bound, that valid formulas survive printing and
reading back, and (with a canary) that nothing typed is ever run. The counts go into the
robustness figures; ``python -m pytest -m fuzz`` runs the same hunts with 100,000 and more.
"""

import builtins
import cmath
import gc
import os
import random
import re
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
import sympy
from figures import tally
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tutor.parser
import tutor.parser.lexer
import tutor.parser.watchdog
from tutor.activations import activation
from tutor.losses import LOSSES
from tutor.notation import GREEK, Symbol, latex, unicode
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


def test_greek_letters_print_as_they_are_typed():
    assert unicode(parse("ω*x + τ")) == "τ + ω·x"
    assert (latex(parse("ε")), latex(parse("ο")), latex(parse("ŷ"))) == (r"\varepsilon", "o", r"\hat{y}")
    typed = {char for letter in GREEK.values() for char in letter.char + letter.variants}
    assert typed >= {chr(code) for code in range(ord("α"), ord("ω") + 1)} | set("ϵϑϕµŷ")


@pytest.mark.parametrize("name", list(GREEK))
def test_every_greek_letter_reads_prints_and_reads_back(name):
    letter = GREEK[name]
    expr = parse(letter.char)
    assert expr == Symbol(name)
    assert (unicode(expr), latex(expr)) == (letter.char, letter.latex)
    assert parse(_typed_back(expr)) == expr                # str() is the name (λ stays λ)
    for variant in letter.variants:                        # ϵ ϑ ϕ µ ς: the same letters
        assert parse(variant) == expr


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
    assert parse("1e300") == sympy.Float("1e300", 15)      # double precision, not 301 digits
    assert str(parse("tanh(1e300)")) == "1.00000000000000"
    assert parse("1" + "0" * 40) == 10**40                  # integers as long as 1e300 allows


@pytest.mark.parametrize("text", [
    "9^64", "(1/3)^64", "2^-64", "tanh(1e300)", "1e300*x", "0.1234567890123456789012345678*x",
    "sqrt(2)^3", "(x^8)^8", "x^40*x^24", "exp(1)*x", "sqrt(-x)*x", "λ*x_2 + beta_1^(1,2)",
    "max(x, 1)/min(y, 2)", "relu(z) + softplus(z) + sigmoid(z)", "abs(x)^0.5", "1e-300",
    "x^sqrt(2)", "(exp(y) + 1)^(16*exp(-3))", "sigmoid(-softplus(log(-softplus(y)) + log(2^4) - 3))",
])
def test_what_parse_returns_prints_as_a_formula_it_reads_back(text):
    expr = parse(text)
    printed = _typed_back(expr)
    assert parse(printed, symbols=SYMPY_CONSTANTS) == expr, printed


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
    ("x^exp(5)", 2, "this one is 148.413"),
    ("x^sqrt(-1)", 2, "'sqrt(-1)' is not a real number"),
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
    ("x^64*x^64", 0, "makes the power x**128"),                    # exponents added up
    ("abs(sqrt(-sqrt(y)))", 0, "makes SymPy write atan2, cos, sin"),
    ("1." + "0" * 30, 0, "at most 30 significant digits"),
    ("ｅxp(x)", 0, "it looks like 'e' but is another character"),
    ("x\u200b", 1, "invisible formatting character"),
    ("lοg(x)", 0, "unknown function 'lοg' (read as 'lomicrong')"),  # a Greek omicron
    ("65848^-643**-3", 0, "takes a root of degree 265,847,707"),  # hours of C, past the watchdog
    ("exp(-690)*exp(-690)", 0, "makes exp(-1380)"),              # exp(-1380) would not read back
    ("sqrt(-1)", 0, "'sqrt(-1)' is not a real number: formulas are real-valued (SymPy makes it I)"),
    ("a*x + sqrt(-1)", 6, "'sqrt(-1)' is not a real number"),   # the kernels kept the real part
    ("log(-2)", 0, "real-valued (SymPy makes it log(2) + I*pi); a logarithm needs a number > 0"),
    ("(-8)^(1/3)", 0, "real-valued (SymPy makes it 2*(-1)**(1/3)); a fractional power needs"),
    ("(-1)^0.5", 0, "'(-1)^0.5' is not a real number"),
    ("exp(log(-1))", 4, "'log(-1)' is not a real number"),      # SymPy would make exp(I*pi) = -1
    ("(-2)^(1/2)*x", 0, "'(-2)^(1/2)' is not a real number"),
    ("max(sqrt(-1), 1)", 4, "'sqrt(-1)' is not a real number"),  # SymPy would make Max(1, I)
    ("sqrt(-x^2)", 0, "makes SymPy write I*Abs(x), and I is not a real number"),
    ("(-x^2)^(1/3)", 0, "and (-1)**(1/3) is not a real number"),
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


def test_refusals_are_quick_and_run_nothing(canary):
    hostile = [*canary, "exec('open(1)')", *(text for text, _, _ in REFUSED)]
    for text in hostile:
        start = time.perf_counter()
        with pytest.raises(ParseError):
            parse(text)
        assert time.perf_counter() - start < 1.0, text
    tally("hostile inputs refused", len(hostile))


def test_the_watchdog_stops_sympy_and_leaves_other_callbacks_alone():
    # The garbage collector and weak references run other libraries' callbacks (hypothesis has
    # one) in the middle of SymPy's work; an exception raised there would be lost, and with it
    # the watchdog, which Python drops once it has raised.
    watchdog = tutor.parser.watchdog.hook(0.0)

    def frame_in(module):
        return types.SimpleNamespace(f_code=(lambda: None).__code__.replace(co_filename=module.__file__))
    watchdog(frame_in(st), "call", None)                      # hypothesis: left alone
    watchdog(frame_in(threading), "call", None)               # the standard library too
    with pytest.raises(tutor.parser.watchdog.OutOfTime):
        watchdog(frame_in(sympy.core.power), "call", None)
    calls, threshold = [], gc.get_threshold()
    gc.callbacks.append(lambda *args: calls.append(args))
    gc.set_threshold(50)  # collect often: on a busy machine 0.2 s may see no collection at all
    try:
        with pytest.raises(ParseError, match="SymPy needs more than 0.2 s"):
            parse("tanh(sqrt(" * 5 + "x" + "))" * 5, time_limit=0.2)
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.pop()
    assert calls and sys.getprofile() is None


def test_sympy_gets_a_time_limit():
    # short, legal, and yet SymPy's automatic checks (is it real?) would run for minutes
    explosive = "tanh(sqrt(" * 5 + "x" + "))" * 5
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
    modules = sorted(Path(tutor.parser.__file__).parent.glob("*.py"))  # the whole package
    assert {m.name for m in modules} >= {"__init__.py", "lexer.py", "grammar.py", "bounds.py"}
    for module in modules:
        source = module.read_text(encoding="utf-8")
        for name in ("sympify", "parse_expr", "eval", "exec", "compile", "literal_eval"):
            assert not re.search(rf"(?<![\w.]){name}\s*\(", source), (module.name, name)  # re.compile is fine


# --- the canary: proof that typed text never runs --------------------------------------------
# Payloads that, if any reader ever ran them, would call a counting builtin, import a module
# that leaves a file behind, or write that file directly. The fixture checks all three after
# the test; test_the_canary_is_live shows that SymPy's own reader does trip it.

CANARY_FILE, CANARY_MODULE = "CANARY", "tutor_canary_module"
CANARY_PAYLOADS = [
    "__import__('pathlib').Path('CANARY').touch()", "open('CANARY', 'w')",
    f"__import__('{CANARY_MODULE}')", f"__import__('{CANARY_MODULE}').x", f"import {CANARY_MODULE}",
    f"from {CANARY_MODULE} import x", "tutor_canary()", "tutor_canary() + 1", "x*tutor_canary()",
    "(lambda: tutor_canary())()", "[tutor_canary() for _ in 'ab']", "(tutor_canary() for _ in 'ab')",
    "{tutor_canary() for _ in 'ab'}", "x.__class__.__init__.__globals__['tutor_canary']()",
    "().__class__.__base__.__subclasses__()", "exec('tutor_canary()')", "x if tutor_canary() else y",
    "getattr(__builtins__, 'tutor_canary')()", "".join(["eval", "('tutor_canary()')"]),
]


@pytest.fixture
def canary(tmp_path, monkeypatch):
    """Set the tripwires, hand the test the payloads, and check afterwards that none was run."""
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(builtins, "tutor_canary", lambda *args: calls.append(args) or 1,
                        raising=False)
    (tmp_path / f"{CANARY_MODULE}.py").write_text(
        f"open({str(tmp_path / CANARY_FILE)!r}, 'w').close()\nx = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield CANARY_PAYLOADS
    assert calls == [], "typed text was run: the canary function was called"
    assert not (tmp_path / CANARY_FILE).exists(), "typed text was run: the canary file exists"
    assert CANARY_MODULE not in sys.modules, "typed text was run: the canary module was imported"


def test_the_canary_is_live(tmp_path, monkeypatch):
    # the tripwire works: SymPy's reader, which evaluates its text, imports the module
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"{CANARY_MODULE}.py").write_text("open('CANARY', 'w').close()\nx = 1\n",
                                                  encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert sympy.sympify(f"__import__('{CANARY_MODULE}').x") == 1
        assert (tmp_path / CANARY_FILE).exists()
    finally:
        sys.modules.pop(CANARY_MODULE, None)


# --- hostile input -------------------------------------------------------------------------
# Each category of attack and accident, with a phrase its message must contain: what is wrong,
# and in most messages also what is allowed. Each is read twice: with the default limits, and
# with the length and nesting limits opened wide, so that the defences behind them are tried too.

MB = 1_000_000
HOSTILE = [  # (category, text, phrase, phrase with wide limits: None the same, False accepted)
    ("import", "import os", "Python keywords are not formulas", None),
    ("import", "__import__('os').system('ls')", "may not start with an underscore", None),
    ("import", "from os import system", "Python keywords are not formulas", None),
    ("import", "os.system('ls')", "may only stand inside a number", None),
    ("dunder", "().__class__.__bases__[0].__subclasses__()", "empty parentheses", None),
    ("dunder", "x.__class__", "may only stand inside a number", None),
    ("dunder", "__class__", "may not start with an underscore", None),
    ("dunder", "x__globals__", "contain a double underscore", None),
    ("dunder", "getattr(x, '__dict__')", "unknown function 'getattr'", None),
    ("lambda", "lambda: 1", "Python keywords are not formulas", None),
    ("lambda", "lambda x: x**2", "for the Greek letter, type λ", None),
    ("lambda", "(lambda: 0)()", "Python keywords are not formulas", None),
    ("comprehension", "[x for x in range(10)]", "only round parentheses", None),
    ("comprehension", "(x for x in range(10))", "Python keywords are not formulas", None),
    ("comprehension", "sum(i for i in range(10**9))", "unknown function 'sum'", None),
    ("comprehension", "{x: 1 for x in y}", "only round parentheses", None),
    ("code", "".join(["eval", "('1')"]), "unknown function 'eval'", None),
    ("code", "exec('import os')", "unknown function 'exec'", None),
    ("code", "open('CANARY', 'w')", "unknown function 'open'", None),
    ("code", "x if y else z", "'if' is a Python keyword", None),
    ("code", "x; y", "one formula at a time", None),
    ("code", "y = 2*x", "right-hand side", None),
    ("code", "x @ y", "'@' (U+0040 COMMERCIAL AT) is not allowed", None),
    ("code", "x // y", "found '/'", None),
    ("code", "0x1F", "missing operator between '0' and 'x1F'", None),
    ("code", "1j", "missing operator between '1' and 'j'", None),
    ("huge power", "9**9**9", "exponents must be numbers between -64 and 64", None),
    ("huge power", "10**10**10", "this one is 10000000000", None),
    ("huge power", "2**99999999", "this one is 99999999", None),
    ("huge power", "(2^64)^64", "more than 300 digits", None),
    ("huge power", "x^64*x^64", "makes the power x**128", None),
    ("huge power", "((x^8)^8)^8", "makes the power x**512", None),
    ("huge power", "exp(10^10)", "exp of a number beyond ±691", None),
    ("huge power", "exp(exp(exp(10)))", "exp of a number beyond ±691", None),
    ("huge power", "exp(-690)^64", "makes exp(-44160)", None),
    ("fine root", "65848^-643**-3", "takes a root of degree 265,847,707 of 65848", None),
    ("fine root", "exp(-log(65848)/265847707)", "takes a root of degree 265,847,707", None),
    ("fine root", "sigmoid(log(1/65848)/265847707)", "takes a root of degree 265,847,707", None),
    ("fine root", "12^(-3/1021)", "SymPy writes '12^(-3/1021)' with a number of 791 digits", None),
    ("fine root", "65848^(1/1009)*65848^(1/1013)*65848^(1/1019)*65848^(1/1021)",
     "takes a root of degree about 10^12 of 65848", None),
    ("factorial", "factorial(10**8)", "unknown function 'factorial'", None),
    ("factorial", "1000000!", "factorials are not supported", None),
    ("factorial", "gamma(10**8)", "unknown function 'gamma'", None),
    ("huge number", "1" + "0" * 100_000, "at most 500 are allowed",
     "numbers must lie between 1e-300 and 1e300 in size; this one is written with 100001 digits"),
    ("huge number", "1e999", "numbers must lie between 1e-300 and 1e300", None),
    ("huge number", "1e-999", "numbers must lie between 1e-300 and 1e300", None),
    ("huge number", "1e" + "9" * 5000, "at most 500 are allowed",
     "numbers must lie between 1e-300 and 1e300 in size; this one is written with 5001 digits"),
    ("huge number", "1." + "5" * 40, "at most 30 significant digits", None),
    ("huge number", "0." + "0" * 400 + "1", "numbers must lie between 1e-300 and 1e300", None),
    ("huge number", "1e300*1e300", "more than 300 digits", None),
    ("deep nesting", "(" * 10_000 + "x" + ")" * 10_000, "at most 500 are allowed",
     "nests too deeply for Python's call stack"),
    ("deep nesting", "exp(" * 10_000 + "x" + ")" * 10_000, "at most 500 are allowed",
     "nests too deeply for Python's call stack"),
    ("deep nesting", "-" * 10_000 + "x", "at most 500 are allowed", "more than 400 tokens"),
    ("deep nesting", "(" * 41 + "x" + ")" * 41, "more than 40 levels", False),
    ("deep nesting", "sigmoid(" * 12 + "z" + ")" * 12, "nest fewer activations", None),
    ("long input", "x+" * (MB // 2) + "x", "at most 500 are allowed", "more than 400 tokens"),
    ("long input", "9" * MB, "at most 500 are allowed", "this one is written with 1000000 digits"),
    ("long input", "a" * MB, "at most 500 are allowed", "names have at most 40 characters"),
    ("long input", "(" * MB, "at most 500 are allowed", "nests too deeply for Python's call stack"),
    ("long input", " " * MB + "!", "at most 500 are allowed", "factorials are not supported"),
    ("slow for SymPy", "tanh(sqrt(" * 5 + "x" + "))" * 5, "SymPy needs more than 1.0 s", False),
    ("unicode look-alike", "ｅｘｐ(x)", "U+FF45 FULLWIDTH LATIN SMALL LETTER E", None),
    ("unicode look-alike", "\u0435xp(x)", "CYRILLIC SMALL LETTER IE) is not allowed: it looks like 'e'",
     None),
    ("unicode look-alike", "\U0001d465 + 1", "MATHEMATICAL ITALIC SMALL X) is not allowed: it looks "
     "like 'x'", None),
    ("unicode look-alike", "ℯ^x", "U+212F SCRIPT SMALL E", None),
    ("unicode look-alike", "Α + x", "GREEK CAPITAL LETTER ALPHA) is not allowed: it looks like 'A'", None),
    ("unicode look-alike", "x ＋ 1", "it looks like '+'", None),
    ("unicode look-alike", "x∗y", "U+2217 ASTERISK OPERATOR", None),
    ("unicode look-alike", "½*x", "write numbers with the digits 0-9", None),
    ("unicode look-alike", "x²", "write powers with ^", None),
    ("unicode look-alike", "x₁", "write indices with _", None),
    ("invisible", "x\u200b+1", "U+200B ZERO WIDTH SPACE) is not allowed: it is an invisible", None),
    ("invisible", "\ufeffx", "U+FEFF ZERO WIDTH NO-BREAK SPACE", None),
    ("invisible", "x\u202e+1", "U+202E RIGHT-TO-LEFT OVERRIDE) is not allowed: it is an invisible", None),
    ("invisible", "x\u2066+1\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE", None),
    ("control character", "x\x00+1", "U+0000) is not allowed: it is a control character", None),
    ("control character", "x\x1b[2J", "U+001B) is not allowed: it is a control character", None),
    ("control character", "x\r+1", "a formula is one line", None),
    ("control character", "x\n+1", "a formula is one line", None),
    ("control character", "x\u00a0+1", "only plain spaces may separate tokens", None),
    ("control character", "x\x0b+1", "only plain spaces may separate tokens", None),
    ("complex", "abs(sqrt(-sqrt(y)))", "makes SymPy write atan2, cos, sin", None),
    ("complex", "sqrt(-1)", "is not a real number: formulas are real-valued", None),
    ("complex", "ln(-0.5)*x", "is not a real number: formulas are real-valued", None),
    ("complex", "(-2)^0.3 + x", "is not a real number: formulas are real-valued", None),
    ("complex", "(-2)^sqrt(2)", "is not a real number: formulas are real-valued", None),
    ("complex", "sqrt(1 - sqrt(2))", "is not a real number: formulas are real-valued", None),
    ("complex", "sqrt(-exp(x))", "makes SymPy write I*exp(x/2)", None),
    ("undefined", "1/(x - x)", "undefined", None),
    ("undefined", "log(0)", "undefined", None),
]
WIDE = {"max_length": 2 * MB, "max_depth": 10**6}  # the limits opened wide
# formulas in names that are real for some values of the names, so accepted (and left to the
# kernels' checks): only number-valued parts that are not real are refused
REAL_FOR_SOME_INPUTS = ["log(x)", "sqrt(-x)", "x^(1/3)", "(-x)^0.5", "log(-x) + sqrt(1 - x^2)",
                        "sqrt(-sqrt(y))", "abs(sqrt(-1 + 2))", "exp(log(2))*x", "(-8)^2*x", "(-2)^2.0"]
# harmless and meaningful, so accepted: tabs are whitespace, Greek letters are the slides' own
ACCEPTED_UNICODE = [("x\t+\t1", x + 1), ("α + β·x", alpha + beta * x), ("ŷ − y", yhat - y),
                    ("λ*x", Symbol("lambda") * x), ("θ", Symbol("theta"))]


def _check_refusal(text, phrase, **limits):
    start = time.perf_counter()
    with pytest.raises(ParseError) as err:
        parse(text, **limits)
    assert time.perf_counter() - start < TIME_BOUND, text[:80]
    assert phrase in err.value.message, (text[:80], err.value.message)
    assert _error_problem(err.value, text) is None, (text[:80], _error_problem(err.value, text))


@pytest.mark.parametrize("category, text, phrase, wide_phrase", HOSTILE,
                         ids=[f"{c}-{i}" for i, (c, *_) in enumerate(HOSTILE)])
def test_hostile_input_is_refused_with_a_useful_message(canary, category, text, phrase, wide_phrase):
    try:
        _check_refusal(text, phrase)
        if wide_phrase is not False:
            _check_refusal(text, wide_phrase or phrase, **WIDE)
    except BaseException:
        tally("hostile inputs refused", 1, failures=1)
        raise
    tally("hostile inputs refused", 1 if wide_phrase is False else 2)


def test_the_hostile_corpus_covers_every_category():
    assert {category for category, *_ in HOSTILE} >= {
        "import", "dunder", "lambda", "comprehension", "huge power", "factorial", "huge number",
        "deep nesting", "long input", "unicode look-alike", "invisible", "control character",
        "fine root"}
    assert max(len(text) for _, text, *_ in HOSTILE) >= MB


@pytest.mark.parametrize("text, expected", ACCEPTED_UNICODE)
def test_harmless_unicode_is_accepted(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", REAL_FOR_SOME_INPUTS)
def test_formulas_real_for_some_inputs_are_accepted(text):
    assert not parse(text).has(sympy.I)


@pytest.mark.parametrize("text, part", [("a*x + sqrt(-1)", "sqrt(-1)"), ("2*log(-2) + x", "log(-2)"),
                                        ("x + (-8)^(1/3)", "(-8)^(1/3)"), ("(-1)^0.5*x", "(-1)^0.5"),
                                        ("exp(log(-1))", "log(-1)"), ("(-2)^(1/2)*x", "(-2)^(1/2)")])
def test_numbers_that_are_not_real_are_refused_under_a_caret(text, part):
    with pytest.raises(ParseError, match="is not a real number: formulas are real-valued") as err:
        parse(text)
    assert (err.value.position, err.value.width) == (text.index(part), len(part))
    assert str(err.value).split("\n")[-1] == "  " + " " * text.index(part) + "^" * len(part)


def test_a_square_root_of_a_negative_number_says_what_to_write():
    with pytest.raises(ParseError) as err:
        parse("sqrt(-1)")
    assert err.value.message == (
        "'sqrt(-1)' is not a real number: formulas are real-valued (SymPy makes it I); a square "
        "root needs a number ≥ 0, such as sqrt(abs(…)); for minus a root write -sqrt(…)")


# --- random input ----------------------------------------------------------------------------
# Every outcome must be a SymPy expression or a ParseError whose message says what is wrong
# (with the offending position, where there is one); anything else, or a call that outlasts
# TIME_BOUND, is a failure. Failures are collected, counted in the figures, and fail the test.

TIME_BOUND = 3.0  # seconds per call: the watchdog's 1 s, and room for a busy machine
FORMULA_ALPHABET = "0123456789.eE+-*/^(), xyzαŷ_"
GREEK_LETTERS = "".join(tutor.parser.lexer.GREEK)
ODD_CHARACTERS = ("\x00\r\n\t\x0b\x1b\u200b\u200d\u2060\ufeff\u202e\u2066\u00a0\u3000\u0435\u0430"
                  "\u03bf\uff45\uff0b\U0001d465\u0302\u0301²₁½!.=;[]{}'\"`@#$%&|~<>?:\\\ud800")
NUMBERS = ["0", "1", "2", "7", "10", "0.5", ".25", "3.", "1e3", "2.5E-4", "1e300", "1e-300",
           "1e400", "9" * 31, "1" + "0" * 299, "0.1234567890123456789", "00012", "1e0300", "2e+5",
           "0e999", "1." + "0" * 29, "65848", "643", "265847707", "(1/1021)", "(-2/1009)"]
NAMES = ["x", "y", "z", "a", "alpha", "beta", "x_1", "x_2", "beta_1^(1,2)", "alpha_2^(1)", "ŷ",
         "y\u0302", "yhat", "λ", "θ", "w_10", "lambda", "import", "__class__", "_x", "x__y", "e",
         "E", "pi", "I", "a" * 41, "for", "None", "True", "tutor_canary", "x_1^(", "x_1^(1,"]
FUNCTIONS = ["exp", "log", "ln", "sqrt", "abs", "tanh", "max", "min", "Max", "Min", "Abs",
             "sigmoid", "logistic", "relu", "ReLU", "identity", "softplus", "logit", "linear",
             "none", "factorial", "sum", "getattr", "tutor_canary"]
OPERATORS = ["+", "-", "*", "/", "^", "**", "−", "×", "·", "⋅", "÷", "(", ")", ",", "(", ")", "^(",
             ")^", "^-", "**-"]
SPACES = ["", "", "", " ", "  ", "\t"]


def _arbitrary_text(rng):
    """Text of any length up to 80 from ASCII, the whole of Unicode, odd and formula characters."""
    pools = [lambda: chr(rng.randrange(32, 127)), lambda: chr(rng.randrange(0x3000)),
             lambda: chr(rng.randrange(0x110000)), lambda: rng.choice(ODD_CHARACTERS),
             lambda: rng.choice(GREEK_LETTERS), lambda: rng.choice(FORMULA_ALPHABET)]
    length = rng.choice([0, 1, 2, 5, 10, 20, 40, 80])
    return "".join(rng.choices(pools, [4, 2, 1, 1, 1, 3])[0]() for _ in range(length))


def _token(rng):
    kind = rng.choices(["number", "name", "function", "operator", "odd", "payload"],
                       [3, 3, 2, 5, 0.3, 0.1])[0]
    if kind == "number":
        return rng.choice(NUMBERS) if rng.random() < 0.5 else str(rng.randrange(100))
    if kind == "name":
        return rng.choice(NAMES)
    if kind == "function":
        return rng.choice(FUNCTIONS) + rng.choice(["(", "(", " (", ""])
    if kind == "operator":
        return rng.choice(OPERATORS)
    return rng.choice(ODD_CHARACTERS if kind == "odd" else CANARY_PAYLOADS)


def _token_soup(rng):
    """Up to 40 of the grammar's tokens (and a few strangers) in any order: deep into the grammar."""
    return "".join(_token(rng) + rng.choice(SPACES) for _ in range(rng.randrange(1, 40)))


def _mutated_formula(rng):
    """A valid formula (a random tree) with one to four characters or tokens changed."""
    text = _tree(rng, rng.randint(1, 10)).text
    for _ in range(rng.randint(1, 4)):
        i, change = rng.randrange(len(text) + 1), rng.randrange(6)
        if change == 0:
            text = text[:i] + text[i + 1:]
        elif change == 1:
            text = text[:i] + rng.choice(FORMULA_ALPHABET + ODD_CHARACTERS) + text[i:]
        elif change == 2:
            text = text[:i] + _token(rng) + text[i:]
        elif change == 3 and text:
            j = rng.randrange(len(text))
            text = text[:i] + text[min(i, j):max(i, j)] + text[i:]
        elif change == 4 and i < len(text) - 1:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        else:
            text = text[:i] + rng.choice(["(", ")", "^", "**", "-", "exp(", "_1^(1)", "e9", "!",
                                          "^64", "^-64", "*1e300", "^(1/1021)", "^-643**-3",
                                          "*log(65848)/1009"]) + text[i:]
    return text


def _deep_or_long(rng):
    """Nesting thousands deep, or a formula thousands of tokens long (read with WIDE limits)."""
    opening = rng.choice(["(", "exp(", "-", "sqrt(", "max(1,", "sigmoid(", "(-", "abs(", "x^"])
    closing = ")" if "(" in opening else ""
    n = rng.choice([50, 300, 1000, 5000, 20_000])
    if rng.random() < 0.5:
        return opening * n + rng.choice(["x", "2", "0", ""]) + closing * rng.choice([0, n - 1, n])
    return rng.choice(["x+", "1*", "x^2*", "exp(x)-", "(x)", " ", "1e300*"]) * n + "x"


STRING_STRATEGIES = {"arbitrary text": (_arbitrary_text, {}), "token soup": (_token_soup, {}),
                     "mutated formulas": (_mutated_formula, {}), "deep or long": (_deep_or_long, WIDE)}


def _error_problem(err, text):
    """What is wrong with a ParseError as a report to the user (None: nothing)."""
    if not (isinstance(err.message, str) and err.message.strip()):
        return "the message is empty"
    if err.text != text:
        return "the error quotes other text"
    shown = str(err)
    if not shown.startswith(err.message + "\n  "):
        return f"str() does not start with the message: {shown[:80]!r}"
    if err.position is not None:
        if not 0 <= err.position <= len(text):
            return f"position {err.position} lies outside the text"
        if not shown.split("\n")[-1].strip().startswith("^"):
            return "no caret under the text"
    return None


def _outcome(text, failures, **options):
    """Parse ``text``: the expression, or the ParseError; anything else goes into ``failures``."""
    start = time.perf_counter()
    try:
        result = parse(text, **options)
    except ParseError as err:
        result, problem = err, _error_problem(err, text)
    except (KeyboardInterrupt, pytest.fail.Exception):
        raise
    except BaseException as err:  # noqa: B036 - anything at all that escapes is what we hunt
        result, problem = err, f"{type(err).__name__}: {err}"
    else:
        problem = None if isinstance(result, sympy.Expr) else f"gave {type(result).__name__}"
    elapsed = time.perf_counter() - start
    if elapsed > TIME_BOUND:
        problem = problem or f"took {elapsed:.1f} s (bound {TIME_BOUND} s)"
    if problem:
        failures.append(f"{text[:200]!r}: {problem}")
    return result


def _fuzz_strings(counts, seed):
    """Feed ``counts[strategy]`` strings of each strategy; returns (how many, failures)."""
    rng, failures, fed = random.Random(seed), [], 0
    for strategy, count in counts.items():
        make, limits = STRING_STRATEGIES[strategy]
        for _ in range(count):
            _outcome(make(rng), failures, **limits)
            fed += 1
    return fed, failures


# --- random expression trees -----------------------------------------------------------------
# A tree is printed with the grammar's own precedences (few parentheses, ^ or **, − or -, × or
# *, random spaces) and built straight in SymPy the way the grammar says it reads: the parse
# must equal the build. Sums and products inside sums and products keep their parentheses, so
# the parser's flattening (a + b - c is one Add) matches the tree's.

SUM, PRODUCT, SIGNED, POWER, ATOM = range(1, 6)  # the grammar's levels, loosest first
TREE_NAMES = [("x", "x"), ("y", "y"), ("z", "z"), ("alpha", "alpha"), ("α", "alpha"),
              ("β", "beta"), ("x_2", "x_2"), ("w_10", "w_10"), ("beta_1^(1,2)", "beta_1^(1,2)"),
              ("ŷ", "yhat"), ("yhat", "yhat"), ("λ", "lambda"), ("θ", "theta"), ("b", "b")]
TREE_FUNCTIONS = {"exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt,
                  "abs": sympy.Abs, "Abs": sympy.Abs, "tanh": sympy.tanh,
                  **{name: activation(name) for name in ("sigmoid", "logistic", "relu", "ReLU",
                                                         "identity", "softplus", "linear")}}
DECIMALS = ["0.5", "1.5", ".25", "2.", "1e-3", "3.75", "2.5E+2", "0.1", "1e10"]


class _Node(NamedTuple):
    text: str
    build: Callable[[], sympy.Expr]  # SymPy's construction, run only once the parse succeeded
    level: int
    indexed: bool = False  # a name ending in _digits: a ^( after it would be read as its index


def _space(rng):
    return rng.choice(["", "", "", " "])


def _wrapped(node, level, rng):
    """The node's text, in parentheses where the grammar needs them (and sometimes anyway)."""
    if node.level < level or rng.random() < 0.1:
        return f"({_space(rng)}{node.text}{_space(rng)})"
    return node.text


def _leaf(rng):
    if rng.random() < 0.45:
        typed, name = rng.choice(TREE_NAMES)
        return _Node(typed, lambda: Symbol(name), ATOM, bool(re.search(r"_[0-9]+$", name)))
    if rng.random() < 0.65:
        n = rng.choice([0, 1, 2, 3, 5, 9, 10, 12, 100, rng.randrange(10**6)])
        return _Node(str(n), lambda: sympy.Integer(n), ATOM)
    typed = rng.choice(DECIMALS)
    return _Node(typed, lambda: sympy.Float(typed), ATOM)


def _exponent(rng):
    """An exponent the grammar accepts (it must come out a number): 3, -2, (1/2), 0.5."""
    r = rng.random()
    if r < 0.6:
        k = rng.randint(-3, 4)
        return (str(k), sympy.Integer(k)) if k >= 0 else \
            (rng.choice(["-", "−"]) + str(-k), -sympy.Integer(-k))
    if r < 0.85:
        p, q = rng.randint(1, 3), rng.choice([2, 2, 3, 3, 4, 5, 1021, rng.randrange(2, 10**5)])
        return f"({p}/{q})", sympy.Integer(p) * sympy.Integer(q) ** -1
    return rng.choice([("0.5", sympy.Float("0.5")), ("1.5", sympy.Float("1.5")),
                       ("(-1/2)", -(sympy.Integer(1) * sympy.Integer(2) ** -1))])


def _split(rng, total, parts):
    total = max(total, parts)
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _tree(rng, size):
    """A random formula of about ``size`` leaves, as text and as SymPy builds it directly."""
    if size <= 1:
        return _leaf(rng)
    kind = rng.choices(["sum", "product", "minus", "power", "function", "max"], [3, 3, 1, 2, 2, 1])[0]
    if kind in ("sum", "product"):
        level = SUM if kind == "sum" else PRODUCT
        kids = [_tree(rng, n) for n in _split(rng, size - 1, rng.randint(2, 3))]
        ops = ["+" if kind == "sum" else "*"] + [rng.choice("+-" if kind == "sum" else "*/")
                                                 for _ in kids[1:]]
        spelled = {"+": ["+"], "-": ["-", "−"], "*": ["*", "*", "×", "·"], "/": ["/", "/", "÷"]}
        text = ""
        for i, (op, kid) in enumerate(zip(ops, kids, strict=True)):
            need = ATOM if kid.level == level else PRODUCT if kind == "sum" else SIGNED if i else PRODUCT
            text += (f"{_space(rng)}{rng.choice(spelled[op])}{_space(rng)}" if i else "") + \
                _wrapped(kid, need, rng)
        if kind == "sum":
            def build():
                return sympy.Add(*[k.build() if op == "+" else -k.build()
                                   for op, k in zip(ops, kids, strict=True)])
        else:
            def build():
                return sympy.Mul(*[k.build() if op == "*" else k.build() ** -1
                                   for op, k in zip(ops, kids, strict=True)])
        return _Node(text, build, level)
    if kind == "minus":
        kid = _tree(rng, size - 1)
        return _Node(rng.choice(["-", "−"]) + _space(rng) + _wrapped(kid, SIGNED, rng),
                     lambda: -kid.build(), SIGNED)
    if kind == "power":
        kid, (typed, exponent) = _tree(rng, size - 1), _exponent(rng)
        base = _wrapped(kid, ATOM, rng)
        if kid.indexed and base == kid.text and typed.startswith("("):
            base = f"({base})"  # x_2^(1/2) is a power, but keep clear of x_2^(1)
        return _Node(f"{base}{_space(rng)}{rng.choice(['^', '**'])}{_space(rng)}{typed}",
                     lambda: sympy.Pow(kid.build(), exponent), POWER)
    if kind == "function":
        name, kid = rng.choice(list(TREE_FUNCTIONS)), _tree(rng, size - 1)
        fn = TREE_FUNCTIONS[name]
        if not callable(fn):  # an activation row: its formula with z replaced
            row = fn
            def fn(arg):
                return row.expr.xreplace({z: arg})
        return _Node(f"{name}({_space(rng)}{kid.text}{_space(rng)})", lambda: fn(kid.build()), ATOM)
    name = rng.choice(["max", "min", "Max", "Min"])
    cls = sympy.Max if name.lower() == "max" else sympy.Min
    kids = [_tree(rng, n) for n in _split(rng, size - 1, rng.randint(2, 3))]

    def build():  # max and min of numbers are evaluated, of anything else kept as written
        args = [k.build() for k in kids]
        return cls(*args) if all(a.is_Number for a in args) else cls(*args, evaluate=False)
    return _Node(f"{name}(" + f",{_space(rng)}".join(k.text for k in kids) + ")", build, ATOM)


SYMPY_CONSTANTS = {"E": sympy.E}  # how SymPy prints exp(1)
# the refusals a grammatical formula may meet: values that are undefined (1/(x - x), log(0)),
# too large (exp(exp(7)) has 476 digits), complex ((-3)^(1/3), abs of a complex root),
# too slow for SymPy, or roots of numbers too fine (12^(1/99991)) for SymPy to work out
LEGITIMATE_REFUSALS = ("undefined", "digits", "makes the power", "keep formulas real-valued",
                       "is not a real number: formulas are real-valued",
                       "SymPy needs more than", "takes a root of degree")


def _typed_back(expr):
    """SymPy's printout (** and *, Max, names as typed) as a learner would type it back."""
    return re.sub(r"\blambda\b", "λ", sympy.sstr(expr))  # the word lambda is refused: type λ


def _same(again, expr, printed):
    """The same tree, the same printout (Floats print with 15 digits), or the same values.

    Values are compared at a few points; where no point has a value (a complex number inside
    Max), the expanded expressions must print the same, or their difference expand to 0.
    """
    if again == expr or _typed_back(again) == printed:
        return True
    names = sorted(again.free_symbols | expr.free_symbols, key=str)
    compared = 0
    for point in (0.37, 1.9, -1.3, -20.5):
        values = {s: sympy.Float(point + 0.113 * i) for i, s in enumerate(names)}
        try:
            one, other = complex(again.evalf(30, subs=values)), complex(expr.evalf(30, subs=values))
        except (TypeError, ValueError, ArithmeticError):
            continue
        if cmath.isnan(one) and cmath.isnan(other):
            continue
        if not cmath.isclose(one, other, rel_tol=1e-9, abs_tol=1e-12):
            return False
        compared += 1
    return compared > 0 or _typed_back(sympy.expand(again)) == _typed_back(sympy.expand(expr)) \
        or sympy.expand(again - expr) == 0


# SymPy writes activations out (sigmoid(z) is exp(z)/(exp(z) + 1)), so a printout may be longer
# and deeper than a learner may type; it is read back with wider limits, and one past the limit
# on tokens (a module constant) is left out of the count
READ_BACK = {"symbols": SYMPY_CONSTANTS, "max_length": 100_000, "max_depth": 100}


def _fuzz_trees(count, seed, max_size=10):
    """Parse ``count`` random trees, compare with the build, print and parse again.

    Returns how many went all the way round, how many printouts were too long to read back,
    and the failures.
    """
    rng, failures, round_tripped, too_long = random.Random(seed), [], 0, 0
    for _ in range(count):
        node = _tree(rng, rng.randint(1, max_size))
        expr = _outcome(node.text, failures)
        if isinstance(expr, ParseError):
            if not any(reason in expr.message for reason in LEGITIMATE_REFUSALS):
                failures.append(f"{node.text!r}: a grammatical formula refused: {expr.message}")
            continue
        if not isinstance(expr, sympy.Expr):
            continue  # already a failure
        built = node.build()
        if expr != built:
            failures.append(f"{node.text!r}: parsed as {expr}, but SymPy builds {built}")
            continue
        printed = _typed_back(expr)
        again = _outcome(printed, failures, **READ_BACK)
        if isinstance(again, ParseError) and "more than 400 tokens" in again.message:
            too_long += 1
        elif isinstance(again, ParseError):
            failures.append(f"{node.text!r}: printed as {printed!r}, refused: {again.message}")
        elif isinstance(again, sympy.Expr) and not _same(again, expr, printed):
            failures.append(f"{node.text!r}: printed as {printed!r}, read back as {again}")
        else:
            round_tripped += 1
    return round_tripped, too_long, failures


def _report(failures, seed):
    shown = "\n".join(failures[:20])
    return f"{len(failures)} failures (seed {seed}), the first ones:\n{shown}"


STRING_COUNTS = {"arbitrary text": 3000, "token soup": 3000, "mutated formulas": 2000,
                 "deep or long": 150}


def test_random_strings_give_an_expression_or_a_parse_error(canary):
    fed, failures = _fuzz_strings(STRING_COUNTS, seed=2024)
    tally("formulas fuzzed through the parser", fed, len(failures))
    assert not failures, _report(failures, 2024)


def test_random_trees_parse_as_sympy_builds_them_and_round_trip(canary):
    round_tripped, too_long, failures = _fuzz_trees(2000, seed=2024, max_size=8)
    tally("random expression trees round-tripped", round_tripped, len(failures))
    assert not failures, _report(failures, 2024)
    assert round_tripped > 0.9 * 2000 and too_long < 0.01 * 2000  # few are left out


FUZZ_SEED = int(os.environ.get("TUTOR_FUZZ_SEED", "0")) or random.randrange(1, 10**9)


@pytest.mark.fuzz
def test_fuzz_random_strings(canary):
    counts = {"arbitrary text": 50_000, "token soup": 40_000, "mutated formulas": 20_000,
              "deep or long": 3_000}
    fed, failures = _fuzz_strings(counts, FUZZ_SEED)
    tally("formulas fuzzed through the parser", fed, len(failures))
    assert not failures, _report(failures, FUZZ_SEED) + "\n(rerun with TUTOR_FUZZ_SEED)"


@pytest.mark.fuzz
def test_fuzz_random_trees(canary):
    round_tripped, _, failures = _fuzz_trees(12_000, FUZZ_SEED, max_size=14)
    tally("random expression trees round-tripped", round_tripped, len(failures))
    assert not failures, _report(failures, FUZZ_SEED) + "\n(rerun with TUTOR_FUZZ_SEED)"


# --- properties (hypothesis) -----------------------------------------------------------------

formula_characters = st.text(alphabet=FORMULA_ALPHABET, max_size=40)
formula_tokens = st.lists(st.sampled_from([*NUMBERS, *NAMES, *(f + "(" for f in FUNCTIONS),
                                           *OPERATORS, " "]), max_size=30).map("".join)


def _any_text_property(text):
    failures = []
    _outcome(text, failures)
    tally("formulas fuzzed through the parser", 1, len(failures))
    assert not failures, failures[0]


any_text = st.one_of(st.text(max_size=60), formula_characters, formula_tokens)
test_any_text_gives_an_expression_or_a_parse_error = settings(max_examples=500)(
    given(any_text)(_any_text_property))
test_fuzz_any_text = pytest.mark.fuzz(settings(max_examples=20_000)(given(any_text)(_any_text_property)))


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


def _round_trip_property(text):
    try:
        expr = parse(text)
    except ParseError as err:
        # the only refusals allowed: undefined values (1/(x - x), log(0), 0^-1) and numbers
        # or powers too large to compute with (exp(exp(7)) has 476 digits, ((x^4)^4)^4)
        assume(not any(reason in err.message for reason in LEGITIMATE_REFUSALS))
        raise
    printed = _typed_back(expr)  # SymPy's printer: ** and *, names as typed, Max(…)
    try:
        again = parse(printed, **READ_BACK)
    except ParseError as err:
        assume("more than 400 tokens" not in err.message)
        raise
    assert _same(again, expr, printed), (printed, again)
    tally("random expression trees round-tripped", 1)


test_generated_formulas_parse_and_survive_a_round_trip = settings(max_examples=200)(
    given(formulas)(_round_trip_property))
test_fuzz_generated_formulas = pytest.mark.fuzz(settings(max_examples=5_000)(
    given(formulas)(_round_trip_property)))
