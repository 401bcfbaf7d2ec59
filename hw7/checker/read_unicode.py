"""Unicode math in answers to ``hw7 check`` (issue 12): screened and spelt as LaTeX.

The answer is screened character by character. ASCII letters, digits and the
punctuation of formulas pass; the few Unicode signs people type for math
(√ ² ⁴ ᵀ ₁₂ ᵢ ‖ · × − λ σ μ φ ⟨ ⟩ Σ …) are rewritten into the LaTeX subset that
:mod:`hw7.checker.read_latex` tokenizes, so all notations meet in one tree.
Everything else is refused with one line naming the character: zero-width and
bidirectional controls, homoglyphs (fullwidth letters, Cyrillic), control
characters. No NFKC normalisation: it would turn ``ℕ`` into ``N`` and hide them.

>>> to_latex("√d")
'\\\\sqrt d'
>>> to_latex("2W₂ᵀ(W₂W₁ − I)")
'2W_{2}^{T}(W_{2}W_{1} - I)'
"""

from __future__ import annotations

import re
import unicodedata

from hw7.checker.read_errors import MAX_LENGTH, ParseError

__all__ = ["to_latex", "describe_char"]

_ASCII = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    " \t+-*/^()[]{},._@=|'\\&$!;:"   # ! ; : only for LaTeX spacing (\! \; \:)
)
_SPACES = {"\n", "\r", "\u00a0", "\u2009", "\u202f", "\u2005", "\u2006", "\u2002", "\u2003"}

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "φ": "phi", "ϕ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Θ": "Theta", "Φ": "Phi", "Λ": "Lambda",
}
_SIGNS = {
    "\u2212": "-", "\u2013": "-", "\u00d7": r"\times ", "\u00b7": r"\cdot ", "\u22c5": r"\cdot ",
    "\u2219": r"\cdot ", "\u2217": "*", "\u00f7": "/", "\u22a4": r"\top ", "\u221a": r"\sqrt ",
    "\u221b": r"\sqrt[3]", "\u2016": r"\| ", "\u2225": r"\| ", "\u27e8": r"\langle ",
    "\u2329": r"\langle ", "\u27e9": r"\rangle ", "\u232a": r"\rangle ", "\u2211": r"\sum ",
    "\u03a3": r"\sum ", "\u2202": r"\partial ", "\u2248": r"\approx ", "\u2032": "'",
    "\u2019": "'", "\U0001d4aa": r"\mathcal{O}", "\u2207": r"\nabla ",
}
_SUPER = {
    "\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4", "\u2075": "5",
    "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9", "\u207a": "+", "\u207b": "-",
    "\u207d": "(", "\u207e": ")", "\u207f": "n", "\u2071": "i", "\u1d40": "T", "\u1d57": "t",
}
_SUB = {
    "\u2080": "0", "\u2081": "1", "\u2082": "2", "\u2083": "3", "\u2084": "4", "\u2085": "5",
    "\u2086": "6", "\u2087": "7", "\u2088": "8", "\u2089": "9", "\u1d62": "i", "\u2c7c": "j",
    "\u2096": "k", "\u2099": "n", "\u2098": "m",
}


def describe_char(ch: str) -> str:
    """``U+200B (ZERO WIDTH SPACE)``: a character named for a one-line message."""
    name = unicodedata.name(ch, "unnamed character")
    return f"U+{ord(ch):04X} ({name})"


_CONTINUES = set("+-*/^=,([{&|\\") | set("\u2212\u00d7\u00b7\u22c5\u2219\u00f7")
_CONTINUED = set("+*/^=,)]}&|") | set("\u00d7\u00b7\u22c5\u2219\u00f7")


_CONTINUED_CMD = re.compile(r"\\(?:cdot|times|div|right|end|\]|\)|\\)")


def _line_break(text: str, i: int) -> None:
    """A line break is a space only inside one expression: inside brackets, after an
    operator, or before a binary operator. Between two expressions ("sqrt(d)\\nd") it
    would read as a product: refused."""
    before = text[:i].rstrip(" \t\r\n" + "".join(_SPACES))
    after = text[i + 1:].lstrip(" \t\r\n" + "".join(_SPACES))
    if not before or not after:
        return
    depth = sum(before.count(c) for c in "([{") - sum(before.count(c) for c in ")]}")
    if depth > 0 or before[-1] in _CONTINUES or after[0] in _CONTINUED:
        return
    if before[-1] == "$" or after[0] == "$" or _CONTINUED_CMD.match(after):  # $$ ... $$
        return
    raise ParseError("the answer has a line break between two expressions: write one "
                     "expression (a line break is not a product)")


def to_latex(text: object) -> str:
    """Screen ``text`` and spell its Unicode math as LaTeX (ASCII only in the result).

    Raises :class:`~hw7.checker.read_errors.ParseError` (one line) for text that is
    not a string, too long, empty, or holds a character outside the allowed set.
    """
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters; limit {MAX_LENGTH})")
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _ASCII:
            out.append(ch)
        elif ch in "\n\r":
            _line_break(text, i)
            out.append(" ")
        elif ch in _SPACES:
            out.append(" ")
        elif ch in _SUPER or ch in _SUB:
            table, mark = (_SUPER, "^") if ch in _SUPER else (_SUB, "_")
            j = i
            while j < n and text[j] in table:
                j += 1
            out.append(mark + "{" + "".join(table[c] for c in text[i:j]) + "}")
            i = j
            continue
        elif ch in _GREEK:
            out.append("\\" + _GREEK[ch] + " ")
        elif ch in _SIGNS:
            out.append(_SIGNS[ch])
        elif ch in "\u00d5\u00f5\u0303":  # Õ, õ, combining tilde: not big-O
            raise ParseError("little-o / Õ is not O; write the bound as O(...)")
        else:
            raise ParseError(f"character {describe_char(ch)} is not allowed in an answer")
        i += 1
    s = "".join(out).strip()
    if not s:
        raise ParseError("the answer is empty")
    return s
