"""Whitelist parser for untrusted answers to ``hw7 check`` (issue 7).

A student's ANSWER is hostile until proven otherwise. It is never handed to
``eval``, ``sympify`` or ``parse_expr``: the text is screened character by
character, parsed by :func:`ast.parse` (mode ``"eval"``; parsing runs nothing),
and the syntax tree is walked allowing only

* numbers (integers and decimals, size-bounded), the question's own symbols,
* ``+ - * / ** ^`` (``^`` is rewritten to ``**``), ``@`` for matrix products,
  unary ``+``/``-`` and parentheses,
* calls to ``sqrt exp log max min abs`` (and ``O`` for complexity answers,
  ``transpose`` for matrix answers), no keywords, no starred arguments,
* ``.T`` on a matrix expression (matrix answers only),
* a list or tuple literal (vector answers only).

SymPy objects are built directly from the allowed nodes. Every symbol name is a
plain :class:`sympy.Symbol` here (N, D, M, E, I, S, Q, O are homework symbols,
never SymPy's functions or constants). Input length, nesting depth, exponent
size and integer size are bounded before anything is built, so ``9**9**9**9``
is refused at once instead of being computed.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

import sympy

from hw7.errors import InputError

MAX_LENGTH = 400          # characters of answer text
MAX_DEPTH = 24            # nesting of parentheses and brackets
MAX_EXPONENT = 64         # |p| and q of a rational exponent p/q
MAX_TOTAL_POWER = 256     # product of the exponents nested around any leaf: (d**64)**64 is too much
MAX_DIGITS = 40           # digits of any number, also of a number raised to a power
MAX_TREE_DEPTH = 220      # depth of the syntax tree: a sum of many terms is a deep tree;
#                           400 characters allow at most ~200 levels of binary operators
MAX_EXP_NESTING = 2       # exp(exp(d)) is allowed, exp(exp(exp(d))) is not: its values are astronomical
MAX_ARGS = 8              # arguments of max/min
MAX_VECTOR = 64           # entries of a vector

# Unicode a student may reasonably type; everything else outside ASCII is refused
# (NFKC would otherwise turn e.g. "ℕ" into "N" and hide homoglyphs).
_UNICODE_MAP = {
    "\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2217": "*",
    "\u00f7": "/", "\u1d40": ".T", "\u22a4": ".T", "\u00b2": "**2", "\u00b3": "**3",
    "\u03bb": "lam", "\u03c3": "sigma", "\u03bc": "mu", "\u221a": "sqrt",
}
_ALLOWED_ASCII = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    " \t+-*/^()[],._@"
)

# Function names (matched case-insensitively, so SymPy's own Max/Abs spellings parse).
_FUNCTIONS = {
    "sqrt": (1, 1), "exp": (1, 1), "log": (1, 2), "ln": (1, 1),
    "max": (2, MAX_ARGS), "min": (2, MAX_ARGS), "abs": (1, 1),
    "o": (1, 1), "transpose": (1, 1),
}

# Assumptions of the homework's symbols: all are positive quantities except the
# mean mu (Q3), which may have either sign.
_REAL_SYMBOLS = {"mu"}


class ParseError(InputError):
    """The answer could not be parsed safely; the message is one line."""


class ShapeError(ParseError):
    """The answer parses but its matrix shapes do not conform (a wrong answer, not an unreadable one)."""


@dataclass(frozen=True)
class Parsed:
    """A parsed answer.

    value: a SymPy expression, a MatrixExpr, or a list of expressions (vectors).
    shape: (rows, cols) of a matrix answer, None for scalars and vectors.
    used_O: whether the answer was written as O(...) (complexity answers).
    """

    value: object
    shape: tuple | None = None
    used_O: bool = False


def symbol(name: str) -> sympy.Symbol:
    """The SymPy symbol the checker uses for a homework symbol ``name``."""
    if name in _REAL_SYMBOLS:
        return sympy.Symbol(name, real=True)
    return sympy.Symbol(name, positive=True)


def dim_symbol(name: str) -> sympy.Symbol:
    """A matrix dimension (m, n, k): a positive integer."""
    return sympy.Symbol(name, positive=True, integer=True)


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "unnamed character")
    return f"U+{ord(ch):04X} ({name})"


def screen(text: object) -> str:
    """Check length and characters; map the few allowed Unicode signs; ``^`` to ``**``."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters; limit {MAX_LENGTH})")
    out = []
    for ch in text:
        if ch in _ALLOWED_ASCII:
            out.append(ch)
        elif ch in ("\n", "\r"):
            out.append(" ")
        elif ch in _UNICODE_MAP:
            out.append(_UNICODE_MAP[ch])
        else:
            raise ParseError(f"character {_describe_char(ch)} is not allowed in an answer")
    s = "".join(out).strip()
    if not s:
        raise ParseError("the answer is empty")
    # ``^`` as power: a token-level rewrite is safe because the character screen
    # above leaves no strings or comments in which a ``^`` could mean anything else.
    s = s.replace("^", "**")
    if len(s) > MAX_LENGTH + 64:
        raise ParseError(f"the answer is too long (limit {MAX_LENGTH} characters)")
    depth = best = 0
    for ch in s:
        if ch in "([":
            depth += 1
            best = max(best, depth)
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise ParseError("unbalanced parentheses: a ')' or ']' has no opening partner")
    if depth:
        raise ParseError("unbalanced parentheses: a '(' or '[' is never closed")
    if best > MAX_DEPTH:
        raise ParseError(f"the answer is nested too deeply ({best} levels; limit {MAX_DEPTH})")
    for word in _identifiers(s):
        if keyword.iskeyword(word) or word.startswith("__"):
            raise ParseError(f"'{word}' is not allowed in an answer")
    return s


def _identifiers(s: str):
    word = ""
    for ch in s + " ":
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word and not word[0].isdigit():
                yield word
            word = ""


class _Builder:
    """Walks an ``ast`` tree, allowing only the whitelisted nodes."""

    def __init__(self, kind: str, symbols, shapes: dict | None):
        self.kind = kind
        self.symbols = {name: symbol(name) for name in symbols}
        self.matrices: dict[str, tuple[sympy.MatrixSymbol, tuple]] = {}
        for name, (r, c) in (shapes or {}).items():
            rs, cs = _dim(r), _dim(c)
            self.matrices[name] = (sympy.MatrixSymbol(name, rs, cs), (rs, cs))
            self.symbols.pop(name, None)
        self.used_O = False
        self.exp_nesting = 0

    # Each visit returns (value, shape): shape None for scalars, (rows, cols) for matrices.
    def visit(self, node, depth: int = 0, power: float = 1.0):
        if depth > MAX_TREE_DEPTH:
            raise ParseError(f"the answer is nested too deeply (limit {MAX_TREE_DEPTH} levels)")
        meth = getattr(self, "_" + type(node).__name__, None)
        if meth is None:
            raise ParseError(f"{_construct_name(node)} is not allowed in an answer")
        return meth(node, depth + 1, power)

    def _Expression(self, node, depth, power):
        return self.visit(node.body, depth, power)

    def _Constant(self, node, depth, power):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ParseError(f"the literal {_short(repr(v))} is not allowed (only numbers)")
        if isinstance(v, int):
            digits = len(str(abs(v)))
            if digits > MAX_DIGITS:
                raise ParseError(f"the integer has {digits} digits (limit {MAX_DIGITS})")
            num = sympy.Integer(v)
        else:
            if not math.isfinite(v):
                raise ParseError("the number is too large")
            num = sympy.Rational(repr(v))  # exact: 0.5 -> 1/2
            if abs(num) > 10 ** MAX_DIGITS or (num != 0 and abs(num) < sympy.Rational(1, 10 ** MAX_DIGITS)):
                raise ParseError(f"the number {v!r} is out of range")
        _check_number_power(num, power)
        return num, None

    def _Name(self, node, depth, power):
        name = node.id
        if name in self.matrices or name in self.symbols:
            if power > MAX_TOTAL_POWER:
                raise ParseError(f"the powers nested around {name} are too large "
                                 f"(total exponent limit {MAX_TOTAL_POWER})")
            if name in self.matrices:
                return self.matrices[name]
            return self.symbols[name], None
        if name.lower() in _FUNCTIONS:
            raise ParseError(f"'{name}' is a function: call it with parentheses, e.g. {name}(...)")
        allowed = sorted(self.symbols) + sorted(self.matrices)
        hint = f"; this question uses: {', '.join(allowed)}" if allowed else "; this question uses no symbols"
        raise ParseError(f"unknown symbol '{_short(name)}'{hint}")

    def _UnaryOp(self, node, depth, power):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise ParseError(f"the operator {_op_name(node.op)} is not allowed")
        v, shape = self.visit(node.operand, depth, power)
        return (-v if isinstance(node.op, ast.USub) else v), shape

    def _BinOp(self, node, depth, power):
        op = node.op
        if isinstance(op, ast.Pow):
            return self._pow(node, depth, power)
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.MatMult)):
            raise ParseError(f"the operator {_op_name(op)} is not allowed")
        a, sa = self.visit(node.left, depth, power)
        b, sb = self.visit(node.right, depth, power)
        if isinstance(op, (ast.Add, ast.Sub)):
            if sa != sb:
                if sa is None or sb is None:
                    raise ShapeError("cannot add a scalar and a matrix")
                raise ShapeError(f"cannot add matrices of shapes {_fmt_shape(sa)} and {_fmt_shape(sb)}")
            return (a + b if isinstance(op, ast.Add) else a - b), sa
        if isinstance(op, ast.Div):
            if sb is not None:
                raise ShapeError("cannot divide by a matrix")
            if b == 0:
                raise ParseError("division by zero")
            return (a / b if sa is None else a * (1 / b)), sa
        # product (``*`` or ``@``)
        if sa is not None and sb is not None:
            if sa[1] != sb[0]:
                raise ShapeError(f"cannot multiply matrices of shapes {_fmt_shape(sa)} and {_fmt_shape(sb)}")
            return sympy.MatMul(a, b).doit(deep=False), (sa[0], sb[1])
        if isinstance(op, ast.MatMult) and (sa is None or sb is None):
            raise ParseError("'@' multiplies two matrices; use * with a scalar")
        return a * b, sa if sa is not None else sb

    def _pow(self, node, depth, power):
        # The exponent is read first: it must be a small constant, and it scales
        # the budget of everything inside the base.
        e, se = self.visit(node.right, depth, 1.0)
        if se is not None:
            raise ParseError("a matrix cannot be an exponent")
        if not e.is_Rational:
            raise ParseError("exponents must be numbers (e.g. d**2, d**(1/2))")
        p, q = abs(int(e.p)), int(e.q)
        if p > MAX_EXPONENT or q > MAX_EXPONENT:
            shown = str(e) if len(str(e)) <= 20 else f"with {len(str(e))} characters"
            raise ParseError(f"the exponent {shown} is too large (limit {MAX_EXPONENT})")
        base, sb = self.visit(node.left, depth, power * max(float(abs(e)), 1.0))
        if sb is not None:
            if not (e.is_Integer and e > 0):
                raise ParseError("a matrix may only be raised to a positive integer power")
            if sb[0] != sb[1]:
                raise ShapeError(f"only square matrices can be raised to a power, not {_fmt_shape(sb)}")
            return sympy.MatPow(base, e).doit(deep=False), sb
        if base == 0 and e < 0:
            raise ParseError("division by zero")
        if base.is_Number:
            _check_number_power(base, power * max(float(abs(e)), 1.0))
        return base ** e, None

    def _Call(self, node, depth, power):
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise ParseError("only calls of the functions sqrt, exp, log, max, min, abs are allowed")
            raise ParseError("'(...)(...)' reads as a call: write products with *, e.g. (d + 1)*(d - 1)")
        if node.func.id in self.symbols or node.func.id in self.matrices:
            raise ParseError(f"'{node.func.id}(...)' reads as a call: write {node.func.id}*(...)")
        fname = node.func.id.lower()
        if fname not in _FUNCTIONS or (fname == "o" and self.kind != "bigo") or (
                fname == "transpose" and self.kind != "matrix"):
            raise ParseError(f"the function '{_short(node.func.id)}' is not allowed "
                             f"(allowed: sqrt, exp, log, max, min, abs"
                             f"{', O' if self.kind == 'bigo' else ''}"
                             f"{', transpose' if self.kind == 'matrix' else ''})")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ParseError(f"{node.func.id}(...) takes plain arguments only")
        lo, hi = _FUNCTIONS[fname]
        if not lo <= len(node.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ParseError(f"{node.func.id}(...) takes {want} argument(s), not {len(node.args)}")
        if fname == "exp":
            self.exp_nesting += 1
            if self.exp_nesting > MAX_EXP_NESTING:
                raise ParseError(f"exp(...) is nested too deeply (limit {MAX_EXP_NESTING})")
        try:
            args = [self.visit(a, depth, power) for a in node.args]
        finally:
            if fname == "exp":
                self.exp_nesting -= 1
        shapes = [s for _, s in args]
        vals = [v for v, _ in args]
        if fname == "transpose":
            if shapes[0] is None:
                raise ParseError("transpose(...) needs a matrix")
            return sympy.Transpose(vals[0]).doit(deep=False), (shapes[0][1], shapes[0][0])
        if any(s is not None for s in shapes):
            raise ParseError(f"{node.func.id}(...) of a matrix is not allowed")
        if fname == "o":
            self.used_O = True
            return vals[0], None
        if fname == "sqrt":
            return sympy.sqrt(vals[0]), None
        if fname == "exp":
            return sympy.exp(vals[0]), None
        if fname in ("log", "ln"):
            return sympy.log(*vals), None
        if fname == "abs":
            return sympy.Abs(vals[0]), None
        if fname == "max":
            return sympy.Max(*vals), None
        return sympy.Min(*vals), None

    def _Attribute(self, node, depth, power):
        if node.attr != "T":
            raise ParseError(f"the attribute '.{_short(node.attr)}' is not allowed (only .T, transpose)")
        if self.kind != "matrix":
            raise ParseError("'.T' (transpose) is only allowed in matrix answers")
        v, s = self.visit(node.value, depth, power)
        if s is None:
            raise ParseError("'.T' needs a matrix")
        return sympy.Transpose(v).doit(deep=False), (s[1], s[0])

    def _List(self, node, depth, power):
        if self.kind != "vector":
            raise ParseError("a list is only allowed as the answer to a vector question")
        if depth > 2:
            raise ParseError("a vector must be the whole answer, e.g. [1, 2, 3]")
        if len(node.elts) > MAX_VECTOR:
            raise ParseError(f"the vector has too many entries (limit {MAX_VECTOR})")
        out = []
        for elt in node.elts:
            if isinstance(elt, (ast.List, ast.Tuple)):
                raise ParseError("vector entries must be numbers or expressions, not lists")
            v, _ = self.visit(elt, depth, power)
            out.append(v)
        return out, None

    _Tuple = _List


def _dim(x) -> sympy.Expr:
    if isinstance(x, int) and not isinstance(x, bool):
        if not 1 <= x <= 64:
            raise ParseError(f"matrix dimension {x} is out of range (1 to 64)")
        return sympy.Integer(x)
    if isinstance(x, str) and x.isidentifier():
        return dim_symbol(x)
    raise ParseError(f"bad matrix dimension {x!r}")


def _check_number_power(num, power: float) -> None:
    """Refuse a number whose power (exponents nested around it) would be huge."""
    if power <= 1 or num == 0:
        return
    num = sympy.Rational(num)
    size = max(abs(int(num.p)), int(num.q))
    if size > 1 and math.log10(size) * power > MAX_DIGITS:
        raise ParseError(f"a power in the answer is too large (over {MAX_DIGITS} digits)")


def _fmt_shape(s) -> str:
    return f"{s[0]}×{s[1]}"


def _short(s: str, n: int = 30) -> str:
    s = "".join(ch if ch.isprintable() else "?" for ch in s)
    return s if len(s) <= n else s[: n - 1] + "…"


_OP_NAMES = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitAnd: "&", ast.BitXor: "^ (xor)", ast.Invert: "~", ast.Not: "not",
}


def _op_name(op) -> str:
    return f"'{_OP_NAMES.get(type(op), type(op).__name__)}'"


_CONSTRUCT_NAMES = {
    "Lambda": "a lambda expression", "Subscript": "indexing", "Compare": "a comparison",
    "BoolOp": "a boolean operator", "IfExp": "an if-expression", "Dict": "a dict",
    "Set": "a set", "ListComp": "a comprehension", "GeneratorExp": "a generator",
    "SetComp": "a comprehension", "DictComp": "a comprehension", "Starred": "'*' unpacking",
    "NamedExpr": "':='", "JoinedStr": "a string", "Await": "await", "Yield": "yield",
    "Slice": "a slice",
}


def _construct_name(node) -> str:
    return _CONSTRUCT_NAMES.get(type(node).__name__, f"the construct {type(node).__name__}")


def parse_answer(text: object, *, kind: str, symbols=(), shapes: dict | None = None) -> Parsed:
    """Parse ``text`` safely for a question of check kind ``kind``.

    kind: "expr", "bigo", "matrix" or "vector".
    symbols: names of the scalar symbols the question uses.
    shapes: for matrix questions, {"X": ["m", "n"], ...}.
    Raises :class:`ParseError` (one line) for anything outside the whitelist.
    """
    if kind not in ("expr", "bigo", "matrix", "vector"):
        raise ParseError(f"no parser for answers of kind {kind!r}")
    s = screen(text)
    try:
        tree = ast.parse(s, mode="eval")
    except SyntaxError as exc:
        hint = ""
        if re.search(r"\d[A-Za-z_(]|[\w)]\s+[\w(]|\)\(", s):
            hint = " (write products with *, e.g. 2*d or (d + 1)*sigma)"
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ParseError(f"could not parse the answer{col}{hint}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ParseError("could not parse the answer") from None
    b = _Builder(kind, symbols, shapes if kind == "matrix" else None)
    try:
        value, shape = b.visit(tree)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"the answer is nested too deeply (limit {MAX_TREE_DEPTH} levels)") from None
    except (TypeError, ValueError, ArithmeticError, MemoryError, AttributeError) as exc:
        raise ParseError(f"the answer is not a valid expression ({type(exc).__name__})") from None
    if kind == "vector" and not isinstance(value, list):
        raise ParseError("a vector answer is a list of entries, e.g. [1, 2, 3]")
    if kind == "matrix" and shape is None:
        raise ParseError("the answer must be a matrix expression in " + ", ".join(sorted(b.matrices)))
    if kind in ("expr", "bigo") and shape is not None:
        raise ParseError("the answer must be a scalar expression")
    return Parsed(value, shape, b.used_O)
