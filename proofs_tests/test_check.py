"""``hw7 check`` (issue 7): equivalent forms accepted, wrong answers refuted with a
counterexample that really is one, hostile input rejected (exit 2) in time.

References here are SymPy objects built in the test (a matrix gradient is derived
with SymPy's matrix calculus), printed with ``sympy.sstr`` exactly as sections do;
the registered sections are checked at the end with whatever has landed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from hw7.checker import judge as ac
from hw7.checker.judge_bigo import escape_direction
from hw7.checker.judge_matrix import mat_eval
from hw7.checker.read_plain import dim_symbol, symbol

ROOT = Path(__file__).resolve().parents[1]
d, sigma, mu, N, D, M, lam = (symbol(s) for s in ("d", "sigma", "mu", "N", "D", "M", "lam"))
SHAPES = {"X": ["m", "n"], "W1": ["k", "m"], "W2": ["m", "k"]}
TIMEOUT = 5.0


pytestmark = pytest.mark.usefixtures("private_cache")  # a throw-away reference cache


def entry(qid, kind, obj=None, symbols=(), **extra):
    e = {"qid": qid, "check_kind": kind, "symbols": {s: s for s in symbols}, "data": {}}
    if obj is not None:
        e["expr"] = sp.sstr(obj)
    for k, v in extra.items():
        (e["data"] if k in ac.DATA_FIELDS else e).__setitem__(k, v)
    return e


# ------------------------------------------------------------------ references (derived here)

def derived_scale():
    """Q3(c): Var(qᵀk) = d for standard normal q, k, so s = sqrt(Var) (SymPy solves s² = d)."""
    s = sp.Symbol("s", positive=True)
    return sp.solve(sp.Eq(d / s**2, 1), s)[0]


def derived_var_general():
    """Var(qᵀk) with shared mean mu: d·Var(q_i k_i) = d(E[q²]² − E[q]⁴)."""
    m2 = sigma**2 + mu**2
    return sp.expand(d * (m2**2 - mu**4))


def derived_grad_W1():
    """∂/∂W1 of ‖X − W2W1X‖²_F + lam‖W1‖²_F (SymPy matrix calculus)."""
    m, n, k = (dim_symbol(x) for x in "mnk")
    X, W1, W2 = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W1", k, m), sp.MatrixSymbol("W2", m, k)
    R = X - W2 * W1 * X
    return sp.Trace(R.T * R).diff(W1) + lam * sp.Trace(W1.T * W1).diff(W1)


Q3C = entry("q3c", "expr", derived_scale(), ["d"])
VAR = entry("q3.var_general", "expr", derived_var_general(), ["d", "sigma", "mu"])
GRAD = entry("q2.grad_W1", "matrix", derived_grad_W1(), ["X", "W1", "W2", "lam"], shapes=SHAPES)
Q5C = entry("q5c.time", "bigo", N**2 * D + N**2 * M, ["N", "D", "M"], bigo_vars=["N", "D", "M"])
Q5D = entry("q5d.time", "bigo", N * D**2 * M, ["N", "D", "M"], bigo_vars=["N", "D", "M"],
            assume={"M": "D"})
VEC = entry("q4a", "vector", [sp.Integer(1), sp.Integer(4), sp.Integer(3)])
LOSS = entry("q2a.ii", "choice", options=["nn.L1Loss", "nn.MSELoss", "nn.CrossEntropyLoss"],
             choices=["nn.MSELoss"])
NEEDED = entry("q2a.iii", "choices", options=["Weight Decay", "Dropout", "Layer Norm", "Batch Norm",
                                              "SGD optimizer"], choices=["Weight Decay", "SGD optimizer"])
NORM = entry("q6b", "choice", options=["batch normalization", "layer normalization"],
             choices=["batch normalization"])


def test_references_are_what_the_homework_says():
    assert sp.simplify(derived_scale() - sp.sqrt(d)) == 0
    assert sp.expand(derived_var_general() - d * (sigma**4 + 2 * mu**2 * sigma**2)) == 0


# ------------------------------------------------------------------ equivalent forms accepted

CORRECT = [
    (Q3C, "sqrt(d)"), (Q3C, "d**(1/2)"), (Q3C, "d/sqrt(d)"), (Q3C, "d^0.5"), (Q3C, "sqrt(d**2)/sqrt(d)"),
    (Q3C, "exp(log(d)/2)"), (Q3C, "√(d)"),
    (VAR, "d*sigma^2*(sigma^2 + 2*mu^2)"), (VAR, "d*(sigma**2 + mu**2)**2 - d*mu**4"),
    (VAR, "d*σ⁴ + 2*d*μ²*σ²".replace("⁴", "^4")),
    (GRAD, "2*W2.T*(W2*W1*X - X)*X.T + 2*lam*W1"),
    (GRAD, "2*W2.T*W2*W1*X*X.T - 2*W2.T*X*X.T + 2*lam*W1"),
    (GRAD, "-2*W2.T@(X - W2@W1@X)@X.T + 2*lam*W1"),
    (GRAD, "2*(W2.T*W2*W1*X*X.T - W2.T*X*X.T + lam*W1)"),
    (GRAD, "2*transpose(W2)*(W2*W1*X - X)*transpose(X) + lam*W1*2"),
    (Q5C, "N**2*max(D, M)"), (Q5C, "O(N^2*(D+M))"), (Q5C, "N**2*D + N**2*M"),
    (Q5C, "O(N**2*D + N**2*M + N*D + N*M + 7)"), (Q5C, "3*N**2*(D + M) + N*D*1000"),
    (Q5D, "N*D**3"), (Q5D, "O(N*D^2*M)"), (Q5D, "N*M**3 + N*D"),
    (VEC, "[1, 4, 3]"), (VEC, "(1, 4, 3)"), (VEC, "[2/2, 8/2, 3.0]"),
    (LOSS, "nn.MSELoss"), (LOSS, "mseloss"), (LOSS, "MSE loss"), (LOSS, "nn.MSELos"),
    (NEEDED, "Weight Decay, SGD optimizer"), (NEEDED, "sgd, weight decay"),
    (NEEDED, "weight-decay and SGD optimiser"), (NEEDED, "wieght decay; SGD"),
    (NORM, "batchnorm"), (NORM, "BatchNorm"), (NORM, "BN"), (NORM, "Batch Normalisation"),
]


@pytest.mark.parametrize("ref, text", CORRECT, ids=[f"{e['qid']}:{t}" for e, t in CORRECT])
def test_equivalent_forms_are_accepted(ref, text):
    v = ac.judge_limited(ref, text, timeout=TIMEOUT)
    assert v.status == "correct", v.line()
    assert v.exit_code == 0


# ------------------------------------------------------------------ wrong answers refuted

def _check_scalar_counterexample(ref, text, v):
    """The reported values really separate the two answers (independent SymPy evaluation)."""
    vals = {symbol(k): sp.Rational(x) for k, x in v.counterexample["values"].items()}
    ours = ac._parse(ac._as_entry(ref), text).value.xreplace(vals)
    theirs = ac._reference(ac._as_entry(ref)).value.xreplace(vals)
    assert abs(sp.N(ours - theirs, 30)) > 1e-9


@pytest.mark.parametrize("ref, text, hint", [
    (Q3C, "d", "factor of sqrt(d)"),
    (Q3C, "d**2", "factor of d**(3/2)"),
    (Q3C, "2*sqrt(d)", "constant factor: yours = 2"),
    (Q3C, "-sqrt(d)", "sign is wrong"),
    (Q3C, "sqrt(d) + 1", None),
    (VAR, "d*sigma**4", "agrees when mu = 0"),
    (VAR, "sigma**4 + 2*mu**2*sigma**2", "factor of 1/d"),
    (VAR, "d*sigma**4 + 2*d*mu*sigma**2", None),
])
def test_wrong_expressions_are_refuted_with_a_real_counterexample(ref, text, hint):
    v = ac.judge_limited(ref, text, timeout=TIMEOUT)
    assert v.status == "refuted" and v.exit_code == 1, v.line()
    _check_scalar_counterexample(ref, text, v)
    if hint:
        assert hint in (v.hint or ""), v.line()
    assert "\n" not in v.line()


@pytest.mark.parametrize("text, hint", [
    ("W2.T*(W2*W1*X - X)*X.T + lam*W1", "constant factor: yours = 1/2"),
    ("2*W2.T*(W2*W1*X - X)*X.T", "agrees when lam = 0"),
    ("2*W2.T*(W2*W1*X - X)*X.T + lam*W1", "agrees when lam = 0"),
    ("2*W2.T*(X - W2*W1*X)*X.T + 2*lam*W1", None),
    ("2*W2.T*W2*W1*X*X.T + 2*lam*W1", None),
])
def test_wrong_gradients_are_refuted_with_explicit_matrices(text, hint):
    v = ac.judge_limited(GRAD, text, timeout=TIMEOUT)
    assert v.status == "refuted", v.line()
    ce = v.counterexample
    env = {k: np.array(x, dtype=float) if isinstance(x, list) else float(x)
           for k, x in ce["values"].items()}
    # independent check of the counterexample with numpy: the true gradient at those matrices
    X, W1, W2, lam_v = env["X"], env["W1"], env["W2"], env["lam"]
    truth = 2 * W2.T @ (W2 @ W1 @ X - X) @ X.T + 2 * lam_v * W1
    theirs = mat_eval(ac._parse(ac._as_entry(GRAD), text).value,
                          {**env, **{k: float(x) for k, x in ce["sizes"].items()}})
    assert np.max(np.abs(truth - theirs)) > 1e-9
    if hint:
        assert hint in (v.hint or ""), v.line()


def test_a_gradient_of_the_wrong_shape_is_refuted():
    v = ac.judge_limited(GRAD, "2*(W2*W1*X - X)*X.T*W1.T", timeout=TIMEOUT)
    assert v.status == "refuted" and "shape m×k" in v.message


@pytest.mark.parametrize("text, fragment", [
    ("W1*W1", "cannot multiply matrices of shapes k×m and k×m"),
    ("2*W2.T*(W2*W1*X - X)*X.T + 2*lam*W1.T", "cannot add matrices"),
    ("W1 + lam", "cannot add a scalar and a matrix"),
])
def test_non_conformable_answers_are_refuted_not_unjudged(text, fragment):
    """They parse, and no matrices make them equal to the gradient: wrong (exit 1)."""
    v = ac.judge_limited(GRAD, text, timeout=TIMEOUT)
    assert v.status == "refuted" and v.exit_code == 1 and fragment in v.message


@pytest.mark.parametrize("ref, text, moving", [
    (Q5C, "N*D**2", "N"),           # the issue's example: N*D**2 is not N**2*D
    (Q5C, "N**2*D", "M = x"),
    (Q5C, "N**2*D + N**2*M + N*D*M", "D = x, M = x"),
    (Q5C, "N**3 + N**2*(D + M)", "N = x"),
    (Q5D, "N**2*D", "D = x"),
    (Q5D, "N*D**2", "D = x"),
])
def test_wrong_complexities_are_refuted_with_a_growth_direction(ref, text, moving):
    v = ac.judge_limited(ref, text, timeout=TIMEOUT)
    assert v.status == "refuted", v.line()
    assert moving in v.counterexample["text"]
    assert v.counterexample["yours_growth"] != v.counterexample["expected_growth"]


def test_n_d2_is_not_n2_d():
    e = entry("x", "bigo", N**2 * D, ["N", "D"], bigo_vars=["N", "D"])
    assert ac.judge(e, "N*D**2").status == "refuted"
    assert ac.judge(e, "N**2*D").status == "correct"


def test_bigo_needs_the_convex_hull_not_just_dominance():
    """N·D ≤ (N² + D²)/2: adding it changes nothing, but N·D alone is smaller."""
    e = entry("x", "bigo", N**2 + D**2, ["N", "D"], bigo_vars=["N", "D"])
    assert ac.judge(e, "N**2 + D**2 + N*D").status == "correct"
    assert ac.judge(e, "N**2 + D**2 + N*D**2").status == "refuted"
    v = ac.judge(e, "N*D")
    assert v.status == "refuted" and v.hint == "your answer grows slower"
    assert escape_direction((1, 1), [(2, 0), (0, 2)]) is None
    assert escape_direction((1, 2), [(2, 0), (0, 2)]) is not None


@st.composite
def _monomial_sets(draw):
    k = draw(st.integers(1, 4))
    return [tuple(draw(st.integers(0, 3)) for _ in range(2)) for _ in range(k)]


@given(_monomial_sets(), _monomial_sets())
def test_bigo_verdict_matches_brute_force_growth(a, b):
    """Θ-equivalence decided by the LP agrees with the growth exponents along many rays."""
    fa = sum(N**i * D**j for i, j in a)
    fb = sum(N**i * D**j for i, j in b)
    e = entry("x", "bigo", fb, ["N", "D"], bigo_vars=["N", "D"])
    verdict = ac.judge(e, sp.sstr(fa)).status
    rays = [(sp.Rational(p, 12), sp.Rational(12 - p, 12)) for p in range(13)]
    same = all(max(i * t0 + j * t1 for i, j in a) == max(i * t0 + j * t1 for i, j in b)
               for t0, t1 in rays)
    # exponents are integers ≤ 3, so the growth maxima are decided on these 13 rays
    assert verdict == ("correct" if same else "refuted")


def test_a_huge_but_legal_answer_is_refuted_in_time():
    """(d + sigma + mu + 1)**64 has ~48k terms expanded: the exact small-point probe refutes it
    without expanding, and the optional hint is dropped rather than run past its time box."""
    t0 = time.perf_counter()
    v = ac.judge_limited(VAR, "(d + sigma + mu + 1)**64", timeout=TIMEOUT)
    assert v.status == "refuted", v.line()
    assert time.perf_counter() - t0 < ac.HINT_SECONDS + 2.5


def test_hypothesis_finds_what_the_small_points_miss():
    """Agrees with sqrt(d) at d = 1, 2, 3 (the cheap probe), differs elsewhere."""
    v = ac.judge(Q3C, "sqrt(d) + (d - 1)*(d - 2)*(d - 3)")
    assert v.status == "refuted", v.line()
    assert v.counterexample["values"]["d"] not in ("1", "2", "3")
    _check_scalar_counterexample(Q3C, "sqrt(d) + (d - 1)*(d - 2)*(d - 3)", v)


def test_equal_but_not_simplifiable_is_proved_piece_by_piece():
    """Issue 12: 'correct' is a proof — no longer "agrees at sampled points" (issue 7's
    method == "numeric"): max/min are split into pieces and each piece is proved."""
    e = entry("x", "expr", d + sigma, ["d", "sigma"])
    v = ac.judge(e, "max(d, sigma) + min(d, sigma)")
    assert v.status == "correct" and v.method.startswith("piecewise"), v.line()
    assert "pieces" in v.message


def test_domain_conditions_restrict_the_counterexample_search():
    """Q2(b) assumes a small λ: with data["domain"] = lam < sigma_i, max(0, 1 - lam/sigma_i)
    is the same answer; without it, lam > sigma_i separates them."""
    sigma_i = symbol("sigma_i")
    ref = 1 - lam / sigma_i
    small = entry("q2b", "expr", ref, ["lam", "sigma_i"], domain=[["lam", "<", "sigma_i"]])
    v = ac.judge(small, "max(0, 1 - lam/sigma_i)")
    assert v.status == "correct" and "where lam < sigma_i" in v.message
    v = ac.judge(small, "1")
    assert v.status == "refuted"
    vals = v.counterexample["values"]
    assert sp.Rational(vals["lam"]) < sp.Rational(vals["sigma_i"])  # found inside the domain
    anywhere = entry("q2b", "expr", ref, ["lam", "sigma_i"])
    assert ac.judge(anywhere, "max(0, 1 - lam/sigma_i)").status == "refuted"
    bad = entry("q2b", "expr", ref, ["lam", "sigma_i"], domain=[["lam", "~", "sigma_i"]])
    assert ac.judge(bad, "1").status == "unjudged"


def test_factor_hints_are_monomials_only():
    sigma_i = symbol("sigma_i")
    e = entry("x", "expr", 1 - lam / sigma_i, ["lam", "sigma_i"])
    assert "factor" not in (ac.judge(e, "1").hint or "")  # the ratio is not a monomial
    assert "factor of sigma_i" in ac.judge(e, "sigma_i - lam").hint


def test_uncheckable_entries_say_why():
    assert "no check_kind" in ac.uncheckable_reason({"qid": "q1a", "check_kind": None})
    bad = entry("x", "expr", d * sigma, ["d"])  # sigma used but not declared
    assert "unknown symbol 'sigma'" in ac.uncheckable_reason(bad)
    assert not ac.checkable(bad)
    assert "unknown check_kind" in ac.uncheckable_reason({"check_kind": "essay"})
    assert ac.uncheckable_reason(entry("x", "matrix", None, ["X"])) is not None


def test_wrong_vector_and_choices():
    v = ac.judge(VEC, "[1, 4, 2]")
    assert v.status == "refuted" and v.counterexample["wrong_entries"] == [3]
    assert ac.judge(VEC, "[1, 4]").status == "refuted"
    assert ac.judge(LOSS, "cross entropy").status == "refuted"
    assert ac.judge(LOSS, "L1").status == "refuted"
    v = ac.judge(NEEDED, "weight decay, sgd, dropout")
    assert v.status == "refuted" and v.counterexample == {"missing": 0, "extra": 1}
    assert ac.judge(NEEDED, "Weight Decay").counterexample == {"missing": 1, "extra": 0}
    assert ac.judge(NORM, "layernorm").status == "refuted"


@pytest.mark.parametrize("ref, text, fragment", [
    (LOSS, "foo", "does not match any option"),
    (LOSS, "nn.MSELoss, nn.L1Loss", "takes one option"),
    (NEEDED, "weight decay, weight decay", "named twice"),
    (NORM, "norm", "matches several options"),
    (NORM, "dropout", "does not match any option"),
    (Q5C, "N**2*D*log(N)", "only sums of products"),
    (Q5C, "N**2*min(D, M)", "min(...) is not supported"),
    (Q5C, "N**2*F", "unknown symbol 'F'"),
    (VEC, "1", "list of entries"),
    (GRAD, "W1 + mu", "unknown symbol 'mu'"),
])
def test_unjudgeable_answers_exit_2(ref, text, fragment):
    v = ac.judge_limited(ref, text, timeout=TIMEOUT)
    assert v.status == "unjudged" and v.exit_code == 2
    assert fragment in v.message


# ------------------------------------------------------------------ property: random polynomials

_POLY_SYMS = [d, sigma, mu]


@st.composite
def _polys(draw):
    terms = draw(st.lists(st.tuples(st.integers(-5, 5).filter(bool),
                                    st.tuples(*[st.integers(0, 3)] * 3)), min_size=1, max_size=4))
    return sum(c * d**i * sigma**j * mu**k for c, (i, j, k) in terms)


@given(_polys(), _polys())
def test_property_rearranged_is_correct_and_perturbed_is_refuted(ref, bump):
    e = entry("p", "expr", ref, ["d", "sigma", "mu"])
    assert ac.judge(e, sp.sstr(sp.factor(ref))).status == "correct"
    wrong = sp.expand(ref + bump)
    if wrong == sp.expand(ref):
        return
    v = ac.judge(e, sp.sstr(wrong))
    assert v.status == "refuted"
    _check_scalar_counterexample(e, sp.sstr(wrong), v)


def test_mutation_a_checker_without_an_identity_test_is_caught(monkeypatch):
    """Mutation: an identity test that always answers "identical" (a sample passed off as a
    proof) accepts an answer the small-point probe misses; the real one refutes it."""
    from hw7.checker import judge_expr

    wrong = "sqrt(d) + (d - 1)*(d - 2)*(d - 3)"
    assert ac.judge(Q3C, wrong).status == "refuted"
    monkeypatch.setattr(judge_expr, "identity_test", lambda *a, **k: (True, "symbolic"))
    assert ac.judge(Q3C, wrong).status == "correct"  # the broken checker is fooled


# ------------------------------------------------------------------ hostile corpus

HOSTILE = [
    "__import__('os').system('touch {sentinel}')",
    "().__class__.__bases__[0].__subclasses__()",
    "d.__class__.__init__.__globals__",
    "sqrt.__globals__['__builtins__']",
    "lambda: __import__('os')",
    "(lambda: 0)()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "exec('import os')",
    "eval('1')",
    "open('/etc/passwd').read()",
    "9**9**9**9",
    "2**2**2**2**2**2",
    "10**10**10",
    "(d**64)**64**64",
    "1" * 300,
    "9" * 41,
    "(" * 200 + "d" + ")" * 200,
    "-" * 390 + "d",
    "d" + "*d" * 300,
    "d\x00",
    "\x00",
    "ｄ",
    "d\u200b",
    "\u202ed",
    "𝑑",
    "d\ufeff",
    "\u0501",
    "ℕ",
    "d;import os",
    "d\n__import__('os')",
    "'\\x64'",
    "b'd'",
    "f'{d}'",
    "d if d else d",
    "d := 1",
    "[d]*10**9",
    "max(*[d]*10**9)",
    "exp(exp(exp(exp(d))))",
    "O(d)",
    "d.T",
    "W1.__class__",
    "x" * 5000,
    # past the character screen: the tree walker itself must refuse these
    "d.real", "d.subs(d, 1)", "sqrt.func", "d.func(d)", "getattr(d, d)", "globals()",
    "vars()", "dir()", "sympify(d)", "Symbol(d)", "[1]*10**9", "max([1], [2])", "-[1, 2]",
]


# issue 12's readers give these a meaning in some kinds (judged, exit 1, in time):
# [..] groups like (..) outside vector answers; in a complexity answer, d is read as D
# (the question has D and no d, said in the verdict)
READ_NOW = {"[d]*10**9": {"expr", "bigo", "matrix"}, "[1]*10**9": {"expr", "bigo", "matrix"},
            "max([1], [2])": {"expr", "bigo", "matrix"}, "O(d)": {"bigo"}}


@pytest.mark.parametrize("ref", [Q3C, GRAD, Q5C, VEC], ids=lambda e: e["qid"])
def test_hostile_corpus_exits_2_in_time_with_nothing_executed(ref, tmp_path):
    sentinel = tmp_path / "pwned"
    for raw in HOSTILE:
        text = raw.replace("{sentinel}", str(sentinel))
        t0 = time.perf_counter()
        v = ac.judge_limited(ref, text, timeout=TIMEOUT)
        took = time.perf_counter() - t0
        if ref["check_kind"] in READ_NOW.get(raw, ()):
            # '[d]*10**9' is the (wrong, refuted) answer 10⁹·d — judged in time,
            # nothing allocated; a vector question still refuses it (exit 2)
            assert v.exit_code in (1, 2), (text[:60], v.line())
        else:
            assert v.exit_code == 2, (text[:60], v.line())
        assert took < TIMEOUT + 1.0, (text[:60], took)
        assert "\n" not in v.line() and len(v.line()) < 400
    assert not sentinel.exists()


def test_choice_questions_refuse_hostile_text_too():
    for text in ["\x00", "x" * 5000, "__import__('os')", "nn.MSELoss\x00", "\u202enn.MSELoss",
                 "nn.MSE\u200bLoss", "nn.MSELoss\udcff", "\ufeffMSE"]:
        assert ac.judge_limited(LOSS, text, timeout=TIMEOUT).exit_code == 2


def test_hard_time_limit_kills_a_runaway_judgement(monkeypatch):
    """A judgement that never ends (simulated) is killed at the deadline: exit 2."""
    def forever(entry, text):
        while True:
            time.sleep(0.05)

    monkeypatch.setattr(ac, "judge", forever)
    t0 = time.perf_counter()
    v = ac.judge_limited(Q3C, "d", timeout=1.0)
    assert time.perf_counter() - t0 < 2.5
    assert v.status == "unjudged" and "timed out" in v.message


def test_memory_limit_stops_a_runaway_allocation(monkeypatch):
    def hog(entry, text):
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))

    monkeypatch.setattr(ac, "judge", hog)
    v = ac.judge_limited(Q3C, "d", timeout=TIMEOUT, memory_mb=256)
    assert v.status == "unjudged"
    assert "MB" in v.message or "memory" in v.message or "failed" in v.message


# ------------------------------------------------------------------ the command line

def _cli(*args, stdin=None, key=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "hw7", "check", *args],
                          input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    """An answers.json holding the test references (what 'hw7 answers' writes)."""
    p = tmp_path_factory.mktemp("key") / "answers.json"
    answers = {e["qid"]: e for e in (Q3C, VAR, GRAD, Q5C, Q5D, VEC, LOSS, NEEDED)}
    answers["q1a"] = {"qid": "q1a", "check_kind": None}
    answers["q5c"] = {"qid": "q5c", "check_kind": None}
    p.write_text(json.dumps({"meta": {}, "answers": answers}))
    return str(p)


def test_cli_exit_codes_and_one_line(key_file):
    r = _cli("q3c", "d/sqrt(d)", "--key", key_file)
    assert r.returncode == 0 and r.stdout.count("\n") == 1 and "correct" in r.stdout
    r = _cli("q3c", "d", "--key", key_file)
    assert r.returncode == 1 and "counterexample: at d = 2" in r.stdout
    r = _cli("q3c", "__import__('os')", "--key", key_file)
    assert r.returncode == 2 and r.stdout.count("\n") == 1 and "Traceback" not in r.stdout + r.stderr
    r = _cli("q5c.time", "-", "--key", key_file, stdin="O(N^2 * max(D, M))\n")
    assert r.returncode == 0
    r = _cli("q1a", "d", "--key", key_file)
    assert r.returncode == 2 and "no checkable answer" in r.stderr
    r = _cli("q5c", "N", "--key", key_file)
    assert r.returncode == 2 and "check one of its parts: q5c.time" in r.stderr
    r = _cli("nope", "d", "--key", key_file)
    assert r.returncode == 2 and "unknown question id" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args, code, needle", [
    # an answer starting with '-' is the answer, wherever the options are (autograders pass
    # "$ANSWER" and cannot know to add '--'); '--' and '-' (stdin) keep working
    (["q3c", "-sqrt(d)"], 1, "yours = -1, expected 1"),
    (["q3c", "-sqrt(d)", "--json"], 1, '"status": "refuted"'),
    (["--json", "q3c", "-d/sqrt(d)"], 1, '"status": "refuted"'),
    (["q3c", "--", "-sqrt(d)"], 1, "yours = -1"),
    (["q3c", "-(-sqrt(d))"], 0, "correct"),
    (["q3c", "-sqrt(d)", "--timeout", "5"], 1, "yours = -1"),
])
def test_cli_answer_starting_with_a_minus(key_file, args, code, needle):
    r = _cli("--key", key_file, *args)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert needle in r.stdout and "Traceback" not in r.stderr


def test_cli_two_answers_and_a_missing_option_value_are_one_line(key_file):
    r = _cli("q3c", "d", "-d", "--key", key_file)
    assert r.returncode == 2 and "two answers given" in r.stderr and r.stderr.count("\n") == 1
    r = _cli("q3c", "--timeout", "--key", key_file)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_cli_json_and_show(key_file):
    r = _cli("q3.var_general", "d*sigma**4", "--json", "--key", key_file)
    out = json.loads(r.stdout)
    assert r.returncode == 1 == out["exit_code"] and out["status"] == "refuted"
    assert set(out["counterexample"]["values"]) == {"d", "mu", "sigma"}
    r = _cli("nope", "d", "--json", "--key", key_file)
    assert r.returncode == 2 and json.loads(r.stdout)["status"] == "unjudged"
    r = _cli("q2.grad_W1", "--show", "--key", key_file)
    assert r.returncode == 0 and "X" in r.stdout and "(m×n)" in r.stdout and "example" in r.stdout
    # the example shown is valid syntax but not the answer
    example = r.stdout.split("'")[1]
    assert ac.judge(GRAD, example).status == "refuted"


# ------------------------------------------------------------------ the registered sections

ISSUE_IDS = ["q1b.grad_W1", "q1b.grad_W2", "q2.grad_W1", "q2.grad_W2", "q2a.i", "q2a.ii",
             "q2a.iii", "q2b.col_norm_sq", "q3a", "q3b", "q3c", "q3.var_general", "q4a",
             "q5c.time", "q5c.space", "q5d.time", "q5d.space", "q6b"]


@pytest.fixture(scope="module")
def registered():
    from hw7.registry import Context, sections

    ctx = Context(numeric=False, quiet=True)
    return {s.qid: ac._as_entry(s.run(ctx).to_json()) for s in sections()}


def test_every_registered_answer_with_a_check_kind_is_checkable(registered):
    for qid, e in registered.items():
        if e["check_kind"] is not None:
            assert ac.checkable(e), qid
    for qid in ISSUE_IDS:
        if qid in registered:
            assert registered[qid]["check_kind"] in ac.KINDS, f"{qid} must be checkable (issue 7)"


def test_registered_answers_accept_themselves_and_refute_the_example(registered):
    for qid, e in registered.items():
        if not ac.checkable(e):
            continue
        own = e["expr"] if e["check_kind"] not in ("choice", "choices") else ", ".join(e["choices"])
        v = ac.judge_limited(e, own, timeout=TIMEOUT)
        assert v.status == "correct", v.line()
        if e["check_kind"] not in ("choice", "choices"):
            ex = ac.example_answer(e)
            v = ac.judge_limited(e, ex, timeout=TIMEOUT)
            # valid syntax of the right kind and shape, and not the answer
            assert v.status == "refuted" and v.method != "shape", (qid, ex, v.line())


def test_q3c_forms_from_the_issue_against_the_real_derivation(registered):
    if "q3c" not in registered:
        pytest.skip("q3c not registered yet")
    for text in ["sqrt(d)", "d**(1/2)", "d/sqrt(d)"]:
        assert ac.judge_limited(registered["q3c"], text, timeout=TIMEOUT).status == "correct"
    assert ac.judge_limited(registered["q3c"], "d", timeout=TIMEOUT).status == "refuted"


def test_checkable_ids_lists_the_checkable_registered_ids(registered):
    ids = ac.checkable_ids()
    assert ids == [q for q, e in registered.items() if ac.checkable(e)]
    again = ac.checkable_ids()  # from the cache now
    assert again == ids


def test_hw7_list_marks_the_checkable_ids(registered):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "hw7", "list"], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    marked = {ln.split()[0] for ln in r.stdout.splitlines() if ln.rstrip().endswith("[check]")}
    assert marked == {q for q, e in registered.items() if ac.checkable(e)}


def test_a_stated_regime_restricts_the_growth_directions():
    """Q5(d) space: O(N·D² + D³) (M ≈ D) is O(N·D²) once D ≤ N — the regime where linear
    attention is used — but not when D may outgrow N; the regime never excuses a wrong answer."""
    ref = N * D**2 + D**3
    free = entry("x", "bigo", ref, ["N", "D"], bigo_vars=["N", "D"])
    long_seq = entry("x", "bigo", ref, ["N", "D"], bigo_vars=["N", "D"],
                     regime=[["D", "<=", "N"]])
    assert ac.judge(free, "N*D**2").status == "refuted"
    v = ac.judge(long_seq, "N*D**2")
    assert v.status == "correct" and "for D ≤ N" in v.message, v.line()
    assert ac.judge(long_seq, "N*D**2 + D**3").status == "correct"
    v = ac.judge(long_seq, "N*D")
    assert v.status == "refuted"
    t = v.counterexample["direction"]
    assert sp.Rational(t["D"]) <= sp.Rational(t["N"])  # the counterexample respects the regime
    assert ac.judge(long_seq, "N**2*D").status == "refuted"
    bad = entry("x", "bigo", ref, ["N", "D"], bigo_vars=["N", "D"], regime=[["D", "<", "Q"]])
    assert ac.judge(bad, "N*D**2").status == "unjudged"
