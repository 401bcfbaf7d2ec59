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

from dataclasses import dataclass, field

import sympy

from hw7.checker.read_build import Builder, Eye, dim_symbol, symbol
from hw7.checker.read_errors import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_LENGTH,
    ParseError,
    ShapeError,
)
from hw7.checker.read_latex import check_commands, strip_delimiters, tokenize
from hw7.checker.read_parse import Parser, Vocab, drop_label
from hw7.checker.read_unicode import to_latex

__all__ = ["parse_answer", "Parsed", "ParseError", "ShapeError", "symbol", "dim_symbol",
           "KINDS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT", "MAX_DIGITS"]

KINDS = ("expr", "bigo", "matrix", "vector", "feature_map")



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


# ---------------------------------------------------------------------------- entry point


def parse_answer(text: object, *, kind: str, symbols=(), shapes: dict | None = None,
                 vectors: dict | None = None, target: str | None = None) -> Parsed:
    """Read ``text`` safely for a question of check kind ``kind``.

    kind: "expr", "bigo", "matrix", "vector" or "feature_map".
    symbols: names of the scalar symbols the question uses (e.g. ("d", "sigma", "mu")).
    shapes: for matrix questions, {"X": ["m", "n"], ...}.
    vectors: vector symbols and their lengths, e.g. {"mu": "d"} (μ ∈ R^d): ‖μ‖², μᵀμ, ...
        read as Symbol("norm2_mu"); qᵀk of declared q, k as Symbol("qk").
    target: when known, what the question asks for ("E", "Var", "W1", ...): a label such
        as ``Var(qᵀk) =`` or ``∂L/∂W2 =`` naming something else is refused.
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
    toks = drop_label(toks, latex, notes, kind=kind, shapes=shapes, target=target,
                      symbols=symbols)
    shapes = shapes if kind == "matrix" else None
    vocab = Vocab(kind, list(symbols), shapes, vectors)
    vocab.notes = notes
    parser = Parser(list(toks), vocab)
    try:
        tree = parser.top()
        b = Builder(kind, vocab, shapes)
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


def _finish(kind, b: Builder, value, shape):
    """The value checked against the kind, its shape, and how it reads (``read_as``)."""
    if kind in ("vector", "feature_map"):
        if shape != "list":
            raise ParseError("a vector answer is a list of entries, e.g. [1, 2, 3]")
        return value, None, "[" + ", ".join(sympy.sstr(v) for v in value) + "]"
    if shape == "list":
        raise ParseError("a list is only allowed as the answer to a vector question")
    if kind == "matrix":
        if isinstance(value, Eye):
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
