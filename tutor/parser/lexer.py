"""Tokens: a formula's numbers, names and operators, and what to say about any other character.

>>> from itertools import islice
>>> [(t.kind, t.value) for t in islice(tokens("2.5*β_1", accepted=""), 4)]
[('number', '2.5'), ('*', ''), ('name', 'beta_1'), ('end', '')]
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

import sympy

from ..notation import GREEK as LETTERS
from .bounds import MAX_DIGITS, digits
from .errors import refuse

MAX_TOKENS = 400  # numbers, names, operators and parentheses in one formula
MAX_NUMBER_DIGITS = 30  # significant digits in one typed decimal (1.5, 2e-3)
MAX_NAME = 40  # characters in a name

# each Greek letter, and its variant forms, read as the letter's name: α is alpha, ς is sigma
GREEK = {char: name for name, letter in LETTERS.items() for char in letter.char + letter.variants}
_OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "·": "*", "⋅": "*", "/": "/",
              "÷": "/", "^": "^", "(": "(", ")": ")", ",": ","}
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SUPERSCRIPT = re.compile(r"\^\( *[0-9]+(?: *, *[0-9]+)* *\)")
_HINTS = {  # what to say about characters that people do type
    **dict.fromkeys("'\"", "text in quotes is not a formula"),
    **dict.fromkeys("[]{}", "only round parentheses ( ) group"),
    **dict.fromkeys("\n\r", "a formula is one line"),
    ".": "a '.' may only stand inside a number such as 0.5 (x.y is not a formula)",
    "=": "write the right-hand side only: alpha + beta*x, not yhat = alpha + beta*x",
    "!": "factorials are not supported", ";": "write one formula at a time",
    "\u0302": "a circumflex may only stand on y, as in ŷ",
}
# letters of other alphabets that look like Latin ones (fullwidth and mathematical letters
# normalize to Latin ones, and are told apart by unicodedata)
_LOOKALIKES = dict(zip("аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
                       "aeopcyxijsdqwhlABEKMHOPCTXIJSABEZHIKMNOPTYX", strict=True))


class Token(NamedTuple):
    kind: str  # "number", "name", "end", or the character: + - * / ^ ( ) , (** is ^)
    value: str  # the number as typed, the name spelled out
    pos: int
    end: int


def tokens(text: str, accepted: str) -> Iterator[Token]:
    """The tokens of ``text``, then "end" tokens for ever; a ParseError at the first bad one.

    ``accepted`` is the sentence that refusals end with: what a formula may contain.
    """
    i, count = 0, 0
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i == len(text):
            while True:
                yield Token("end", "", i, i)
        count += 1
        if count > MAX_TOKENS:
            refuse(f"the formula has more than {MAX_TOKENS} tokens (numbers, names, operators, "
                   "parentheses); split it into smaller formulas", text, i)
        ch, nxt = text[i], text[i + 1:i + 2]
        if "0" <= ch <= "9" or (ch == "." and "0" <= nxt <= "9"):
            token = _number(text, i)
        elif (ch.isascii() and (ch.isalpha() or ch == "_")) or ch in GREEK:
            token = _name(text, i, accepted)
        elif text.startswith("**", i):
            token = Token("^", "", i, i + 2)
        elif ch in _OPERATORS:
            token = Token(_OPERATORS[ch], "", i, i + 1)
        else:
            name, hint = unicodedata.name(ch, ""), _hint(ch)
            refuse(f"{ch!r} (U+{ord(ch):04X}{' ' + name if name else ''}) is not allowed"
                   f"{': ' + hint if hint else ''}; {accepted}", text, i)
        yield token
        i = token.end


def _hint(ch: str) -> str:
    """What a character that is not allowed was probably meant to be ("" when unknown)."""
    plain = _LOOKALIKES.get(ch) or unicodedata.normalize("NFKC", ch)
    category = unicodedata.category(ch)
    return _HINTS.get(ch) or (
        "write powers with ^, as in x^2" if ch in "⁰¹²³⁴⁵⁶⁷⁸⁹" else
        "write indices with _, as in x_1" if "₀" <= ch <= "₉" else
        "only plain spaces may separate tokens" if ch.isspace() else
        f"it looks like {plain!r} but is another character: type {plain} instead"
        if plain != ch and plain.isascii() and plain.isprintable() and plain != "'" else
        "it is an invisible formatting character (pasted text often carries them); "
        "delete it" if category == "Cf" else
        "it is a control character; delete it" if category == "Cc" else
        "it looks like a letter, but names use only a-z, A-Z, _ and lowercase "
        "Greek letters" if ch.isalpha() else
        "write numbers with the digits 0-9" if ch.isnumeric() else "")


def _number(text: str, i: int) -> Token:
    match = _NUMBER.match(text, i)
    typed, end = match.group(), match.end()
    if text[end:end + 1] == ".":
        refuse("a number has at most one decimal point, as in 0.25", text, end)
    mantissa = re.split("[eE]", typed)[0]
    written = sum(c.isdigit() for c in typed)
    if written > MAX_DIGITS + 1:  # 10^300 has 301; Python refuses to read 4300 at once
        refuse(f"numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size; this one "
               f"is written with {written} digits", text, i, end)
    if mantissa != typed or "." in typed:
        significant = len(mantissa.replace(".", "").lstrip("0"))
        if significant > MAX_NUMBER_DIGITS:
            refuse(f"a number with a decimal point or an exponent has at most "
                   f"{MAX_NUMBER_DIGITS} significant digits, this one {significant} "
                   "(floating point keeps about 16)", text, i, end)
    rough = float(typed)  # Python's float reads any exponent at once; SymPy's would expand it
    if math.isinf(rough) or (rough == 0 and re.search("[1-9]", mantissa)) \
            or digits(number_value(typed)) > MAX_DIGITS:
        refuse(f"numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size "
               "(floating point ends at about 1e308)", text, i, end)
    return Token("number", typed, i, end)


def number_value(typed: str) -> sympy.Number:
    """The number a number token writes: an Integer, or a Float with the digits typed."""
    mantissa = re.split("[eE]", typed)[0]
    if mantissa == typed and "." not in typed:
        return sympy.Integer(typed)
    # the digits typed, at least double precision: SymPy would read 1e300 with 301 digits
    return sympy.Float(typed, max(15, len(mantissa.replace(".", "").lstrip("0"))))


def _name(text: str, i: int, accepted: str) -> Token:
    j, parts = i, []
    while j < len(text):
        c = text[j]
        if c.isascii() and (c.isalnum() or c == "_"):
            parts.append(c)
        elif c in GREEK:
            parts.append(GREEK[c])
        elif c == "\u0302" and parts and parts[-1] == "y":  # y + combining circumflex
            parts[-1] = "yhat"
        else:
            break
        j += 1
    name = "".join(parts)
    superscript = _SUPERSCRIPT.match(text, j) if re.search(r"_[0-9]+$", name) else None
    if superscript:
        name, j = name + superscript.group().replace(" ", ""), superscript.end()
    typed = text[i:j]
    if name.startswith("_") or "__" in name:
        refuse(f"{typed!r}: names may not start with an underscore or contain a double "
               "underscore; names look like x, beta_1 or alpha_2^(1)", text, i, j)
    if typed.isascii() and keyword.iskeyword(name):
        greek = " (for the Greek letter, type λ)" if name == "lambda" else ""
        refuse(f"{typed!r} is a Python keyword, and Python keywords are not formulas{greek}; "
               f"{accepted}", text, i, j)
    if len(name) > MAX_NAME:
        refuse(f"names have at most {MAX_NAME} characters; this one has {len(name)}", text, i, j)
    return Token("name", name, i, j)
