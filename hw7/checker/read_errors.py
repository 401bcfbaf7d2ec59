"""Errors and limits shared by the answer readers (``hw7 check``, issue 12).

Every bound is checked before anything large is built, so hostile input is refused
at once with one line instead of being computed.
"""

from __future__ import annotations

from hw7core.errors import InputError

__all__ = ["ParseError", "ShapeError", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT",
           "MAX_TOTAL_POWER", "MAX_DIGITS", "MAX_TREE_DEPTH", "MAX_EXP_NESTING", "MAX_ARGS",
           "MAX_VECTOR", "MAX_NESTING", "short"]

MAX_LENGTH = 400          # characters of answer text
MAX_DEPTH = 24            # nesting of parentheses, brackets and braces
MAX_EXPONENT = 64         # |p| and q of a rational exponent p/q
MAX_TOTAL_POWER = 256     # product of the exponents nested around any leaf: (d**64)**64 is too much
MAX_DIGITS = 40           # digits of any number, also of a number raised to a power
MAX_TREE_DEPTH = 220      # depth of the syntax tree (unary signs, operator chains)
MAX_NESTING = 64          # nested primaries (brackets, \sqrt, \frac, functions) while parsing
MAX_EXP_NESTING = 2       # exp(exp(d)) is allowed, exp(exp(exp(d))) is not
MAX_ARGS = 8              # arguments of max/min
MAX_VECTOR = 64           # entries of a vector


class ParseError(InputError):
    """The answer could not be read safely; the message is one line.

    >>> str(ParseError("unknown symbol 'x'"))
    "unknown symbol 'x'"
    """


class ShapeError(ParseError):
    """The answer reads but its matrix shapes do not conform (a wrong answer, not an unreadable one)."""


def short(s: str, n: int = 30) -> str:
    """``s`` made printable and cut to ``n`` characters, for one-line messages."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(s))
    return s if len(s) <= n else s[: n - 1] + "…"
