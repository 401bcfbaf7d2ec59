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
