r"""Read an answer to ``hw7 check`` — plain text, LaTeX or Unicode math — into SymPy objects.

A student's answer is hostile until proven otherwise (issue 7, issue 12). It is
never handed to ``eval``, ``sympify`` or ``parse_expr``, LaTeX macros are never
expanded and nothing is read from disk. Three steps, each bounded:

1. :func:`hw7.checker.read_unicode.to_latex` screens the characters and spells
   Unicode math (√ ² ᵀ ₁ ‖ · × − λ σ μ …) as LaTeX;
2. :func:`hw7.checker.read_latex.tokenize` cuts the text into tokens, knowing only
   a whitelist of LaTeX commands;
3. a recursive-descent parser reads the tokens into a small tree, and a builder
   turns each allowed node into a SymPy object — numbers, the question's own
   symbols, ``+ - * / ^``, ``sqrt exp log max min abs``, ``O(...)`` (complexity
   answers), matrices with shapes (matrix answers), lists (vector answers).

Notation read (issue 12): ``\frac{a}{b}``, ``\sqrt{x}``, ``\sqrt[n]{x}``, ``x^{..}``,
``x_{..}``, ``\cdot``, ``\times``, ``^T``/``^\top``/``ᵀ``/``'``/``.T``, ``\|x\|``,
``|x|``, ``\left``/``\right``/``\big``, ``\boxed``, ``\text``/``\mathrm``/
``\operatorname``/``\mathbb``, Greek letters, ``\sum_{i=1}^{d}``, ``bmatrix``/
``pmatrix``, ``$...$``. A label before ``=`` (``s =``, ``E[qᵀk] =``,
``\text{Time} =``, ``∂L/∂W1 =``) is dropped. Products may be implicit: a run of
letters is split into the question's known names (``ND`` is N*D, ``W2W1X`` is
W2*W1*X); a single letter the question does not have but has in the other case
(``n`` when the question has N and no n) is read as that, with a note.

Vector symbols (``vectors={"mu": "d"}``: μ ∈ R^d): ``‖μ‖²``, ``μᵀμ``, ``μ·μ``,
``|μ|²``, ``Σ_i μ_i²`` read as ``Symbol("norm2_mu", nonnegative=True)``; the inner
product of two vectors q, k (``qᵀk``, ``q·k``, ``⟨q, k⟩``, ``Σ_i q_i k_i``) as
``Symbol("qk", real=True)``; a plain ``mu`` stays the scalar symbol (shared mean).

>>> p = parse_answer("O(N²(D + M))", kind="bigo", symbols=("N", "D", "M"))
>>> p.read_as
'O(N**2*(D + M))'
>>> parse_answer(r"s = \sqrt{d}", kind="expr", symbols=("d",)).read_as
'sqrt(d)'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from hw7.checker.read_errors import (
    MAX_ARGS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXP_NESTING,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NESTING,
    MAX_TOTAL_POWER,
    MAX_TREE_DEPTH,
    MAX_VECTOR,
    ParseError,
    ShapeError,
    short,
)
from hw7.checker.read_latex import Token, check_commands, strip_delimiters, tokenize
from hw7.checker.read_unicode import to_latex

__all__ = ["parse_answer", "Parsed", "ParseError", "ShapeError", "symbol", "dim_symbol",
           "KINDS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT", "MAX_DIGITS"]

KINDS = ("expr", "bigo", "matrix", "vector", "feature_map")

# Assumptions of the homework's symbols: positive quantities, except the mean mu (Q3),
# an inner product qk (Q5(b)) and feature-map inputs x1, x2, ... (Q5(b)), which are real.
_REAL_SYMBOLS = {"mu", "qk"}
_FUNCTIONS = {  # name -> (min args, max args)
    "sqrt": (1, 1), "exp": (1, 1), "log": (1, 2), "ln": (1, 1), "max": (2, MAX_ARGS),
    "min": (2, MAX_ARGS), "abs": (1, 1), "o": (1, 1), "theta": (1, 1), "transpose": (1, 1),
}
_GREEK_NAMES = {"lambda": "lam"}   # spelt name -> the checker's symbol name
_NUM_TEXT = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?")


@dataclass(frozen=True)
class Parsed:
    """A read answer.

    value: a SymPy expression, a MatrixExpr, or a list of expressions (vectors, feature maps).
    shape: (rows, cols) of a matrix answer, None for scalars and vectors.
    used_O: whether the answer was written as O(...) (complexity answers).
    read_as: how the answer was read, e.g. ``"N**2*(D + M)"`` (echoed in the verdict).
    notes: how ambiguities were resolved, e.g. ``"read n as N: ..."``.
    """

    value: object
    shape: tuple | None = None
    used_O: bool = False
    read_as: str = ""
    notes: list = field(default_factory=list)


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
class _Eye:
    """The identity I of a size the neighbours fix, times a scalar."""
    coef: object


@dataclass
class _Idx:
    """v_i inside a sum over i."""
    name: str
    index: str


# ---------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over tokens; returns nested tuples (the tree), builds nothing."""

    def __init__(self, toks: list[Token], vocab: _Vocab):
        self.toks = toks
        self.i = 0
        self.vocab = vocab
        self.nest = 0
        self.in_abs = 0
        self.in_norm = 0
        self.sum_index: list[str] = []
        self._sub_rest: list[Token] = []

    # -- helpers
    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def kind(self, k: int = 0) -> str | None:
        t = self.peek(k)
        return t.kind if t else None

    def take(self, kind: str | None = None) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError("the answer ends too early" + (f" (expected '{kind}')" if kind else ""))
        if kind is not None and t.kind != kind:
            raise ParseError(f"expected '{_show_kind(kind)}' but found {_show(t)}")
        self.i += 1
        return t

    def push(self, toks: list[Token]) -> None:
        self.toks[self.i:self.i] = toks

    # -- grammar
    def top(self):
        node = self.expr()
        if self.kind() == ",":  # 1, 4, 3: a list without brackets
            items = [node]
            while self.kind() == ",":
                self.take()
                items.append(self.expr())
                if len(items) > MAX_VECTOR:
                    raise ParseError(f"the vector has too many entries (limit {MAX_VECTOR})")
            node = ("list", items)
        if self.peek() is not None:
            raise ParseError(f"could not read the answer from {_show(self.peek())} on"
                             + _juxtaposition_hint(self.peek()))
        return node

    def expr(self):
        node = self.term()
        while self.kind() in ("+", "-"):
            op = self.take().kind
            node = ("add" if op == "+" else "sub", node, self.term())
        return node

    def term(self):
        node = self.signed()
        while True:
            k = self.kind()
            if k in ("*", "·", "@", "/"):
                self.take()
                rhs = self.signed()
                node = ("div", node, rhs) if k == "/" else ("mul", node, rhs, k)
            elif self.starts_factor():
                node = ("mul", node, self.power(), "imp")
            else:
                return node

    def starts_factor(self) -> bool:
        k = self.kind()
        if k in ("ID", "(", "{", "SQRT", "FRAC", "SUM", "LANGLE", "TEXT", "BEGIN", "RESOLVED", "NODE"):
            return True
        if k == "NORM":
            return self.in_norm == 0
        if k == "|":
            return self.in_abs == 0
        return False

    def signed(self):
        signs = 0
        while self.kind() in ("+", "-"):
            if self.take().kind == "-":
                signs += 1
            if signs > MAX_TREE_DEPTH:
                raise ParseError(f"the answer is nested too deeply (limit {MAX_TREE_DEPTH} levels)")
        node = self.power()
        return ("neg", node) if signs % 2 else node

    def power(self):
        node = self.primary()
        while True:
            k = self.kind()
            if k in ("TOP", "'"):
                self.take()
                node = ("T", node)
            elif k == "^":
                e = self.exponent()
                node = ("T", node) if e == "TOP" else ("pow", node, e)
            elif k == "SUB" and node[0] == "norm" and self.peek().text == "2":
                self.take()  # ‖x‖_2: the Euclidean norm
            else:
                return node

    def exponent(self):
        self.take("^")
        sign = False
        while self.kind() in ("+", "-"):
            sign ^= self.take().kind == "-"
        t = self.peek()
        if t is None:
            raise ParseError("'^' needs an exponent")
        if t.kind in ("TOP", "'"):
            self.take()
            e = "TOP"
        elif t.kind == "{":
            inner = self._group_tokens()
            if len(inner) == 1 and (inner[0].kind in ("TOP", "'") or (
                    inner[0].kind == "ID" and inner[0].text == "T" and not self.vocab.has("T"))):
                self.take("{")
                self.take()
                self.take("}")
                e = "TOP"
            else:
                e = self.primary()
        elif t.kind == "(":
            e = self.primary()
        elif t.kind == "NUM":
            e = ("num", self.take().text)
        elif t.kind == "ID" and len(t.text) > 1 and self.vocab.lookup(t.text) is not None:
            e = self.primary()  # d^sqrt(2), d^lam: a whole name
        elif t.kind == "ID":
            self.take()
            first, rest = t.text[0], t.text[1:]
            if rest and not t.atomic:
                self.push([Token("ID", rest, t.pos + 1)])
            elif rest:
                first = t.text
            if first == "T" and not self.vocab.has("T"):
                e = "TOP"
            else:
                e = self.name_node(Token("ID", first, t.pos, atomic=True))
        elif t.kind in ("FRAC", "SQRT"):
            e = self.primary()
        else:
            raise ParseError(f"'^' needs an exponent, not {_show(t)}")
        if e == "TOP":
            if sign:
                raise ParseError("'^-T' is not read: write the transpose and the power apart")
            return e
        if self.kind() == "^":  # right-associative: d^2^3 is d^(2^3)
            sub = self.exponent()
            if sub == "TOP":
                raise ParseError("a transpose inside an exponent is not read")
            e = ("pow", e, sub)
        return ("neg", e) if sign else e

    def _group_tokens(self) -> list[Token]:
        depth, j = 0, self.i
        while j < len(self.toks):
            k = self.toks[j].kind
            if k == "{":
                depth += 1
            elif k == "}":
                depth -= 1
                if depth == 0:
                    return self.toks[self.i + 1: j]
            j += 1
        raise ParseError("unbalanced braces")

    def primary(self):
        self.nest += 1
        if self.nest > MAX_NESTING:
            raise ParseError(f"the answer is nested too deeply (limit {MAX_NESTING} levels)")
        try:
            return self._primary()
        finally:
            self.nest -= 1

    def _primary(self):
        t = self.peek()
        if t is None:
            raise ParseError("the answer ends too early")
        k = t.kind
        if k == "NUM":
            self.take()
            return ("num", t.text)
        if k in ("ID", "TEXT"):
            self.take()
            return self.name_node(t)
        if k == "RESOLVED":
            self.take()
            return self._piece_node(t.obj)
        if k == "NODE":
            self.take()
            return t.obj
        if k == "(":
            return self.bracketed("(", ")")
        if k == "[":
            return self.bracketed("[", "]")
        if k == "{":
            self.take()
            node = self.expr()
            self.take("}")
            return node
        if k == "FRAC":
            self.take()
            a = self.arg()
            b = self.arg()
            return ("div", a, b)
        if k == "SQRT":
            self.take()
            root = None
            if self.kind() == "[":
                self.take()
                root = self.expr()
                self.take("]")
            a = self.arg()
            return ("root", a, root)
        if k == "SUM":
            return self.sum()
        if k == "LANGLE":
            self.take()
            a = self.expr()
            self.take(",")
            b = self.expr()
            self.take("RANGLE")
            return ("inner", a, b)
        if k == "NORM":
            self.take()
            self.in_norm += 1
            a = self.expr()
            self.in_norm -= 1
            self.take("NORM")
            return ("norm", a)
        if k == "|":
            self.take()
            self.in_abs += 1
            a = self.expr()
            self.in_abs -= 1
            self.take("|")
            return ("abs", a)
        if k == "BEGIN":
            return self.matrix_env()
        if k == "LABEL":
            raise ParseError(f"\\{t.text} may only appear in a label before '='")
        raise ParseError(f"could not read the answer at {_show(t)}" + _juxtaposition_hint(t))

    def arg(self):
        r"""An argument of \frac or \sqrt: a brace group, or one token (\frac12 is 1/2)."""
        t = self.peek()
        if t is None:
            raise ParseError("\\frac or \\sqrt needs an argument")
        if t.kind == "NUM" and len(t.text) > 1 and t.text.isdigit():
            self.take()
            self.push([Token("NUM", t.text[1:], t.pos + 1)])
            return ("num", t.text[0])
        if t.kind == "ID" and len(t.text) > 1 and not t.atomic:
            self.take()
            self.push([Token("ID", t.text[1:], t.pos + 1)])
            return self.name_node(Token("ID", t.text[0], t.pos))
        return self.power() if t.kind in ("(",) else self.primary()

    def bracketed(self, open_, close):
        self.take(open_)
        items = [self.expr()]
        while self.kind() == ",":
            self.take()
            items.append(self.expr())
            if len(items) > MAX_VECTOR:
                raise ParseError(f"the vector has too many entries (limit {MAX_VECTOR})")
        t = self.peek()
        if t is None or t.kind not in (")", "]"):
            raise ParseError(f"expected '{close}' but found {_show(t)}")
        self.take()
        if len(items) > 1 or open_ == "[":
            return ("list", items)
        return items[0]

    def matrix_env(self):
        env = self.take("BEGIN").text
        rows, row = [], []
        while True:
            if self.kind() == "END":
                if self.take().text != env:
                    raise ParseError(f"\\begin{{{env}}} is closed by a different \\end")
                break
            row.append(self.expr())
            k = self.kind()
            if k == "COLSEP":
                self.take()
            elif k == "ROWSEP":
                self.take()
                rows.append(row)
                row = []
            elif k != "END":
                raise ParseError(f"expected '&', '\\\\' or \\end{{{env}}} but found {_show(self.peek())}")
            if sum(map(len, rows)) + len(row) > MAX_VECTOR:
                raise ParseError(f"the matrix has too many entries (limit {MAX_VECTOR})")
        if row:
            rows.append(row)
        if not rows:
            raise ParseError(f"\\begin{{{env}}} ... \\end{{{env}}} is empty")
        return ("matrix", rows)

    def sum(self):
        self.take("SUM")
        index, upper = None, None
        for _ in range(2):
            if self.kind() == "SUB" and index is None:
                m = re.fullmatch(r"\s*([a-z])\s*(?:=\s*1\s*)?", self.take().text)
                if not m:
                    raise ParseError("a sum is read as Σ_i or \\sum_{i=1}^{d} over one index")
                index = m.group(1)
            elif self.kind() == "^" and upper is None:
                self.take()
                t = self.peek()
                if t is not None and t.kind == "{":
                    inner = self._group_tokens()
                    if len(inner) != 1 or inner[0].kind != "ID":
                        raise ParseError("the upper limit of a sum must be a dimension such as d")
                    self.take("{")
                    upper = self.take().text
                    self.take("}")
                elif t is not None and t.kind == "ID":
                    self.take()
                    upper = t.text[0]
                    if len(t.text) > 1:
                        self.push([Token("ID", t.text[1:], t.pos + 1)])
                else:
                    raise ParseError("the upper limit of a sum must be a dimension such as d")
        if index is None:
            raise ParseError("a sum needs its index, e.g. Σ_i μ_i² or \\sum_{i=1}^{d}")
        self.sum_index.append(index)
        try:
            body = self.signed()
            while self.kind() in ("*", "·") or self.starts_factor():
                if self.kind() in ("*", "·"):
                    self.take()
                body = ("mul", body, self.power(), "*")
        finally:
            self.sum_index.pop()
        return ("sum", index, upper, body)

    def name_node(self, t: Token):
        """An identifier: one known name, or a run split into a product of known names."""
        sub = None
        if self.kind() == "SUB":
            sub = self.take()
        if t.kind == "TEXT":
            word = t.text.strip()
            if self.vocab.lookup(word) is None and self.vocab.lookup(word.lower()) is None:
                raise ParseError(f"the text '{short(word)}' is not part of a formula "
                                 "(labels go before '=')")
            t = Token("ID", word, t.pos, atomic=True)
        pieces = self.vocab.split(t.text, atomic=t.atomic, allow_partial=sub is not None)
        items = [Token("RESOLVED", "", t.pos, obj=p) for p in pieces]
        if sub is not None:
            items[-1] = Token("NODE", "", t.pos, obj=self._subscripted(pieces[-1], sub))
        rest = self._sub_rest
        self._sub_rest = []
        self.push(items[1:] + rest)
        first = items[0]
        return first.obj if first.kind == "NODE" else self._piece_node(first.obj)

    def _piece_node(self, piece):
        if piece[0] == "func":
            return self.call(piece[1])
        return ("name", piece)

    def call(self, fname: str):
        t = self.peek()
        if t is not None and t.kind == "(":
            self.take()
            if self.kind() == ")":
                raise ParseError(f"{fname}(...) needs an argument")
            args = [self.expr()]
            while self.kind() == ",":
                self.take()
                args.append(self.expr())
                if len(args) > MAX_ARGS:
                    break
            t2 = self.peek()
            if t2 is None or t2.kind not in (")", "]"):
                raise ParseError(f"expected ')' after the arguments of {fname} but found {_show(t2)}")
            self.take()
        elif t is not None and t.kind in ("{", "ID", "NUM", "FRAC", "SQRT", "NORM", "|", "RESOLVED",
                                          "NODE", "LANGLE"):
            args = [self.power()]  # \log d, \sqrt d, \exp{x}
        else:
            raise ParseError(f"'{fname}' is a function: call it with parentheses, e.g. {fname}(...)")
        return ("call", fname, args)

    def _subscripted(self, piece, sub: Token):
        """``base`` followed by ``_sub``: W_1 -> W1, sigma_i -> sigma_i, mu_i in a sum -> μ_i."""
        if piece[0] == "func":
            raise ParseError(f"'{piece[1]}' cannot take a subscript")
        base = "I" if piece[0] == "eye" else piece[1]
        s = sub.text
        candidates = [base + s, base + "_" + s]
        if not sub.atomic and len(s) > 1:
            candidates += [base + s[0], base + "_" + s[0]]
        for c in candidates:
            found = self.vocab.lookup(c)
            if found is not None and found[0] != "func":
                if not c.endswith(s):  # sigma_ij... : the rest of the subscript run is a factor
                    self._sub_rest = [Token("ID", s[1:], sub.pos + 2)]
                return ("name", found)
        if base in self.vocab.vectors and s in self.sum_index:
            return ("name", ("idx", base, s))
        if base in self.vocab.vectors and len(s) == 1 and s.isalpha():
            raise ParseError(f"{base}_{s} is only read inside a sum over {s}, e.g. Σ_{s} {base}_{s}²")
        raise self.vocab.unknown(f"{base}_{s}")


def _show(t: Token | None) -> str:
    if t is None:
        return "the end"
    if t.kind in ("NUM", "ID", "TEXT"):
        return f"'{short(t.text, 20)}'"
    if t.kind == "SUB":
        return f"'_{short(t.text, 20)}'"
    return f"'{_show_kind(t.kind)}'"


def _show_kind(kind: str) -> str:
    return {"TOP": "ᵀ", "FRAC": "\\frac", "SQRT": "\\sqrt", "SUM": "\\sum", "NORM": "‖",
            "LANGLE": "⟨", "RANGLE": "⟩", "ROWSEP": "\\\\", "COLSEP": "&", "BEGIN": "\\begin",
            "END": "\\end", "LABEL": "label", "·": "·"}.get(kind, kind)


def _juxtaposition_hint(t: Token | None) -> str:
    if t is not None and t.kind == "NUM":
        return " (write products with *, e.g. d*2)"
    return ""


# ---------------------------------------------------------------------------- vocabulary


class _Vocab:
    """The names a question knows, and how a run of letters splits into them."""

    def __init__(self, kind, symbols, shapes, vectors):
        self.kind = kind
        self.words: dict[str, tuple] = {}
        self.notes: list[str] = []
        self.vectors = dict(vectors or {})
        for name in symbols:
            self.words[name] = ("sym", name)
        for name in shapes or {}:
            self.words[name] = ("mat", name)
        for name in self.vectors:
            self.words[name] = ("vec", name)
            self.words[f"norm2_{name}"] = ("sym", f"norm2_{name}")
        names = list(self.vectors)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                self.words.setdefault(names[a] + names[b], ("sym", names[a] + names[b]))
        self.scalars = {n for n in symbols}
        for spelt, name in _GREEK_NAMES.items():
            if name in self.words:
                self.words.setdefault(spelt, self.words[name])
        if kind == "matrix" and "I" not in self.words:
            self.words["I"] = ("eye",)
        funcs = ["sqrt", "exp", "log", "ln", "max", "min", "abs"]
        if kind == "bigo":
            funcs += ["O", "o", "Theta"]
        if kind == "matrix":
            funcs.append("transpose")
        self.funcs = set(funcs)

    def has(self, word: str) -> bool:
        return word in self.words

    def lookup(self, word: str):
        if word in self.words:
            return self.words[word]
        low = word.lower()
        if len(word) > 1 and low in {f.lower() for f in self.funcs} and low not in ("o",):
            return ("func", low)
        if word in self.funcs:
            return ("func", word.lower())
        return None

    def split(self, run: str, *, atomic: bool = False, allow_partial: bool = False) -> list:
        """``run`` as a list of pieces (("sym", name), ("mat", name), ("func", f), ...)."""
        found = self.lookup(run) or self._fold(run)
        if found is not None:
            return self._unfold([found])
        if atomic:
            if allow_partial:
                return [("sym_unknown", run)]
            raise self.unknown(run)
        n = len(run)
        if n > 60:
            raise ParseError(f"the name '{short(run)}' is too long")
        best: list = [None] * (n + 1)   # best[i]: (cost, pieces) for run[:i]
        best[0] = (0, [])
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 1, n + 1):
                w = run[i:j]
                p = self.lookup(w)
                cost = 1
                if p is None:
                    p = self._fold(w)
                    cost = 10
                if p is None:
                    continue
                if p[0] == "func" and j != n:
                    continue  # a function name only ends a run: d sqrt(...)
                c = best[i][0] + cost
                if best[j] is None or c < best[j][0]:
                    best[j] = (c, best[i][1] + [p])
        if best[n] is None:
            if allow_partial:
                # the subscript may complete the last name: W_1, sigma_i
                for i in range(n - 1, -1, -1):
                    if best[i] is not None:
                        return self._unfold(best[i][1]) + [("sym_unknown", run[i:])]
            raise self.unknown(run)
        return self._unfold(best[n][1])

    def _unfold(self, pieces: list) -> list:
        out = []
        for p in pieces:
            if p[0] == "fold":
                note = f"read {p[3]} as {p[2]}: the question has {p[2]} and no {p[3]}"
                if note not in self.notes:
                    self.notes.append(note)
                p = (p[1], p[2])
            out.append(p)
        return out

    def _fold(self, w: str):
        """A single letter in the other case (n for N) when the question has only that one."""
        if len(w) != 1 or w in self.words:
            return None
        other = w.swapcase()
        hit = self.words.get(other)
        if hit is not None and hit[0] in ("sym", "mat"):
            return ("fold", hit[0], other, w)
        return None

    def unknown(self, name: str) -> ParseError:
        known = sorted(k for k, v in self.words.items()
                       if v[0] in ("sym", "mat", "vec") and not k.startswith("norm2_"))
        hint = (f"; this question uses: {', '.join(known)}" if known
                else "; this question uses no symbols")
        if name.lower() in _FUNCTIONS or name in ("O",):
            return ParseError(f"the function '{short(name)}' is not allowed here")
        return ParseError(f"unknown symbol '{short(name)}'{hint}")


# ---------------------------------------------------------------------------- builder


class _Builder:
    """Turns the tree into SymPy objects, one allowed node at a time, within the bounds."""

    def __init__(self, kind, vocab: _Vocab, shapes):
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
    # "list" for lists; values may be _Vec/_Norm/_Eye/_Idx placeholders.
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
        if isinstance(v, _Eye):
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
            return _Eye(sympy.Integer(1)), None
        if k == "sym_unknown":
            raise self.vocab.unknown(piece[1])
        raise ParseError(f"'{piece[-1]}' cannot stand here")

    def _neg(self, node, depth, power):
        v, s = self.build(node[1], depth, power)
        if isinstance(v, _Eye):
            return _Eye(-v.coef), None
        if isinstance(v, _Vec):
            return _Vec(v.name, v.t, -v.coef), None
        v = self.as_scalar(v, None, "'-'") if s is None or s == "list" else v
        return -v, s

    def _add(self, node, depth, power, sign=1):
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if isinstance(a, _Eye) or isinstance(b, _Eye):
            return self._add_eye(a, sa, b, sb, sign)
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
        if isinstance(a, _Eye) and isinstance(b, _Eye):
            return _Eye(a.coef + sign * b.coef), None
        eye, other, so = (a, b, sb) if isinstance(a, _Eye) else (b, a, sa)
        if so in (None, "list"):
            raise ShapeError("cannot add a scalar and the identity matrix I")
        if so[0] != so[1]:
            raise ShapeError(f"cannot add the identity I to a {_fmt_shape(so)} matrix")
        ident = eye.coef * sympy.Identity(so[0])
        if isinstance(a, _Eye):
            return (ident + other if sign > 0 else ident - other), so
        return (other + ident if sign > 0 else other - ident), so

    def _mul(self, node, depth, power):
        how = node[3]
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if isinstance(a, _Vec) and isinstance(b, _Vec):
            return a.coef * b.coef * self._vec_product(a, b, how), None
        if isinstance(a, _Eye) or isinstance(b, _Eye):
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
        order = list(self.vocab.vectors)
        x, y = sorted((a, b), key=order.index)
        return symbol(x + y)

    def _mul_eye(self, a, sa, b, sb):
        if isinstance(a, _Eye) and isinstance(b, _Eye):
            return _Eye(a.coef * b.coef), None
        eye, other, so = (a, b, sb) if isinstance(a, _Eye) else (b, a, sa)
        if so in (None, "list"):
            return _Eye(eye.coef * self.as_scalar(other, so, "a product")), None
        return eye.coef * other, so

    def _div(self, node, depth, power):
        a, sa = self.build(node[1], depth, power)
        b, sb = self.build(node[2], depth, power)
        if sb not in (None, "list") or isinstance(b, _Eye):
            raise ShapeError("cannot divide by a matrix")
        b = self.as_scalar(b, sb, "'/'")
        if b == 0:
            raise ParseError("division by zero")
        if isinstance(a, _Eye):
            return _Eye(a.coef / b), None
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
            raise ParseError(f"the exponent {shown} is too large (limit {MAX_EXPONENT})")
        inner_power = power * max(float(abs(e)), 1.0)
        base, sb = self.build(node[1], depth, inner_power)
        if isinstance(base, _Norm):
            return symbol(f"norm2_{base.name}") ** (e / 2), None
        if isinstance(base, _Vec) and base.name not in self.vocab.scalars:
            if e == 2:
                self.note(f"read {base.name}² as ‖{base.name}‖²")
                return base.coef**2 * symbol(f"norm2_{base.name}"), None
        if isinstance(base, _Eye):
            if not (e.is_Integer and e > 0):
                raise ParseError("the identity may only be raised to a positive integer power")
            return _Eye(base.coef ** e), None
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
        if isinstance(v, _Eye) or s == "list":
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
        lo, hi = _FUNCTIONS.get(fname.lower(), (1, 1))
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


# ---------------------------------------------------------------------------- labels


def _drop_label(toks: list[Token], latex: str, notes: list[str]) -> list[Token]:
    """Tokens after the last top-level '=' (a label such as ``s =`` or ``E[qᵀk] =``)."""
    depth, cut = 0, None
    for a, b in zip(toks, toks[1:]):
        if a.kind == "=" and b.kind == "=":
            raise ParseError("'==' (a comparison) is not allowed in an answer")
    for j, t in enumerate(toks):
        if t.kind in ("(", "[", "{", "LANGLE"):
            depth += 1
        elif t.kind in (")", "]", "}", "RANGLE"):
            depth -= 1
        elif t.kind == "=" and depth == 0:
            cut = j
    if cut is None:
        for t in toks:
            if t.kind == "=":
                raise ParseError("'=' inside brackets is not read; write only the answer")
            if t.kind == "LABEL":
                raise ParseError(f"\\{t.text} may only appear in a label before '='")
        return toks
    rest = toks[cut + 1:]
    if not rest:
        raise ParseError("nothing follows '='")
    if cut == 0:
        raise ParseError("'=' needs a label before it, e.g. s = ...")
    notes.append(f"dropped the label '{short(latex[:toks[cut].pos].strip(), 40)} ='")
    return _drop_label(rest, latex, []) if any(t.kind == "=" for t in rest) else rest


# ---------------------------------------------------------------------------- entry point


def parse_answer(text: object, *, kind: str, symbols=(), shapes: dict | None = None,
                 vectors: dict | None = None) -> Parsed:
    """Read ``text`` safely for a question of check kind ``kind``.

    kind: "expr", "bigo", "matrix", "vector" or "feature_map".
    symbols: names of the scalar symbols the question uses (e.g. ("d", "sigma", "mu")).
    shapes: for matrix questions, {"X": ["m", "n"], ...}.
    vectors: vector symbols and their lengths, e.g. {"mu": "d"} (μ ∈ R^d): ‖μ‖², μᵀμ, ...
        read as Symbol("norm2_mu"); qᵀk of declared q, k as Symbol("qk").
    Raises :class:`ParseError` (one line) for anything outside the whitelist,
    :class:`ShapeError` for matrices whose shapes do not conform.

    >>> parse_answer("2λW1", kind="matrix", symbols=("lam",),
    ...              shapes={"W1": ["k", "m"]}).read_as
    '(2*lam)*W1'
    """
    if kind not in KINDS:
        raise ParseError(f"no parser for answers of kind {kind!r}")
    if isinstance(text, str) and len(text) <= MAX_LENGTH:
        check_commands(text)
    latex = strip_delimiters(to_latex(text))
    if len(latex) > MAX_LENGTH * 4:
        raise ParseError(f"the answer is too long (limit {MAX_LENGTH} characters)")
    toks = tokenize(latex)
    notes: list[str] = []
    toks = _drop_label(toks, latex, notes)
    shapes = shapes if kind == "matrix" else None
    vocab = _Vocab(kind, list(symbols), shapes, vectors)
    vocab.notes = notes
    parser = _Parser(list(toks), vocab)
    try:
        tree = parser.top()
        b = _Builder(kind, vocab, shapes)
        value, shape = b.build(tree)
        value, shape, read_as = _finish(kind, b, value, shape)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("the answer is nested too deeply") from None
    except (TypeError, ValueError, ArithmeticError, MemoryError, AttributeError,
            sympy.PolynomialError) as exc:
        raise ParseError(f"the answer is not a valid expression ({type(exc).__name__})") from None
    if b.used_O:
        read_as = f"O({read_as})"
    return Parsed(value, shape, b.used_O, read_as, notes)


def _finish(kind, b: _Builder, value, shape):
    """The value checked against the kind, its shape, and how it reads (``read_as``)."""
    if kind in ("vector", "feature_map"):
        if shape != "list":
            raise ParseError("a vector answer is a list of entries, e.g. [1, 2, 3]")
        return value, None, "[" + ", ".join(sympy.sstr(v) for v in value) + "]"
    if shape == "list":
        raise ParseError("a list is only allowed as the answer to a vector question")
    if kind == "matrix":
        if isinstance(value, _Eye):
            raise ParseError("the identity I alone has no size; write the whole gradient")
        if shape is None:
            raise ParseError("the answer must be a matrix expression in " + ", ".join(sorted(b.matrices)))
        read_as = sympy.sstr(value)
        if value.has(sympy.Identity):  # (W2 W1 - I) X = W2 W1 X - X: the judge needs no I
            expanded = value.expand().doit()
            if not expanded.has(sympy.Identity):
                value = expanded
        return value, shape, read_as
    if shape is not None:
        raise ParseError("the answer must be a scalar expression")
    value = b.as_scalar(value, shape)
    return value, None, sympy.sstr(value)
