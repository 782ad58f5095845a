"""A refused formula: the message, and a caret under the part of the text that is to blame."""

from __future__ import annotations

from typing import NoReturn


class ParseError(ValueError):
    """A formula that is refused: ``message`` says why and what would be accepted.

    ``position`` is the 0-based index of the offending character (None when no one character is
    to blame) and ``width`` how many characters the caret line underlines.

    >>> print(ParseError("missing operator", "2x", 1))
    missing operator
      2x
       ^
    """

    __module__ = "tutor.parser"  # its public name, in tracebacks and for pickle

    def __init__(self, message: str, text: str, position: int | None = None, width: int = 1):
        super().__init__(message)
        self.message, self.text, self.position, self.width = message, text, position, width

    def __reduce__(self):
        return type(self), (self.message, self.text, self.position, self.width)

    def __str__(self) -> str:
        shown = "".join(c if c.isprintable() or c == "\t" else "?" for c in self.text)
        if self.position is None:
            return f"{self.message}\n  {shown}"
        start = max(0, min(self.position - 30, len(shown) - 72))
        line = ("…" if start else "") + shown[start:start + 72] + ("…" if start + 72 < len(shown) else "")
        offset = self.position - start + (1 if start else 0)
        pad = "".join("\t" if c == "\t" else " " for c in line[:offset])
        return f"{self.message}\n  {line}\n  {pad}{'^' * max(1, min(self.width, len(line) - offset))}"


def refuse(message: str, text: str, start: int | None, end: int | None = None) -> NoReturn:
    """Raise the ParseError for ``text[start:end]`` (one character when ``end`` is None)."""
    width = 1 if start is None or end is None else max(1, end - start)
    raise ParseError(message, text, start, width)
