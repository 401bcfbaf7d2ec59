r"""Tokens of an answer to ``hw7 check``: plain text and a safe LaTeX subset (issue 12).

The input is ASCII (Unicode math was spelt as LaTeX by
:mod:`hw7.checker.read_unicode`). LaTeX is *read*, never run: there is no macro
expansion, and only a fixed list of commands is known —

* structure: ``\frac \dfrac \tfrac \sqrt \sqrt[n] \sum \langle \rangle \| \lVert \rVert
  \vert \lvert \rvert \begin{bmatrix|pmatrix|matrix|Bmatrix} \end \\ &``,
* operators and marks: ``\cdot \times \ast \div \top \intercal \prime \approx``,
* names: Greek letters, ``\max \min \log \ln \exp \Theta``, and the argument of
  ``\text \mathrm \operatorname \mathbb \mathbf \mathcal \boldsymbol \bm \vec ...``,
* ignored: ``\left \right \big … \Bigg \displaystyle \limits \boxed \, \; \! \quad``.

Any other command (``\input``, ``\def``, ``\newcommand``, ``\write``, ``\catcode``, ...)
is refused with one line naming it.

>>> [t.kind for t in tokenize(r"\frac{1}{2}")]
['FRAC', '{', 'NUM', '}', '{', 'NUM', '}']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hw7.checker.read_errors import MAX_DEPTH, ParseError, short

__all__ = ["Token", "tokenize", "strip_delimiters", "check_commands"]


@dataclass
class Token:
    r"""kind: NUM, ID, SUB, TEXT, an operator character, or a command kind (FRAC, SQRT, ...).

    text: the number, name or subscript; atomic: an ID that is one name (a Greek letter,
    ``\mathrm{...}``), never split into a product; pos: offset in the LaTeX text.
    """

    kind: str
    text: str = ""
    pos: int = 0
    atomic: bool = False
    obj: object = None


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi",
    "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma",
    "Phi", "Psi", "Omega", "ell",
}
_GREEK_ALIAS = {"varphi": "phi", "varepsilon": "epsilon", "vartheta": "theta"}
_IGNORED = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "Biggl", "Biggr", "middle", "displaystyle", "textstyle", "limits", "nolimits",
    "boxed", "quad", "qquad", "mathopen", "mathclose", "mathord",
}
_SIMPLE = {
    "cdot": "·", "bullet": "·", "times": "*", "ast": "*", "div": "/", "top": "TOP",
    "intercal": "TOP", "prime": "'", "approx": "=", "coloneqq": "=", "equiv": "=",
    "frac": "FRAC", "dfrac": "FRAC", "tfrac": "FRAC", "cfrac": "FRAC", "sqrt": "SQRT",
    "sum": "SUM", "langle": "LANGLE", "rangle": "RANGLE", "lVert": "NORM", "rVert": "NORM",
    "Vert": "NORM", "vert": "|", "lvert": "|", "rvert": "|", "mid": "|",
    "partial": "LABEL", "nabla": "LABEL", "in": "LABEL",
}
_FUNCS = {"max", "min", "log", "ln", "exp", "sin", "cos", "tan"}
_FONT = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "mathrm", "mathit",
         "mathbf", "mathsf", "mathtt", "mathcal", "mathbb", "mathnormal", "operatorname",
         "boldsymbol", "bm", "vec", "mathscr", "mathfrak", "hat", "bar", "tilde"}
_ENVS = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix"}
_SPACING = {",", ";", ":", "!", " "}

_NUM = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_RUN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_BRACED_SIMPLE = re.compile(r"\{\s*(\\?[A-Za-z][A-Za-z0-9 ]*)\s*\}")


_KNOWN = None


def check_commands(text: str) -> None:
    """Refuse, by name, the first LaTeX command outside the subset (before any other check)."""
    global _KNOWN
    if _KNOWN is None:
        _KNOWN = (_GREEK | _IGNORED | set(_SIMPLE) | _FUNCS | _FONT | {"Theta", "begin", "end"})
    for m in re.finditer(r"\\\\|\\([A-Za-z]+)", text):
        name = m.group(1)
        if name is not None and name not in _KNOWN:
            raise ParseError(f"the LaTeX command \\{short(name, 20)} is not allowed in an answer "
                             "(only a math subset such as \\frac, \\sqrt, \\cdot, \\top is read)")


def strip_delimiters(s: str) -> str:
    r"""Drop math delimiters around the whole answer: ``$...$``, ``$$...$$``, ``\(...\)``, ``\[...\]``."""
    s = s.strip()
    for a, b in (("$$", "$$"), ("$", "$"), (r"\(", r"\)"), (r"\[", r"\]")):
        if len(s) >= len(a) + len(b) and s.startswith(a) and s.endswith(b):
            s = s[len(a): len(s) - len(b)].strip()
            break
    if "$" in s:
        raise ParseError("'$' may only delimit the whole answer, e.g. $\\sqrt{d}$")
    if s.endswith(".") and not (len(s) > 1 and s[-2].isdigit()):
        s = s[:-1].rstrip()  # a full stop after the formula
    if not s:
        raise ParseError("the answer is empty")
    return s


def _braced(s: str, i: int) -> tuple[str, int]:
    """The text inside a brace group starting at ``s[i] == '{'`` and the index after it."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1: j], j + 1
        if depth > MAX_DEPTH:
            raise ParseError(f"the answer is nested too deeply (limit {MAX_DEPTH} levels)")
    raise ParseError("unbalanced braces: a '{' is never closed")


def tokenize(s: str) -> list[Token]:
    """Tokens of the ASCII/LaTeX answer ``s``; ParseError names what is not allowed."""
    toks: list[Token] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch in " \t":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and s[i + 1].isdigit()):
            m = _NUM.match(s, i)
            toks.append(Token("NUM", m.group(0), i))
            i = m.end()
            continue
        if ch.isalpha():
            m = _RUN.match(s, i)
            toks.append(Token("ID", m.group(0), i))
            i = m.end()
            continue
        if ch == "\\":
            i = _command(s, i, toks)
            continue
        if ch == "_":
            i = _subscript(s, i, toks)
            continue
        if ch == "*":
            if s.startswith("**", i):
                toks.append(Token("^", "", i))
                i += 2
            else:
                toks.append(Token("*", "", i))
                i += 1
            continue
        if ch == ".":
            if s.startswith(".T", i) and (i + 2 == n or not (s[i + 2].isalnum() or s[i + 2] == "_")):
                toks.append(Token("TOP", "", i))
                i += 2
                continue
            raise ParseError(f"'.' at column {i + 1} is not part of a number or .T")
        if ch == "'":
            toks.append(Token("'", "", i))
        elif ch == "&":
            toks.append(Token("COLSEP", "", i))
        elif ch == ";" and (sum(t.kind in ("(", "[") for t in toks)
                            > sum(t.kind in (")", "]") for t in toks)):
            toks.append(Token(ch, "", i))  # inside brackets: a column vector's separator
        elif ch in "+-/^()[]{},@=|":
            toks.append(Token(ch, "", i))
        else:  # '$' inside the answer; anything else was screened out before
            raise ParseError(f"'{ch}' at column {i + 1} is not allowed here")
        i += 1
    _check_balance(toks)
    return toks


def _check_balance(toks: list[Token]) -> None:
    depth = best = 0
    for t in toks:
        if t.kind in "([{" and len(t.kind) == 1:
            depth += 1
            best = max(best, depth)
        elif t.kind in ")]}" and len(t.kind) == 1:
            depth -= 1
            if depth < 0:
                raise ParseError("unbalanced parentheses: a ')' or ']' has no opening partner")
    if depth:
        raise ParseError("unbalanced parentheses: a '(' or '[' is never closed")
    if best > MAX_DEPTH:
        raise ParseError(f"the answer is nested too deeply ({best} levels; limit {MAX_DEPTH})")


def _subscript(s: str, i: int, toks: list[Token]) -> int:
    j = i + 1
    while j < len(s) and s[j] == " ":
        j += 1
    if j < len(s) and s[j] == "{":
        body, k = _braced(s, j)
        body = body.strip()
        m = re.fullmatch(r"\\([A-Za-z]+)\s*", body)
        if m:  # _{\mu}: a Greek letter as subscript
            body = _GREEK_ALIAS.get(m.group(1), m.group(1))
        toks.append(Token("SUB", body, i, atomic=True))
        return k
    g = re.compile(r"\\([A-Za-z]+)").match(s, j)
    if g and g.group(1) in _GREEK:  # L_\lambda, x_\mu
        toks.append(Token("SUB", _GREEK_ALIAS.get(g.group(1), g.group(1)), i, atomic=True))
        return g.end()
    m = re.compile(r"\d+|[A-Za-z][A-Za-z0-9]*").match(s, j)
    if not m:
        raise ParseError(f"'_' at column {i + 1} needs a subscript, e.g. W_1 or sigma_i")
    toks.append(Token("SUB", m.group(0), i))
    return m.end()


def _command(s: str, i: int, toks: list[Token]) -> int:
    n = len(s)
    if i + 1 >= n:
        raise ParseError("a lone '\\' ends the answer")
    c = s[i + 1]
    if not c.isalpha():
        if c == "\\":
            toks.append(Token("ROWSEP", "", i))
        elif c == "|":
            toks.append(Token("NORM", "", i))
        elif c == "{":
            toks.append(Token("(", "", i))
        elif c == "}":
            toks.append(Token(")", "", i))
        elif c not in _SPACING:
            raise ParseError(f"the LaTeX command \\{short(c, 3)} is not allowed in an answer")
        return i + 2
    m = re.compile(r"[A-Za-z]+").match(s, i + 1)
    name, j = m.group(0), m.end()
    if name in _IGNORED:
        if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "middle"):
            k = j
            while k < n and s[k] == " ":
                k += 1
            if k < n and s[k] == ".":  # \left. is an invisible delimiter
                return k + 1
        return j
    if name in _GREEK:
        name = _GREEK_ALIAS.get(name, name)
        if name == "Sigma":
            toks.append(Token("SUM", "", i))
        else:
            toks.append(Token("ID", name, i, atomic=True))
        return j
    if name in _FUNCS or name == "Theta":
        toks.append(Token("ID", name, i, atomic=True))
        return j
    if name in _FONT:
        k = j
        while k < n and s[k] == " ":
            k += 1
        if k < n and s[k] == "{":
            body, end = _braced(s, k)
            body = body.strip()
        elif k < n and (s[k].isalpha() or s[k] == "\\"):  # \mathcal O, \vec q, \bm\mu
            mm = re.compile(r"\\?[A-Za-z]+" if s[k] == "\\" else r"[A-Za-z]").match(s, k)
            body, end = mm.group(0), mm.end()
        else:
            raise ParseError(f"\\{name} needs an argument in braces, e.g. \\{name}{{T}}")
        if name in ("tilde", "hat", "bar") and re.fullmatch(r"(\\math[a-z]+\s*\{?\s*)?[Oo]\s*\}?", body):
            raise ParseError("little-o / Õ is not O; write the bound as O(...)")
        if name != "mathcal" and body == "o" and s[end:].lstrip().startswith("("):
            raise ParseError("little-o / Õ is not O; write the bound as O(...)")
        gm = re.fullmatch(r"\\([A-Za-z]+)", body)
        if gm and gm.group(1) in _GREEK:  # \boldsymbol{\mu}
            toks.append(Token("ID", _GREEK_ALIAS.get(gm.group(1), gm.group(1)), i, atomic=True))
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", body):
            toks.append(Token("TEXT" if name.startswith("text") or name == "operatorname" else "ID",
                              body, i, atomic=True))
        elif name.startswith("text") or name == "operatorname":
            toks.append(Token("TEXT", body, i, atomic=True))
        else:
            toks.extend(tokenize(body) if body else [])  # \mathbf{W_1}: its content, read as usual
        return end
    if name in ("begin", "end"):
        k = j
        while k < n and s[k] == " ":
            k += 1
        if k >= n or s[k] != "{":
            raise ParseError(f"\\{name} needs an environment name, e.g. \\{name}{{bmatrix}}")
        env, end = _braced(s, k)
        env = env.strip()
        if env not in _ENVS:
            raise ParseError(f"the LaTeX environment '{short(env, 20)}' is not allowed "
                             "(only bmatrix, pmatrix, matrix)")
        toks.append(Token("BEGIN" if name == "begin" else "END", env, i))
        return end
    kind = _SIMPLE.get(name)
    if kind is not None:
        toks.append(Token(kind, name, i))
        return j
    raise ParseError(f"the LaTeX command \\{short(name, 20)} is not allowed in an answer "
                     "(only a math subset such as \\frac, \\sqrt, \\cdot, \\top is read)")
