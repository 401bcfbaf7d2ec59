"""The whitelist parser behind ``hw7 check`` (issue 7): what it accepts, what it refuses.

Derived: the parsed objects are compared with SymPy objects built directly.
Property-tested: Hypothesis builds random expressions, prints them with
``sympy.sstr`` and checks the parser reads back the same expression; a parser
that dropped a term (the mutation) is caught by the same property.
"""

from __future__ import annotations

import ast
import builtins

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from hw7.checker.read_plain import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    ParseError,
    dim_symbol,
    parse_answer,
    symbol,
)

d, sigma, N, D, M = (symbol(s) for s in ("d", "sigma", "N", "D", "M"))
mu = symbol("mu")
SHAPES = {"X": ["m", "n"], "W1": ["k", "m"], "W2": ["m", "k"]}


def expr(text, symbols=("d", "sigma", "mu")):
    return parse_answer(text, kind="expr", symbols=symbols).value


@pytest.mark.parametrize("text, expected", [
    ("sqrt(d)", sp.sqrt(d)),
    ("d**(1/2)", sp.sqrt(d)),
    ("d^(1/2)", sp.sqrt(d)),
    ("d^0.5", sp.sqrt(d)),
    ("d/sqrt(d)", sp.sqrt(d)),
    ("2*d*mu**2*sigma**2 + d*sigma**4", 2 * d * mu**2 * sigma**2 + d * sigma**4),
    ("d*σ^2*(σ^2 + 2*μ^2)", d * sigma**2 * (sigma**2 + 2 * mu**2)),
    ("d·σ²", d * sigma**2),
    ("−d", -d),
    ("exp(log(d))", d),
    ("Abs(mu)", sp.Abs(mu)),
    ("max(d, sigma) + MIN(d, sigma)", sp.Max(d, sigma) + sp.Min(d, sigma)),
    ("1e-3*d", d / 1000),
])
def test_accepts_and_builds_sympy_objects(text, expected):
    assert sp.simplify(expr(text) - expected) == 0


def test_homework_letters_are_plain_symbols():
    """N, D, M, E, I, S, Q, O mean the homework's quantities, never SymPy's objects."""
    names = ("N", "D", "M", "E", "I", "S", "Q", "O")
    v = parse_answer("E*I + S*Q + O + N*D*M", kind="expr", symbols=names).value
    assert all(isinstance(s, sp.Symbol) for s in v.free_symbols)
    assert {s.name for s in v.free_symbols} == set(names)
    assert not v.has(sp.E) and not v.has(sp.I)
    assert v.subs({s: 1 for s in v.free_symbols}) == 4


def test_bigo_accepts_O_and_omitted_O():
    a = parse_answer("O(N**2*max(D, M))", kind="bigo", symbols=("N", "D", "M"))
    b = parse_answer("N**2*max(D, M)", kind="bigo", symbols=("N", "D", "M"))
    assert a.used_O and not b.used_O and a.value == b.value == N**2 * sp.Max(D, M)


def test_matrix_answers_track_shapes_and_transpose():
    p = parse_answer("2*W2.T*(W2*W1*X - X)*X.T + 2*lam*W1", kind="matrix", symbols=("lam",),
                     shapes=SHAPES)
    k, m = dim_symbol("k"), dim_symbol("m")
    assert p.shape == (k, m)
    q = parse_answer("transpose(W2) @ (W2 @ W1 @ X - X) @ X.T * 2 + 2*lam*W1", kind="matrix",
                     symbols=("lam",), shapes=SHAPES)
    zero = (p.value - q.value).doit().expand()
    assert zero.is_ZeroMatrix


@pytest.mark.parametrize("text, fragment", [
    ("W1*W1", "cannot multiply matrices of shapes k×m and k×m"),
    ("W1 + W2", "cannot add matrices"),
    ("W1 + 1", "cannot add a scalar and a matrix"),
    ("X/W1", "cannot divide by a matrix"),
    ("X**2", "only square matrices"),
    ("lam", "must be a matrix expression"),
    ("sqrt(X)", "of a matrix is not allowed"),
])
def test_matrix_shape_errors_are_one_line(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_answer(text, kind="matrix", symbols=("lam",), shapes=SHAPES)


def test_vectors_only_for_vector_questions():
    assert parse_answer("[1, 4, 3]", kind="vector").value == [1, 4, 3]
    assert parse_answer("(2/2, 8/2, 3.0)", kind="vector").value == [1, 4, 3]
    with pytest.raises(ParseError, match="list is only allowed"):
        parse_answer("[1, 2]", kind="expr")
    with pytest.raises(ParseError, match="list of entries"):
        parse_answer("1", kind="vector")
    with pytest.raises(ParseError, match="not lists"):
        parse_answer("[[1, 2]]", kind="vector")


HOSTILE = [
    ("__import__('os').system('touch /tmp/hw7_pwned')", "subscript"),
    ("().__class__.__bases__[0].__subclasses__()", "not part of a number or .T"),
    ("d.__class__", "not part of a number or .T"),
    ("lambda: d", "not allowed"),
    ("(lambda x: x)(d)", "not allowed"),
    ("[x for x in d]", "unknown symbol"),
    ("d if d else d", "unknown symbol 'if'"),
    ("d[0]", "could not read"),
    ("open", "unknown symbol"),
    ("eval", "unknown symbol"),
    ("sympify(d)", "unknown symbol 'sympify'"),
    ("Symbol(d)", "unknown symbol 'Symbol'"),
    ("exp.__globals__", "not part of a number or .T"),
    ("sqrt.__call__(d)", "not part of a number or .T"),
    ("d.T", "needs a matrix or a vector"),
    ("9**9**9**9", "too large"),
    ("2**10000", "too large"),
    ("(2**60)**60", "too large"),
    ("(d**64)**64", "too large"),
    ("d**d", "exponents must be numbers"),
    ("d**sqrt(2)", "exponents must be numbers"),
    ("exp(exp(exp(d)))", "nested too deeply"),
    ("9" * 50, "digits"),
    ("1e400", "too large"),
    ("1e-300*d", "out of range"),
    ("(" * (MAX_DEPTH + 1) + "d" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
    ("-" * 300 + "d", "nested too deeply"),
    ("d" + "+d" * (MAX_LENGTH // 2), "too long"),
    ("d\x00", "not allowed"),
    ("ｄ", "not allowed"),               # fullwidth letter (NFKC would turn it into d)
    ("\u0501", "not allowed"),          # Cyrillic lookalike
    ("d\u200b", "not allowed"),         # zero-width space
    ("\u202ed", "not allowed"),         # right-to-left override
    ("ℕ", "not allowed"),               # would NFKC-normalise to N
    ("d;import os", "not allowed"),
    ("d # comment", "not allowed"),
    ("'d'", "could not read"),
    ("d == d", "'==' (a comparison) is not allowed"),
    ("d % 2", "not allowed"),
    ("d // 2", "could not read"),
    ("d, d", "only allowed as the answer to a vector"),
    ("f(d)", "unknown symbol 'f'"),
    ("sqrt(d, d)", "takes 1 argument"),
    ("max(d)", "takes 2 to"),
    ("sqrt(x=d)", "'=' inside brackets is not read"),
    ("max(*d)", "could not read"),
    ("2 3", "write products with *"),
    ("", "empty"),
    ("   ", "empty"),
    ("d)", "unbalanced"),
    ("(d", "unbalanced"),
    ("x", "unknown symbol 'x'"),
    ("O(d)", "not allowed"),
    ("1/0", "division by zero"),
    ("True", "unknown symbol"),
    ("None", "unknown symbol"),
    ("d @ d", "'@' multiplies two matrices"),
]


@pytest.mark.parametrize("text, fragment", HOSTILE)
def test_hostile_input_is_refused_with_one_line(text, fragment):
    with pytest.raises(ParseError) as info:
        parse_answer(text, kind="expr", symbols=("d",))
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg and len(msg) < 300


def test_non_text_is_refused():
    with pytest.raises(ParseError, match="must be text"):
        parse_answer(b"d", kind="expr", symbols=("d",))


def test_nothing_is_evaluated(monkeypatch):
    """eval/exec/compile and SymPy's string parsers are never reached with the answer."""
    seen = []

    def spy(name, real):
        def f(*args, **kwargs):
            flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
            only_ast = name == "compile" and flags & ast.PyCF_ONLY_AST  # parsing, not code
            if any(isinstance(a, str) and "d" in a for a in args) and not only_ast:
                seen.append(name)
            return real(*args, **kwargs)
        return f

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, spy(name, getattr(builtins, name)))
    monkeypatch.setattr(sp, "sympify", spy("sympify", sp.sympify))
    monkeypatch.setattr(sp, "parse_expr", spy("parse_expr", sp.parse_expr))
    for text in ["sqrt(d)", "d**2 + 1", "__import__('os')", "9**9**9**9"]:
        try:
            parse_answer(text, kind="expr", symbols=("d",))
        except ParseError:
            pass
    assert seen == []


def test_limits_are_what_the_docs_say():
    ok = "d**" + str(MAX_EXPONENT)
    parse_answer(ok, kind="expr", symbols=("d",))
    with pytest.raises(ParseError, match="too large"):
        parse_answer("d**" + str(MAX_EXPONENT + 1), kind="expr", symbols=("d",))
    parse_answer("(" * MAX_DEPTH + "d" + ")" * MAX_DEPTH, kind="expr", symbols=("d",))
    parse_answer("d" + "+d" * ((MAX_LENGTH - 1) // 2), kind="expr", symbols=("d",))


# ---------------------------------------------------------------- property: round trip

_SYMS = [d, sigma, mu]


@st.composite
def sympy_exprs(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.one_of(st.sampled_from(_SYMS),
                              st.integers(-9, 9).map(sp.Integer),
                              st.fractions(-5, 5, max_denominator=6).map(
                                  lambda f: sp.Rational(f.numerator, f.denominator))))
    op = draw(st.sampled_from(["add", "mul", "pow", "sqrt", "div"]))
    a = draw(sympy_exprs(depth=depth - 1))
    if op == "pow":
        return a ** draw(st.integers(-3, 4))
    if op == "sqrt":
        return sp.sqrt(a)
    b = draw(sympy_exprs(depth=depth - 1))
    if op == "div":
        return a / b if b != 0 else a
    return a + b if op == "add" else a * b


def _round_trip_ok(e, parse=lambda s: expr(s)) -> bool:
    text = sp.sstr(e)
    back = parse(text)
    return sp.simplify(back - e) == 0


@given(sympy_exprs())
def test_sstr_round_trip(e):
    """Whatever SymPy prints for these expressions, the parser reads back exactly."""
    assume(not e.has(sp.I, sp.zoo, sp.nan, sp.oo))  # not answers to this homework
    assert _round_trip_ok(e)


def test_round_trip_property_catches_a_wrong_parser():
    """Mutation: a 'parser' that drops the last term of a sum fails the same property."""
    def lossy(text):
        v = expr(text)
        return sp.Add(*v.args[:-1]) if isinstance(v, sp.Add) else v

    assert not _round_trip_ok(d + sigma**2 + 1, parse=lossy)


# ---------------------------------------------------------------- issue 12: how people write

Q3 = dict(kind="expr", symbols=("d", "sigma", "mu"), vectors={"mu": "d"})
Q3_VECTOR = dict(kind="expr", symbols=("d", "sigma"), vectors={"mu": "d"})   # μ only a vector
Q5 = dict(kind="bigo", symbols=("N", "D", "M"))
MAT = dict(kind="matrix", symbols=("lam",), shapes=SHAPES)
SIM = dict(kind="expr", symbols=(), vectors={"q": "D", "k": "D"})
PHI = dict(kind="feature_map", symbols=("x1", "x2"))
LAMS = dict(kind="expr", symbols=("lam", "sigma_i"))
lam, sigma_i = symbol("lam"), symbol("sigma_i")
norm2_mu, qk = sp.Symbol("norm2_mu", nonnegative=True), sp.Symbol("qk", real=True)
x1, x2 = sp.Symbol("x1", real=True), sp.Symbol("x2", real=True)
X_, W1_, W2_ = (sp.MatrixSymbol(n, dim_symbol(r), dim_symbol(c)) for n, (r, c) in SHAPES.items())
GRAD_W1 = 2 * W2_.T * (W2_ * W1_ * X_ - X_) * X_.T
PHI_2 = [1, sp.sqrt(2) * x1, sp.sqrt(2) * x2, x1**2, sp.sqrt(2) * x1 * x2, x2**2]

NOTATIONS = [
    # the examples
    (r"\sqrt{d}", Q3, sp.sqrt(d)),
    ("d^{1/2}", Q3, sp.sqrt(d)),
    ("√d", Q3, sp.sqrt(d)),
    ("s = √d", Q3, sp.sqrt(d)),
    ("d μ²", Q3, d * mu**2),
    ("‖μ‖²", Q3, norm2_mu),
    ("μᵀμ", Q3, norm2_mu),
    ("O(N^2 D)", Q5, N**2 * D),
    ("O(ND³)", Q5, N * D**3),
    ("O(N²(D + M))", Q5, N**2 * (D + M)),
    ("2W₂ᵀ(W₂W₁ − I)XXᵀ", MAT, GRAD_W1),
    ("-2 W_2^T (X - W_2 W_1 X) X^T", MAT, GRAD_W1),
    ("1 − λ/σᵢ", LAMS, 1 - lam / sigma_i),
    ("[1, 4, 3]^T", dict(kind="vector"), [1, 4, 3]),
    (r"\begin{bmatrix}1\\4\\3\end{bmatrix}", dict(kind="vector"), [1, 4, 3]),
    # LaTeX subset
    (r"$\frac{d}{\sqrt{d}}$", Q3, sp.sqrt(d)),
    (r"\[ \boxed{d^{\frac{1}{2}}} \]", Q3, sp.sqrt(d)),
    (r"\sqrt[4]{d^2}", Q3, sp.sqrt(d)),
    (r"\frac12 d", Q3, d / 2),
    (r"d \cdot \sigma^{2} \left(\sigma^2 + 2\mu^2\right)", Q3, d * sigma**2 * (sigma**2 + 2 * mu**2)),
    (r"d\sigma^4 + 2\sigma^2\|\mu\|_2^2", Q3, d * sigma**4 + 2 * sigma**2 * norm2_mu),
    (r"\mu^\top \mu", Q3, norm2_mu),
    (r"\mu^T\mu", Q3, norm2_mu),
    (r"\boldsymbol{\mu}^{\top}\boldsymbol{\mu}", Q3, norm2_mu),
    (r"\sum_{i=1}^{d} \mu_i^2", Q3, norm2_mu),
    (r"\sum_{i=1}^{d} \mu_i \mu_i + d\sigma^2 \cdot 0", Q3, norm2_mu),
    ("Σ_i μ_i²", Q3, norm2_mu),
    ("Σᵢ μᵢ²", Q3, norm2_mu),
    ("μ·μ", Q3, norm2_mu),
    # scalar factors between a transposed vector and its partner (2σ²μᵀμ is 2σ²‖μ‖², not 2σ²μ²)
    (r"d\sigma^4 + 2\sigma^2 \mu^\top\mu", Q3, d * sigma**4 + 2 * sigma**2 * norm2_mu),
    ("2σ²μᵀμ", Q3, 2 * sigma**2 * norm2_mu),
    ("−μᵀμ/2", Q3, -norm2_mu / 2),
    ("μᵀ(2μ)", Q3, 2 * norm2_mu),
    ("‖2μ‖²", Q3, 4 * norm2_mu),
    ("(qᵀk)² + 2qᵀk + 1", SIM, (qk + 1) ** 2),
    # |μ| of a vector-only μ is its norm (where μ is also the shared scalar mean it is
    # ambiguous and refused: test_abs_of_a_mean_that_is_both_scalar_and_vector_is_refused)
    ("|μ|²", Q3_VECTOR, norm2_mu),
    ("‖μ + μ‖²", Q3, 4 * norm2_mu),
    ("μᵀ(μ + 0)", Q3, norm2_mu),
    ("(kq + 1)²", SIM, (qk + 1) ** 2),
    ("‖μ‖", Q3, sp.sqrt(norm2_mu)),
    ("dμ²", Q3, d * mu**2),
    ("d*mu^2", Q3, d * mu**2),
    (r"\mathbb{E}[q^\top k] = d\mu^2", Q3, d * mu**2),
    ("E[qᵀk] = dμ²", Q3, d * mu**2),
    (r"\operatorname{Var}(q^T k) = d\sigma^4 + 2 d \sigma^2 \mu^2", Q3,
     d * sigma**4 + 2 * d * sigma**2 * mu**2),
    (r"\text{Time} = \mathcal{O}\left(N^2 (D + M)\right)", Q5, N**2 * (D + M)),
    (r"O\big(N^{2}D + N^{2}M\big)", Q5, N**2 * D + N**2 * M),
    ("Θ(N² D)", Q5, N**2 * D),
    ("N D", Q5, N * D),
    ("ND²", Q5, N * D**2),
    ("O(N^2 + ND + NM)", Q5, N**2 + N * D + N * M),
    (r"2 W_2^\top (W_2 W_1 X - X) X^\top + 2\lambda W_1", MAT, GRAD_W1 + 2 * lam * W1_),
    ("2λW1 + 2W2ᵀ(W2W1X − X)Xᵀ", MAT, GRAD_W1 + 2 * lam * W1_),
    ("∂L/∂W1 = 2W2'(W2W1X - X)X'", MAT, GRAD_W1),
    (r"\frac{\partial L}{\partial W_1} = 2\mathbf{W}_2^T(\mathbf{W}_2\mathbf{W}_1 - I)XX^T", MAT, GRAD_W1),
    ("2*W2.T@(W2@W1@X - X)@X.T", MAT, GRAD_W1),
    (r"1-\frac{\lambda}{\sigma_i}", LAMS, 1 - lam / sigma_i),
    ("(σ_i − λ)/σ_i", LAMS, (sigma_i - lam) / sigma_i),
    ("(1, 4, 3)ᵀ", dict(kind="vector"), [1, 4, 3]),
    (r"2\,W_2^{\intercal}\!\left(W_2W_1X - X\right)X^\top\;", MAT, GRAD_W1),
    ("W_2^TW_2W_1XX^T - W_2^TXX^T", MAT, GRAD_W1 / 2),
    ("d + max{0, d - 40}", Q3, d + sp.Max(0, d - 40)),
    (r"d + \max\{0, d - 40\}", Q3, d + sp.Max(0, d - 40)),
    ("‖μ‖₂²", Q3, norm2_mu),
    ("σ²(dσ² + 2dμ²)", Q3, d * sigma**4 + 2 * d * sigma**2 * mu**2),
    (r"\begin{pmatrix} 1 & 4 & 3 \end{pmatrix}^\top", dict(kind="vector"), [1, 4, 3]),
    (r"\left[1, 4, 3\right]", dict(kind="vector"), [1, 4, 3]),
    ("1, 4, 3", dict(kind="vector"), [1, 4, 3]),
    ("(qᵀk + 1)²", SIM, (qk + 1) ** 2),
    (r"(1 + q\cdot k)^2", SIM, (qk + 1) ** 2),
    (r"\left(\langle q, k\rangle + 1\right)^2", SIM, (qk + 1) ** 2),
    ("(q^T k + 1)^2", SIM, (qk + 1) ** 2),
    ("sim(q, k) = (1 + kᵀq)²", SIM, (qk + 1) ** 2),
    (r"\left(\sum_{i=1}^{D} q_i k_i + 1\right)^2", SIM, (qk + 1) ** 2),
    ("[1, sqrt(2)*x1, sqrt(2)*x2, x1**2, sqrt(2)*x1*x2, x2**2]", PHI, PHI_2),
    (r"\phi(x) = \begin{bmatrix}1\\ \sqrt{2}x_1 \\ \sqrt2 x_2\\ x_1^2 \\ \sqrt{2} x_1 x_2 \\ x_2^2"
     r"\end{bmatrix}", PHI, PHI_2),
    ("φ(x) = (1, √2x₁, √2x₂, x₁², √2x₁x₂, x₂²)ᵀ", PHI, PHI_2),
]


def _same(a, b) -> bool:
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(
            sp.simplify(x - y) == 0 for x, y in zip(a, b))
    if isinstance(b, sp.MatrixExpr):
        return (a - b).doit().expand().is_ZeroMatrix or sp.expand((a - b).doit()) == 0
    return sp.simplify(a - b) == 0


@pytest.mark.parametrize("text, how, expected", NOTATIONS, ids=[t for t, _, _ in NOTATIONS])
def test_notations_read_into_one_tree(text, how, expected):
    p = parse_answer(text, **how)
    assert _same(p.value, expected), (p.read_as, expected)
    assert p.read_as and "\n" not in p.read_as


def test_read_as_echo_and_notes():
    p = parse_answer("O(N²(D + M))", **Q5)
    assert p.read_as == "O(N**2*(D + M))" and p.used_O
    p = parse_answer("O(nD)", **Q5)
    assert p.value == N * D
    assert p.notes == ["read n as N: the question has N and no n"]
    p = parse_answer("s = √d", **Q3)
    assert p.notes == ["dropped the label 's ='"]
    # a lower-case letter the question does have is never re-read
    p = parse_answer("N*n", kind="expr", symbols=("N", "n"))
    assert p.value == N * symbol("n") and p.notes == []


def test_shared_mean_stays_scalar_and_vector_forms_need_their_context():
    assert parse_answer("mu^2", **Q3).value == mu**2
    assert parse_answer("mu*mu", **Q3).value == mu**2
    with pytest.raises(ParseError, match="only read inside a sum"):
        parse_answer("mu_i^2", **Q3)
    with pytest.raises(ParseError, match="runs to D"):
        parse_answer(r"\sum_{i=1}^{D} \mu_i^2", kind="expr", symbols=("d", "D", "mu"),
                     vectors={"mu": "d"})
    with pytest.raises(ParseError, match="outer product"):
        parse_answer("q kᵀ", **SIM)
    # without a vector declaration, a transpose of a scalar is refused, not silently dropped
    with pytest.raises(ParseError, match="needs a matrix or a vector"):
        parse_answer("muᵀ mu", kind="expr", symbols=("mu",))


def test_a_dot_between_vectors_is_the_dot_product_and_says_so():
    p = parse_answer("d·μ·μ", **Q3)
    assert p.value == d * norm2_mu
    assert p.notes == ["read mu·mu as the dot product muᵀmu"]


def test_identity_takes_its_size_from_its_neighbours():
    p = parse_answer("(W2 W1 - I) X", **MAT)
    assert p.shape == (dim_symbol("m"), dim_symbol("n"))
    assert (p.value - (W2_ * W1_ * X_ - X_)).doit().expand().is_ZeroMatrix
    assert "I" in p.read_as
    with pytest.raises(ParseError, match="no size"):
        parse_answer("2*I", **MAT)
    with pytest.raises(ParseError, match="identity I to a k×m"):
        parse_answer("W1 + I", **MAT)


LATEX_HOSTILE = [
    (r"\input{/etc/passwd}", r"\input"),
    (r"\include{secret}", r"\include"),
    (r"\def\x{d} \x", r"\def"),
    (r"\newcommand{\x}{d}\x", r"\newcommand"),
    (r"\renewcommand{\sqrt}{d}", r"\renewcommand"),
    (r"\immediate\write18{touch /tmp/hw7_pwned}", r"\immediate"),
    (r"\write18{touch /tmp/hw7_pwned}", r"\write"),
    (r"\catcode`\^=11 d", r"\catcode"),
    (r"\csname sqrt\endcsname{d}", r"\csname"),
    (r"\expandafter d", r"\expandafter"),
    (r"\openin5=/etc/passwd", r"\openin"),
    (r"\usepackage{shellesc}", r"\usepackage"),
    (r"\begin{verbatim}d\end{verbatim}", "environment 'verbatim'"),
    (r"\begin{document}d\end{document}", "environment 'document'"),
    (r"\sqrt{d}\@", r"\@"),
    ("$d$ + $d$", "'$' may only delimit"),
]


@pytest.mark.parametrize("text, named", LATEX_HOSTILE)
def test_latex_outside_the_subset_is_refused_by_name(text, named):
    with pytest.raises(ParseError) as info:
        parse_answer(text, kind="expr", symbols=("d",))
    msg = str(info.value)
    assert named in msg and "\n" not in msg and len(msg) < 300


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u202e", "\u202a", "\u2066", "\u2069",
             "\u200e", "\u200f", "\u2060", "\u00ad"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_zero_width_and_bidi_characters_are_named(ch):
    for text in (rf"\sqrt{{d}}{ch}", f"d{ch}^2", f"{ch}√d"):
        with pytest.raises(ParseError, match=f"U\\+{ord(ch):04X}"):
            parse_answer(text, kind="expr", symbols=("d",))


HEAVY = [
    ("d^{999999}", "too large"),
    ("10^{10^{10}}", "too large"),
    ("2^{2^{2^{2^{2^{2}}}}}", "too large"),
    (r"\left(d^{64}\right)^{64}", "too large"),
    ("d^{" + "9" * 60 + "}", "digits"),
    ("1e99999999999", "too large"),
    (r"\frac{1}{" * 30 + "d" + "}" * 30, "nested too deeply"),
    (r"\sqrt" * 70 + "{d}", "nested too deeply"),
    ("√" * 120 + "d", "nested too deeply"),
    (r"\begin{bmatrix}" + r"1\\" * 70 + r"\end{bmatrix}", "too many entries"),
    ("[" + "1," * 80 + "1]", "too many entries"),
    ("\\" + "frac" * 90, "not allowed"),
    ("⁹" * 300, "could not read"),
    ("d" + "²" * 100, "digits"),
    ("d" + "²ᵀ" * 100, "too long"),
    ("d" + "'" * 200, "needs a matrix"),
    ("x" * 401, "too long"),
]


@pytest.mark.parametrize("text, fragment", HEAVY, ids=[t[:30] for t, _ in HEAVY])
def test_heavy_input_is_refused_quickly(text, fragment):
    import time

    t0 = time.perf_counter()
    with pytest.raises(ParseError) as info:
        parse_answer(text, kind="vector" if "matrix" in text or text.startswith("[") else "expr",
                     symbols=("d",))
    assert time.perf_counter() - t0 < 1.0  # the judge's limit is 5 s; refusing is cheap
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("text", ["|μ|²", "d|μ|²", "d*abs(mu)^2", r"d\left|\mu\right|^2"])
def test_abs_of_a_mean_that_is_both_scalar_and_vector_is_refused(text):
    # μ² (shared scalar mean) or ‖μ‖² (vector mean): a factor d apart, so neither is read
    with pytest.raises(ParseError, match="reads two ways"):
        parse_answer(text, **Q3)


def test_reading_latex_opens_no_file_and_runs_nothing(monkeypatch):
    """Hostile LaTeX never reaches open(), os.open, eval/exec or SymPy's string parsers."""
    import io
    import os

    seen = []

    def spy(name, real):
        def f(*args, **kwargs):
            if name == "compile" and len(args) > 3 and args[3] & ast.PyCF_ONLY_AST:
                return real(*args, **kwargs)
            seen.append(name)
            return real(*args, **kwargs)
        return f

    for mod, name in ((builtins, "open"), (io, "open"), (os, "open"), (builtins, "eval"),
                      (builtins, "exec"), (builtins, "compile"),
                      (sp, "sympify"), (sp, "parse_expr")):
        monkeypatch.setattr(mod, name, spy(name, getattr(mod, name)))
    for text, _ in LATEX_HOSTILE + HEAVY:
        try:
            parse_answer(text, kind="expr", symbols=("d",))
        except ParseError:
            pass
    for text, how, _ in NOTATIONS:
        parse_answer(text, **how)
    assert seen == []


# ---------------------------------------------------------------- property: LaTeX round trip


def _latex_round_trip_ok(e, parse=None) -> bool:
    parse = parse or (lambda s: expr(s))
    back = parse(sp.latex(e))
    return sp.simplify(back - e) == 0


@given(sympy_exprs())
def test_latex_round_trip(e):
    """Whatever SymPy's LaTeX printer writes for these expressions reads back exactly."""
    assume(not e.has(sp.I, sp.zoo, sp.nan, sp.oo))
    assert _latex_round_trip_ok(e)


def test_latex_round_trip_property_catches_a_wrong_reader():
    """Mutation: a reader that drops square roots fails the same property."""
    def lossy(text):
        return expr(text.replace(r"\sqrt", ""))

    assert not _latex_round_trip_ok(sp.sqrt(d) + sigma, parse=lossy)


# ---------------------------------------------------------------- property: any text, one line

_PIECES = [
    "d", "N", "D", "M", "mu", "sigma", "lam", "sigma_i", "W1", "W2", "X", "I", "x1", "q", "k", "nD",
    "2", "40", "0.5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")", "[", "]", "{", "}", ",", "=",
    "|", "'", ".T", "_", "_i", "_{i=1}", "^{d}", "&", r"\\", " ", r"\frac", r"\sqrt", r"\sqrt[3]",
    r"\cdot", r"\times", r"\top", r"\|", r"\left(", r"\right)", r"\langle", r"\rangle", r"\sum",
    r"\mu", r"\sigma", r"\lambda", r"\text{s}", r"\mathrm{T}", r"\boxed", r"\begin{bmatrix}",
    r"\end{bmatrix}", r"\input", r"\def", "$", "√", "²", "ᵀ", "₁", "ᵢ", "‖", "·", "×", "−", "μ",
    "σ", "λ", "Σ", "⟨", "⟩", "\u200b", "O", "max", "min", "sqrt", "exp", "log", "abs", "T",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=40),
       st.sampled_from(["expr", "bigo", "matrix", "vector", "feature_map"]))
def test_any_text_reads_or_is_refused_in_one_line(pieces, kind):
    """Random token soups: a Parsed value or one ParseError line, never another exception."""
    import time

    text = "".join(pieces)
    t0 = time.perf_counter()
    how = {"expr": dict(symbols=("d", "sigma", "mu"), vectors={"mu": "d"}),
           "bigo": dict(symbols=("N", "D", "M")), "matrix": dict(symbols=("lam",), shapes=SHAPES),
           "vector": {}, "feature_map": dict(symbols=("x1", "x2"))}[kind]
    try:
        p = parse_answer(text, kind=kind, **how)
        assert isinstance(p.read_as, str) and "\n" not in p.read_as
    except ParseError as exc:
        assert "\n" not in str(exc) and 0 < len(str(exc)) < 300
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("text, how", [
    ("(2*lam)*W1 + 2*W2.T*(W2*W1*X - X)*X.T", MAT),
    ("2*(W2*W1*X - X)*X.T*W1.T + (2*lam)*W2", MAT),
    ("-lam/sigma_i + 1", LAMS),
    ("D**2*M + D**2*N + M*N", Q5),
    ("d*sigma**2*(2*mu**2 + sigma**2)", Q3),
])
def test_sympy_latex_of_the_derived_answers_reads_back(text, how):
    """What SymPy's LaTeX printer writes for the key's answers (matrices, λ, σ_i, Big-O) reads back.

    (norm2_mu is not here: SymPy prints it norm_{2 μ}, which nobody writes; people write ‖μ‖².)"""
    v = parse_answer(text, **how).value
    back = parse_answer(sp.latex(v), **how).value
    diff = (back - v).doit().expand()
    assert diff == 0 or getattr(diff, "is_ZeroMatrix", False), sp.latex(v)


@pytest.mark.parametrize("vectors", [{"q": "D", "k": "D"}, {"k": "D", "q": "D"}])
@pytest.mark.parametrize("text", ["(qᵀk + 1)²", "(1 + k·q)^2", r"(\langle q, k\rangle + 1)^2",
                                  "(k^T q + 1)**2"])
def test_inner_product_name_does_not_depend_on_declaration_order(vectors, text):
    # A warm reference cache (JSON with sorted keys) declared {k, q}; qᵀk was then read
    # as the unknown symbol 'kq' and a right answer to q5b.sim refuted.
    import sympy

    qk = sympy.Symbol("qk", real=True)
    got = parse_answer(text, kind="expr", symbols=("qk",), vectors=vectors).value
    assert sympy.expand(got - (qk + 1) ** 2) == 0
    assert {s.name for s in got.free_symbols} == {"qk"}


# ------------------------------------------------------------------ line breaks, column vectors

d_ = sp.Symbol("d", positive=True)


@pytest.mark.parametrize("text", ["sqrt(d)\nd", "sqrt(d)\r\nd", "d\n\\sqrt{d}", "2\n3", "d\n-d"])
def test_a_line_break_between_two_expressions_is_refused(text):
    """A line break is not a product: 'sqrt(d)⏎d' was read as d**(3/2)."""
    with pytest.raises(ParseError, match="line break between two expressions"):
        parse_answer(text, kind="expr", symbols=("d",))


@pytest.mark.parametrize("text", ["sqrt(\nd)", "sqrt(d)\n", "\nsqrt(d)", "d**(1/2)\n*1",
                                  "d**(1/2) *\n1", "$$\n\\sqrt{d}\n$$", "\\[\n\\sqrt{d}\n\\]",
                                  "\\sqrt{d}\n\\cdot 1", "s =\nsqrt(d)"])
def test_a_line_break_inside_one_expression_is_a_space(text):
    p = parse_answer(text, kind="expr", symbols=("d",))
    assert sp.simplify(p.value.subs(symbol("d"), d_) - sp.sqrt(d_)) == 0


@pytest.mark.parametrize("text", ["[1 4 3]", "[1;4;3]", "(1; 4; 3)", "[1; 4; 3]", "[1\n4\n3]",
                                  "[1,\n4, 3]"])
def test_column_and_space_separated_vectors(text):
    assert parse_answer(text, kind="vector").value == [1, 4, 3]


@pytest.mark.parametrize("text", ["[1;4,3]", "[1, 4; 3]", "[1 -4 3]", "(1 4 3)", "[d 4 3]"])
def test_mixed_or_ambiguous_vector_separators_are_refused(text):
    with pytest.raises(ParseError):
        parse_answer(text, kind="vector", symbols=("d",))


def test_a_negative_exponent_out_of_range_is_named_as_such():
    with pytest.raises(ParseError, match=r"exponent -100 is too large in magnitude"):
        parse_answer("sqrt(d) + 10^-100", kind="expr", symbols=("d",))
    with pytest.raises(ParseError, match=r"denominator too large"):
        parse_answer("d^(1/100)", kind="expr", symbols=("d",))


# ------------------------------------------- labels and little-o: never a false accept


def _verdict(qid, text):
    from hw7.checker.judge import judge, reference_entry
    return judge(reference_entry(qid), text)


_NOT_LABELS = [("q3c", t) for t in (
    "s^2 = √d", "2s = √d", "1/s = √d", "log s = √d", "d = √d", "s = d = √d",
    "s = d, s = √d", "s ≈ √d", "not s = √d", "no = √d", "false = √d", "s (wrong) = √d",
    r"s_{\text{wrong}} = \sqrt{d}", "d =/= √d", "d /= √d", "d ≠ √d", r"s \approx \sqrt{d}",
    "never = √d", "wrong = √d")] + [
    ("q2b.col_norm_sq", "‖w_i‖ = 1 - λ/σ_i"),
    ("q3b", "Var(q^Tk/√d) = d"),
    ("q4a", "[2,0,1] = [1,4,3]"),
    ("q4a", "v1 = [1, 4, 3]"),
    ("q5c.time", "O(N^3) = O(N^2(D+M))"),
    ("q1b.grad_W1", "grad_W2 = 2W2'(W2W1X - X)X'"),
    ("q1b.grad_W1", "∂L/∂W3 = 2W2'(W2W1X - X)X'"),
]


@pytest.mark.parametrize("qid, text", _NOT_LABELS)
def test_only_a_plain_label_is_dropped_before_equals(qid, text):
    v = _verdict(qid, text)
    assert v.exit_code == 2, (text, v)
    assert "\n" not in v.message


_LITTLE_O = [("q5c.time", "o(N^2(D+M))"), ("q5c.space", r"\mathcal{o}(N^2)"),
             ("q5c.space", "o(N^2)"), ("q5c.space", r"\tilde{O}(N^2)"),
             ("q5c.space", r"\tilde O(N^2 + N(D+M))"), ("q5c.space", "Õ(N^2)"),
             ("q5c.space", r"\mathrm{o}(N^2)")]


@pytest.mark.parametrize("qid, text", _LITTLE_O)
def test_little_o_and_soft_O_are_not_O(qid, text):
    v = _verdict(qid, text)
    assert v.exit_code == 2, (text, v)
    with pytest.raises(ParseError, match="little-o"):
        parse_answer(text, kind="bigo", symbols=("N", "D", "M"))


@pytest.mark.parametrize("qid, text", [
    ("q3c", "s = √d"), ("q3c", r"s = \sqrt{d}"), ("q3a", "E[qᵀk] = dμ²"),
    ("q3b", "Var(qᵀk) = d"), ("q5c.time", r"\text{Time} = O(N^2 (D + M))"),
    ("q5c.time", "Θ(N^2(D+M))"), ("q1b.grad_W1", "∂L/∂W1 = 2W2'(W2W1X - X)X'"),
    ("q5b.sim", "sim(q, k) = (1 + kᵀq)²"), ("q2b.col_norm_sq", "‖w_i‖² = 1 − λ/σ_i"),
])
def test_plain_labels_still_read(qid, text):
    v = _verdict(qid, text)
    assert v.exit_code == 0, (text, v)


def test_label_naming_another_quantity_is_refused_when_the_target_is_known():
    with pytest.raises(ParseError, match="another quantity"):
        parse_answer("Var(qᵀk) = 0", kind="expr", symbols=("d",), target="E")
    with pytest.raises(ParseError, match="another quantity"):
        parse_answer("∂L/∂W2 = W1", kind="matrix", shapes={"W1": ["k", "m"], "W2": ["m", "k"]},
                     target="W1")
