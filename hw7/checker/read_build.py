"""Build SymPy objects from the answer tree of :mod:`hw7.checker.read_parse` (issue 12).

One allowed node at a time, within the bounds of :mod:`hw7.checker.read_errors`:
numbers are exact (``0.5`` is 1/2), exponents are small rationals read before their
base, matrices carry shapes, and vector symbols (μ ∈ R^d) stay placeholders until
they meet their partner (``μᵀμ`` is ``norm2_mu``, ``qᵀk`` is ``qk``). Nothing is
evaluated from text: every object is made by a SymPy constructor.

>>> symbol("d").is_positive, symbol("mu").is_real, symbol("norm2_mu").is_nonnegative
(True, True, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from hw7.checker.read_errors import (
    MAX_ARGS,
    MAX_DIGITS,
    MAX_EXP_NESTING,
    MAX_EXPONENT,
    MAX_TOTAL_POWER,
    MAX_TREE_DEPTH,
    ParseError,
    ShapeError,
    short,
)

__all__ = ["symbol", "dim_symbol", "Builder", "Eye", "FUNCTIONS"]

# Assumptions of the homework's symbols: positive quantities, except the mean mu (Q3),
# an inner product qk (Q5(b)) and feature-map inputs x1, x2, ... (Q5(b)), which are real.
_REAL_SYMBOLS = {"mu", "qk"}
FUNCTIONS = {  # name -> (min args, max args)
    "sqrt": (1, 1), "exp": (1, 1), "log": (1, 2), "ln": (1, 1), "max": (2, MAX_ARGS),
    "min": (2, MAX_ARGS), "abs": (1, 1), "o": (1, 1), "theta": (1, 1), "transpose": (1, 1),
}
_NUM_TEXT = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?")


def symbol(name: str) -> sympy.Symbol:
    """The SymPy symbol the checker uses for a homework symbol ``name``.

    >>> symbol("d").is_positive, symbol("mu").is_real, symbol("norm2_mu").is_nonnegative
    (True, True, True)
    """
    if name.startswith("norm2_"):
        return sympy.Symbol(name, nonnegative=True)
    if name in _REAL_SYMBOLS or re.fullmatch(r"x\d+", name):
        return sympy.Symbol(name, real=True)
    return sympy.Symbol(name, positive=True)


def dim_symbol(name: str) -> sympy.Symbol:
    """A matrix dimension (m, n, k): a positive integer."""
    return sympy.Symbol(name, positive=True, integer=True)


# ---------------------------------------------------------------------------- values


@dataclass
class _Vec:
    """coef · v for a vector symbol v (μ ∈ R^d) before it meets its partner; t: transposed.

    Scalar factors ride along (2σ²μᵀμ pairs μᵀ with μ across the 2σ²)."""
    name: str
    t: bool = False
    coef: object = 1


@dataclass
class _Norm:
    """‖v‖ of a vector symbol: squared it is norm2_v."""
    name: str


@dataclass
class Eye:
    """The identity I of a size the neighbours fix, times a scalar."""
    coef: object


@dataclass
class _Idx:
    """v_i inside a sum over i."""
    name: str
    index: str


# ---------------------------------------------------------------------------- builder


class Builder:
    """Turns the tree into SymPy objects, one allowed node at a time, within the bounds."""

    def __init__(self, kind, vocab, shapes):
        self.kind = kind
        self.vocab = vocab
        self.notes = vocab.notes
        self.matrices = {}
        for name, (r, c) in (shapes or {}).items():
            rs, cs = _dim(r), _dim(c)
            self.matrices[name] = (sympy.MatrixSymbol(name, rs, cs), (rs, cs))
        self.used_O = False
        self.exp_nesting = 0

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # Each build returns (value, shape): shape None for scalars, (rows, cols) for matrices,
    # "list" for lists; values may be _Vec/_Norm/Eye/_Idx placeholders.
    def build(self, node, depth: int = 0, power: float = 1.0):
        if depth > MAX_TREE_DEPTH:
            raise ParseError(f"the answer is nested too deeply (limit {MAX_TREE_DEPTH} levels)")
        return getattr(self, "_" + node[0])(node, depth + 1, power)

    def scalar(self, node, depth, power, what="this"):
        v, s = self.build(node, depth, power)
        return self.as_scalar(v, s, what), None

    def as_scalar(self, v, s, what="this"):
        if isinstance(v, _Vec):
            if v.name in self.vocab.scalars:
                return v.coef * symbol(v.name)
            raise ParseError(f"{v.name} is a vector here: write {v.name}ᵀ{v.name} or ‖{v.name}‖², "
                             f"or an inner product such as ⟨q, k⟩")
        if isinstance(v, _Norm):
            return sympy.sqrt(symbol(f"norm2_{v.name}"))
        if isinstance(v, _Idx):
            raise ParseError(f"{v.name}_{v.index} is only read inside a sum over {v.index}")
        if isinstance(v, Eye):
            raise ParseError("the identity I needs a matrix beside it to fix its size")
        if s == "list":
            raise ParseError("a list is only allowed as the whole answer to a vector question")
        if s is not None:
            raise ParseError(f"{what} needs a scalar, not a matrix")
        return v

    def _num(self, node, depth, power):
        text = node[1]
        m = _NUM_TEXT.fullmatch(text)
        if m is None:
            raise ParseError(f"could not read the number '{short(text)}'")
        mant, ex = m.group(1), int(m.group(2) or 0)
        digits = len(mant.replace(".", "").lstrip("0"))
        if "." not in mant and ex == 0 and digits > MAX_DIGITS:
            raise ParseError(f"the integer has {digits} digits (limit {MAX_DIGITS})")
        if digits > MAX_DIGITS + 10:
            raise ParseError(f"the number has {digits} digits (limit {MAX_DIGITS})")
        int_digits = len(mant.split(".")[0].lstrip("0"))
        if int_digits + ex > MAX_DIGITS:
            raise ParseError("the number is too large")
        frac = Fraction(mant) * Fraction(10) ** ex
        if frac != 0 and frac < Fraction(1, 10 ** MAX_DIGITS):
            raise ParseError(f"the number {short(text)} is out of range")
        num = sympy.Rational(frac.numerator, frac.denominator)
        _check_number_power(num, power)
        return num, None

    def _name(self, node, depth, power):
        piece = node[1]
        k = piece[0]
        if power > MAX_TOTAL_POWER:
            raise ParseError(f"the powers nested around {piece[-1]} are too large "
                             f"(total exponent limit {MAX_TOTAL_POWER})")
        if k == "sym":
            return symbol(piece[1]), None
        if k == "mat":
            return self.matrices[piece[1]]
        if k == "vec":
            return _Vec(piece[1]), None
        if k == "idx":
            return _Idx(piece[1], piece[2]), None
        if k == "eye":
            return Eye(sympy.Integer(1)), None
        if k == "sym_unknown":
            raise self.vocab.unknown(piece[1])
        raise ParseError(f"'{piece[-1]}' cannot stand here")

    def _neg(self, node, depth, power):
        v, s = self.build(node[1], depth, power)
        if isinstance(v, Eye):
            return Eye(-v.coef), None
        if isinstance(v, _Vec):
            return _Vec(v.name, v.t, -v.coef), None
        v = self.as_scalar(v, None, "'-'") if s is None or s == "list" else v
        return -v, s

    def _add(self, node, depth, power, sign=1):
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if isinstance(a, Eye) or isinstance(b, Eye):
            return self._add_eye(a, sa, b, sb, sign)
        # a sum of one vector stays that vector (‖μ + μ‖² is 4‖μ‖², not the scalar (2μ)²)
        if isinstance(a, _Vec) and isinstance(b, _Vec) and a.name == b.name and a.t == b.t:
            return _Vec(a.name, a.t, a.coef + sign * b.coef), None
        for v, other in ((a, b), (b, a)):
            if isinstance(v, _Vec) and isinstance(other, sympy.Basic) and other == 0:
                return (v if v is a or sign > 0 else _Vec(v.name, v.t, -v.coef)), None
        if sa not in (None, "list"):
            if sb != sa:
                if sb is None:
                    raise ShapeError("cannot add a scalar and a matrix")
                raise ShapeError(f"cannot add matrices of shapes {_fmt_shape(sa)} and {_fmt_shape(sb)}")
            return (a + b if sign > 0 else a - b), sa
        if sb not in (None, "list"):
            raise ShapeError("cannot add a scalar and a matrix")
        a = self.as_scalar(a, sa, "'+'")
        b = self.as_scalar(b, sb, "'+'")
        return (a + b if sign > 0 else a - b), None

    def _sub(self, node, depth, power):
        return self._add(node, depth, power, sign=-1)

    def _add_eye(self, a, sa, b, sb, sign):
        if isinstance(a, Eye) and isinstance(b, Eye):
            return Eye(a.coef + sign * b.coef), None
        eye, other, so = (a, b, sb) if isinstance(a, Eye) else (b, a, sa)
        if so in (None, "list"):
            raise ShapeError("cannot add a scalar and the identity matrix I")
        if so[0] != so[1]:
            raise ShapeError(f"cannot add the identity I to a {_fmt_shape(so)} matrix")
        ident = eye.coef * sympy.Identity(so[0])
        if isinstance(a, Eye):
            return (ident + other if sign > 0 else ident - other), so
        return (other + ident if sign > 0 else other - ident), so

    def _mul(self, node, depth, power):
        how = node[3]
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if isinstance(a, _Vec) and isinstance(b, _Vec):
            return a.coef * b.coef * self._vec_product(a, b, how), None
        if isinstance(a, Eye) or isinstance(b, Eye):
            return self._mul_eye(a, sa, b, sb)
        for v, other, so in ((a, b, sb), (b, a, sa)):
            if isinstance(v, _Vec) and so is None and not isinstance(other, (_Idx, _Vec)):
                return _Vec(v.name, v.t, v.coef * self.as_scalar(other, so, "a product")), None
        ma, mb = sa not in (None, "list"), sb not in (None, "list")
        if ma and mb:
            if sa[1] != sb[0]:
                raise ShapeError(f"cannot multiply matrices of shapes {_fmt_shape(sa)} and {_fmt_shape(sb)}")
            return sympy.MatMul(a, b).doit(deep=False), (sa[0], sb[1])
        if how == "@":
            raise ParseError("'@' multiplies two matrices; use * with a scalar")
        if ma:
            return self.as_scalar(b, sb, "a product") * a, sa
        if mb:
            return self.as_scalar(a, sa, "a product") * b, sb
        return self.as_scalar(a, sa, "a product") * self.as_scalar(b, sb, "a product"), None

    def _vec_product(self, a: _Vec, b: _Vec, how: str):
        if how == "·" and not (a.t or b.t) and a.name in self.vocab.scalars:
            self.note(f"read {a.name}·{b.name} as the dot product {a.name}ᵀ{b.name}")
        if how == "·" or (a.t and not b.t):
            return self.inner(a.name, b.name)
        if not a.t and not b.t:
            if a.name in self.vocab.scalars and b.name in self.vocab.scalars:
                return symbol(a.name) * symbol(b.name)
            self.note(f"read {a.name} {b.name} as {a.name}ᵀ{b.name} (an inner product)")
            return self.inner(a.name, b.name)
        if not a.t and b.t:
            raise ParseError(f"{a.name} {b.name}ᵀ is an outer product (a matrix), not a number")
        raise ParseError(f"{a.name}ᵀ {b.name}ᵀ is not a product of vectors")

    def inner(self, a: str, b: str):
        if a == b:
            return symbol(f"norm2_{a}")
        # qᵀk = kᵀq: one name whatever the order written or declared (a JSON round
        # trip may reorder data["vectors"]); the question's own symbol wins.
        for name in (a + b, b + a):
            if name in self.vocab.scalars:
                return symbol(name)
        order = list(self.vocab.vectors)
        x, y = sorted((a, b), key=order.index)
        return symbol(x + y)

    def _mul_eye(self, a, sa, b, sb):
        if isinstance(a, Eye) and isinstance(b, Eye):
            return Eye(a.coef * b.coef), None
        eye, other, so = (a, b, sb) if isinstance(a, Eye) else (b, a, sa)
        if so in (None, "list"):
            return Eye(eye.coef * self.as_scalar(other, so, "a product")), None
        return eye.coef * other, so

    def _div(self, node, depth, power):
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if sb not in (None, "list") or isinstance(b, Eye):
            raise ShapeError("cannot divide by a matrix")
        b = self.as_scalar(b, sb, "'/'")
        if b == 0:
            raise ParseError("division by zero")
        if isinstance(a, Eye):
            return Eye(a.coef / b), None
        if isinstance(a, _Vec):
            return _Vec(a.name, a.t, a.coef / b), None
        if sa not in (None, "list"):
            return a * (1 / b), sa
        return self.as_scalar(a, sa, "'/'") / b, None

    def _pow(self, node, depth, power):
        e, se = self.build(node[2], depth, 1.0)
        if se is not None or not isinstance(e, sympy.Basic):
            raise ParseError("a matrix cannot be an exponent")
        if not e.is_Rational:
            raise ParseError("exponents must be numbers (e.g. d**2, d**(1/2))")
        p, q = abs(int(e.p)), int(e.q)
        if p > MAX_EXPONENT or q > MAX_EXPONENT:
            shown = str(e) if len(str(e)) <= 20 else f"with {len(str(e))} characters"
            if q > MAX_EXPONENT:
                what = f"has a denominator too large (limit {MAX_EXPONENT})"
            elif e < 0:  # 10^-100: a tiny number, refused for the size of its exponent
                what = (f"is too large in magnitude (exponents from -{MAX_EXPONENT} to "
                        f"{MAX_EXPONENT} are read)")
            else:
                what = f"is too large (limit {MAX_EXPONENT})"
            raise ParseError(f"the exponent {shown} {what}")
        inner_power = power * max(float(abs(e)), 1.0)
        base, sb = self.build(node[1], depth, inner_power)
        if isinstance(base, _Norm):
            return symbol(f"norm2_{base.name}") ** (e / 2), None
        if isinstance(base, _Vec) and base.name not in self.vocab.scalars:
            if e == 2:
                self.note(f"read {base.name}² as ‖{base.name}‖²")
                return base.coef**2 * symbol(f"norm2_{base.name}"), None
        if isinstance(base, Eye):
            if not (e.is_Integer and e > 0):
                raise ParseError("the identity may only be raised to a positive integer power")
            return Eye(base.coef ** e), None
        if sb not in (None, "list"):
            if not (e.is_Integer and e > 0):
                raise ParseError("a matrix may only be raised to a positive integer power")
            if sb[0] != sb[1]:
                raise ShapeError(f"only square matrices can be raised to a power, not {_fmt_shape(sb)}")
            return sympy.MatPow(base, e).doit(deep=False), sb
        if isinstance(base, _Idx):
            return base, ("idxpow", e)
        base = self.as_scalar(base, sb, "a power")
        if base == 0 and e < 0:
            raise ParseError("division by zero")
        if base.is_Number:
            _check_number_power(base, inner_power)
        return base ** e, None

    def _T(self, node, depth, power):
        v, s = self.build(node[1], depth, power)
        if isinstance(v, _Vec):
            return _Vec(v.name, not v.t, v.coef), None
        if isinstance(v, Eye) or s == "list":
            return v, s
        if s is not None:
            return sympy.Transpose(v).doit(deep=False), (s[1], s[0])
        raise ParseError("a transpose (ᵀ, ^T, .T, ') needs a matrix or a vector")

    def _root(self, node, depth, power):
        n = 2
        if node[2] is not None:
            r, _ = self.scalar(node[2], depth, 1.0)
            if not (r.is_Integer and 2 <= r <= MAX_EXPONENT):
                raise ParseError(f"\\sqrt[n]{{...}} needs a whole n from 2 to {MAX_EXPONENT}")
            n = int(r)
        v, s = self.build(node[1], depth, power)
        if isinstance(v, _Norm) or (isinstance(v, sympy.Basic) and s is None and n == 2):
            v = self.as_scalar(v, s, "\\sqrt")
            return (sympy.sqrt(v) if n == 2 else v ** sympy.Rational(1, n)), None
        v = self.as_scalar(v, s, "\\sqrt")
        return v ** sympy.Rational(1, n), None

    def _call(self, node, depth, power):
        fname, args = node[1], node[2]
        lo, hi = FUNCTIONS.get(fname.lower(), (1, 1))
        if fname in ("sin", "cos", "tan"):
            raise ParseError(f"the function '{fname}' is not allowed (allowed: sqrt, exp, log, max, min, abs)")
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ParseError(f"{fname}(...) takes {want} argument(s), not {len(args)}")
        if fname == "transpose":
            v, s = self.build(args[0], depth, power)
            if s in (None, "list"):
                raise ParseError("transpose(...) needs a matrix")
            return sympy.Transpose(v).doit(deep=False), (s[1], s[0])
        if fname == "exp":
            self.exp_nesting += 1
            if self.exp_nesting > MAX_EXP_NESTING:
                raise ParseError(f"exp(...) is nested too deeply (limit {MAX_EXP_NESTING})")
        try:
            built = [self.build(a, depth, power) for a in args]
        finally:
            if fname == "exp":
                self.exp_nesting -= 1
        if any(s not in (None, "list") for _, s in built):
            raise ParseError(f"{fname}(...) of a matrix is not allowed")
        if fname == "abs" and isinstance(built[0][0], _Vec):
            return self._abs(("abs",), depth, power, built=built[0])
        vals = [self.as_scalar(v, s, fname) for v, s in built]
        if fname == "little_o":
            raise ParseError("little-o / Õ is not O; write the bound as O(...)")
        if fname.lower() in ("o", "theta"):
            if self.kind != "bigo":
                raise ParseError("O(...) is only allowed in complexity answers")
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

    def _abs(self, node, depth, power, built=None):
        v, s = built if built is not None else self.build(node[1], depth, power)
        if isinstance(v, _Vec):
            if v.name in self.vocab.scalars:
                # μ is both the shared scalar mean and the vector μ ∈ R^d (Q3): |μ|² is μ²
                # or ‖μ‖², answers that differ by a factor d; neither reading is safe
                raise ParseError(f"|{v.name}| reads two ways here ({v.name} is both a shared "
                                 f"scalar mean and a vector): write {v.name}² for the scalar, "
                                 f"or ‖{v.name}‖² (or {v.name}ᵀ{v.name}) for the vector")
            self.note(f"read |{v.name}| as ‖{v.name}‖ ({v.name} is a vector)")
            return self._norm_of(v), None
        if s not in (None, "list"):
            raise ParseError("|...| of a matrix is not allowed")
        return sympy.Abs(self.as_scalar(v, s, "|...|")), None

    def _norm(self, node, depth, power):
        v, s = self.build(node[1], depth, power)
        if isinstance(v, _Vec):
            return self._norm_of(v), None
        if s not in (None, "list"):
            raise ParseError("the norm of a matrix is not read")
        return sympy.Abs(self.as_scalar(v, s, "‖...‖")), None

    @staticmethod
    def _norm_of(v: _Vec):
        """‖c·v‖ = |c|·‖v‖ (kept as _Norm when c = 1, so that ‖v‖² is norm2_v)."""
        if v.coef == 1:
            return _Norm(v.name)
        return sympy.Abs(v.coef) * sympy.sqrt(symbol(f"norm2_{v.name}"))

    def _inner(self, node, depth, power):
        a, _ = self.build(node[1], depth, power)
        b, _ = self.build(node[2], depth, power)
        if not (isinstance(a, _Vec) and isinstance(b, _Vec)):
            raise ParseError("⟨a, b⟩ is read for the question's vectors only")
        return a.coef * b.coef * self.inner(a.name, b.name), None

    def _sum(self, node, depth, power):
        _, index, upper, body = node
        dummies: dict[str, sympy.Symbol] = {}
        val = self._sum_body(body, depth, power, dummies)
        names = list(dummies)
        dims = {self.vocab.vectors[n] for n in names}
        if len(dims) > 1:
            raise ParseError("a sum over vectors of different lengths is not read")
        dim = dims.pop() if dims else upper
        if dim is None:
            raise ParseError("the sum needs an upper limit, e.g. \\sum_{i=1}^{d}")
        if upper is not None and upper != dim:
            raise ParseError(f"the sum runs to {upper}, but the vector has {dim} entries")
        poly = sympy.Poly(sympy.expand(val), *[dummies[n] for n in names]) if names else None
        if poly is None:
            count = self.vocab.lookup(dim)
            if count is None or count[0] != "sym":
                raise self.vocab.unknown(dim)
            return symbol(count[1]) * val, None
        out = sympy.Integer(0)
        for monom, coef in poly.terms():
            if sum(monom) == 0:
                count = self.vocab.lookup(dim)
                if count is None or count[0] != "sym":
                    raise self.vocab.unknown(dim)
                out += coef * symbol(count[1])
                continue
            if sum(monom) != 2:
                raise ParseError("a sum is read when each term is a product of two vector entries "
                                 "(Σ_i μ_i², Σ_i q_i k_i)")
            pair = [n for n, m in zip(names, monom) for _ in range(m)]
            out += coef * self.inner(pair[0], pair[1])
        return out, None

    def _sum_body(self, node, depth, power, dummies):
        """The summand with each v_i replaced by a dummy symbol."""
        if node[0] == "name" and node[1][0] == "idx":
            name = node[1][1]
            dummies.setdefault(name, sympy.Dummy(f"{name}_i", real=True))
            return dummies[name]
        if node[0] in ("mul", "add", "sub", "neg", "pow", "div"):
            if node[0] == "pow":
                base = self._sum_body(node[1], depth + 1, power, dummies)
                e, _ = self.scalar(node[2], depth + 1, 1.0)
                if not (e.is_Integer and 0 <= e <= 4):
                    raise ParseError("powers in a sum are read up to 4")
                return base ** e
            if node[0] == "neg":
                return -self._sum_body(node[1], depth + 1, power, dummies)
            a = self._sum_body(node[1], depth + 1, power, dummies)
            b = self._sum_body(node[2], depth + 1, power, dummies)
            return {"mul": lambda: a * b, "add": lambda: a + b, "sub": lambda: a - b,
                    "div": lambda: a / b}[node[0]]()
        v, s = self.build(node, depth, power)
        return self.as_scalar(v, s, "a sum")

    def _list(self, node, depth, power):
        if self.kind not in ("vector", "feature_map"):
            if len(node[1]) == 1:  # [d + 1]: brackets as parentheses
                return self.build(node[1][0], depth, power)
            raise ParseError("a list is only allowed as the answer to a vector question")
        if depth > 3:
            raise ParseError("a vector must be the whole answer, e.g. [1, 2, 3]")
        out = []
        for elt in node[1]:
            if elt[0] in ("list", "matrix"):
                raise ParseError("vector entries must be numbers or expressions, not lists")
            v, s = self.build(elt, depth, power)
            out.append(self.as_scalar(v, s, "a vector entry"))
        return out, "list"

    def _matrix(self, node, depth, power):
        rows = node[1]
        if len({len(r) for r in rows}) != 1:
            raise ParseError("the rows of the matrix have different lengths")
        if len(rows) > 1 and len(rows[0]) > 1:
            raise ParseError(f"a {len(rows)}×{len(rows[0])} matrix is not a vector")
        cells = [r[0] for r in rows] if len(rows[0]) == 1 else rows[0]
        return self._list(("list", cells), depth, power)


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

