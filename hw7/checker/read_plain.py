"""The answer reader of ``hw7 check`` under its old name (issue 7; kept for imports).

Reading moved to :mod:`hw7.checker.read`, which reads plain text, LaTeX and Unicode
math into one tree (issue 12); this module re-exports its public names so
``from hw7.checker.read_plain import parse_answer`` keeps working.

>>> parse_answer("d^(1/2)", kind="expr", symbols=("d",)).read_as
'sqrt(d)'
"""

from __future__ import annotations

from hw7.checker.read import KINDS, Parsed, dim_symbol, parse_answer, symbol
from hw7.checker.read_errors import (
    MAX_ARGS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXP_NESTING,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_TOTAL_POWER,
    MAX_TREE_DEPTH,
    MAX_VECTOR,
    ParseError,
    ShapeError,
)

__all__ = ["parse_answer", "Parsed", "ParseError", "ShapeError", "symbol", "dim_symbol", "KINDS",
           "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT", "MAX_TOTAL_POWER", "MAX_DIGITS",
           "MAX_TREE_DEPTH", "MAX_EXP_NESTING", "MAX_ARGS", "MAX_VECTOR"]
