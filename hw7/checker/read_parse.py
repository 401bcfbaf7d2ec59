"""Parse the tokens of an answer (:mod:`hw7.checker.read_latex`) into a small tree (issue 12).

Recursive descent: sums of terms, products written with ``* · × @ /`` or implied by
juxtaposition (``2λW1``, ``N D``), powers (``^``, ``**``, Unicode superscripts),
transposes (``ᵀ ^T ^\\top ' .T``), brackets, ``\\frac``, ``\\sqrt[n]``, ``|x|``,
``‖x‖``, ``⟨a, b⟩``, ``\\sum_{i=1}^{d}``, ``bmatrix``/``pmatrix``, calls of the allowed
functions. A run of letters is split into the question's known names
(:class:`Vocab`); a label before ``=`` is dropped (:func:`drop_label`). The tree is
nested tuples; nothing is built or evaluated here (:mod:`hw7.checker.read_build`).

>>> from hw7.checker.read_latex import tokenize
>>> v = Vocab("expr", ["N", "D"], None, None)
>>> Parser(tokenize("ND^2"), v).top()
('mul', ('name', ('sym', 'N')), ('pow', ('name', ('sym', 'D')), ('num', '2')), 'imp')
"""

from __future__ import annotations

import re

from hw7.checker.read_errors import (
    MAX_ARGS,
    MAX_NESTING,
    MAX_TREE_DEPTH,
    MAX_VECTOR,
    ParseError,
    short,
)
from hw7.checker.read_latex import Token

__all__ = ["Parser", "Vocab", "drop_label"]

_GREEK_NAMES = {"lambda": "lam"}   # spelt name -> the checker's symbol name
_FUNCTIONS = ("sqrt", "exp", "log", "ln", "max", "min", "abs", "o", "theta", "transpose")


# ---------------------------------------------------------------------------- parser


class Parser:
    """Recursive descent over tokens; returns nested tuples (the tree), builds nothing."""

    def __init__(self, toks: list[Token], vocab: Vocab):
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
        sep = self.kind() if self.kind() in (",", ";") else None  # [1, 4, 3] or [1; 4; 3]
        while sep is not None and self.kind() == sep:
            self.take()
            items.append(self.expr())
            if len(items) > MAX_VECTOR:
                raise ParseError(f"the vector has too many entries (limit {MAX_VECTOR})")
        if (sep is None and open_ == "[" and items[0][0] == "num"
                and self.kind() == "NUM"):  # [1 4 3]: plain numbers separated by spaces only
            while self.kind() == "NUM":
                items.append(("num", self.take().text))
                if len(items) > MAX_VECTOR:
                    raise ParseError(f"the vector has too many entries (limit {MAX_VECTOR})")
        if sep == ";" and len(items) < 2:
            raise ParseError("';' separates the entries of a vector, e.g. [1; 4; 3]")
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
        if t is not None and (t.kind == "(" or (t.kind in ("{", "[") and self._has_comma())):
            self.take()
            if self.kind() in (")", "}", "]"):
                raise ParseError(f"{fname}(...) needs an argument")
            args = [self.expr()]
            while self.kind() == ",":
                self.take()
                args.append(self.expr())
                if len(args) > MAX_ARGS:
                    break
            t2 = self.peek()
            if t2 is None or t2.kind not in (")", "]", "}"):
                raise ParseError(f"expected ')' after the arguments of {fname} but found {_show(t2)}")
            self.take()
        elif t is not None and t.kind in ("{", "ID", "NUM", "FRAC", "SQRT", "NORM", "|", "RESOLVED",
                                          "NODE", "LANGLE"):
            args = [self.power()]  # \log d, \sqrt d, \exp{x}
        else:
            raise ParseError(f"'{fname}' is a function: call it with parentheses, e.g. {fname}(...)")
        return ("call", fname, args)

    def _has_comma(self) -> bool:
        """Whether the bracket opening at the current token holds a top-level comma."""
        depth = 0
        for t in self.toks[self.i:]:
            if t.kind in ("(", "[", "{"):
                depth += 1
            elif t.kind in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return False
            elif t.kind == "," and depth == 1:
                return True
        return False

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


class Vocab:
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
                # qk and kq are one inner product (kᵀq = qᵀk); the question's own name wins
                x, y = names[a], names[b]
                canon = next((n for n in (x + y, y + x) if n in symbols), x + y)
                for spelt in (x + y, y + x):
                    self.words.setdefault(spelt, ("sym", canon))
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
        if word == "o" and word in self.funcs:  # little-o: refused by the builder
            return ("func", "little_o")
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


# ---------------------------------------------------------------------------- labels


_PLAIN_LABELS = {"s", "sim(q,k)", "sim(k,q)", "phi(x)", "Time", "Space", "time", "space",
                 "answer", "Answer"}
_NEGATIONS = ("not", "no", "false", "never", "wrong", "isn't", "isnt")
_NOT_PLAIN = "is not a plain label; give only the answer"


def _label_sig(toks: list[Token]) -> str:
    """The tokens before '=' as one compact string, e.g. ``E[q^Tk]`` or ``\\partialL/\\partialW1``."""
    out = []
    for t in toks:
        if t.kind in ("ID", "TEXT", "NUM"):
            out.append(t.text)
        elif t.kind == "SUB":
            out.append("_" + t.text)
        elif t.kind == "TOP":
            out.append("T")
        elif t.kind == "LABEL":
            out.append("\\" + t.text)
        elif t.kind in ("{", "}"):
            continue
        else:
            out.append(t.kind if len(t.kind) == 1 else f"<{t.kind}>")
    return "".join(out).replace(" ", "")


def _check_label(left: list[Token], kind: str, shapes, target, symbols) -> None:
    """Refuse (ParseError) anything before '=' that is not a plain label."""
    sig = _label_sig(left)
    what = f"'{short(sig, 40)}'"
    low = sig.lower()
    if any(w in low.replace("'", "") and re.search(rf"(^|[^a-z]){w}([^a-z]|$)", low)
           for w in _NEGATIONS):
        raise ParseError(f"the left-hand side {what} {_NOT_PLAIN}")
    if sig in _PLAIN_LABELS and sig not in symbols:
        return
    if sig in ("o", "output") and kind == "vector" and sig not in symbols:  # attention output
        return
    if sig == "<NORM>w_i<NORM>^2" and kind == "expr" and target in (None, "col_norm_sq"):
        return
    m = re.fullmatch(r"(E|Var)[\[(]q\^Tk[\])]", sig)
    if m and kind == "expr" and (sig.startswith("E[") or sig.startswith("Var(")):
        if target is not None and target != m.group(1):
            raise ParseError(f"the label {what} names another quantity; give only the answer")
        return
    m = (re.fullmatch(r"\\partialL(?:_lambda)?/\\partial(W)_?(\d)", sig)
         or re.fullmatch(r"dL/d(W)_?(\d)", sig)
         or re.fullmatch(r"<FRAC>\\partialL(?:_lambda)?\\partial(W)_?(\d)", sig)
         or re.fullmatch(r"<FRAC>dLd(W)_?(\d)", sig)
         or re.fullmatch(r"\\nabla_(W)_?(\d)L(?:_lambda)?", sig))
    if m and kind == "matrix":
        name = m.group(1) + m.group(2)
        if shapes is not None and name not in shapes:
            raise ParseError(f"the label {what} names an unknown matrix; give only the answer")
        if target is not None and target != name:
            raise ParseError(f"the label {what} names another quantity; give only the answer")
        return
    raise ParseError(f"the left-hand side {what} {_NOT_PLAIN}")


def drop_label(toks: list[Token], latex: str, notes: list[str], *, kind: str = "expr",
               shapes=None, target=None, symbols=()) -> list[Token]:
    """Tokens after a single top-level '=' whose left side is a plain label
    (``s =``, ``E[qᵀk] =``, ``∂L/∂W1 =``); anything else before '=' is refused."""
    depth, cut = 0, None
    for a, b in zip(toks, toks[1:]):
        if a.kind == "=" and b.kind == "=":
            raise ParseError("'==' (a comparison) is not allowed in an answer")
    eqs = [t for t in toks if t.kind == "="]
    if len(eqs) > 1:
        raise ParseError("more than one '=' (or '=/=', '/=') is not a plain label; give only the answer")
    if eqs and eqs[0].text:
        raise ParseError(f"\\{eqs[0].text} is not '='; give only the answer")
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
    if rest[0].kind == "/" or toks[cut - 1].kind in ("/", "!", "<", ">", ":", "~"):
        raise ParseError("only a plain '=' may follow a label; give only the answer")
    _check_label(toks[:cut], kind, shapes, target, set(symbols))
    notes.append(f"dropped the label '{short(latex[:toks[cut].pos].strip(), 40)} ='")
    return rest
