"""``hw7 check`` judges (issue 12): "correct" is a proof, counterexamples cover the whole
domain, negations never match, one Big-O regime, Q3 vector forms, q5b.sim and q5b.phi,
and the checker package has no import circle.

The issue's examples are judged against the registered sections (derive-only); the
properties build their references here with SymPy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hw7.checker import judge as ac
from hw7.checker import judge_expr
from hw7.checker.read_plain import symbol

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT / "hw7" / "checker"
d, sigma, mu, lam, N, D, M = (symbol(s) for s in ("d", "sigma", "mu", "lam", "N", "D", "M"))
sigma_i = symbol("sigma_i")


pytestmark = pytest.mark.usefixtures("private_cache")  # a throw-away reference cache


def entry(qid, obj, symbols, kind="expr", **data):
    return {"qid": qid, "check_kind": kind, "expr": sp.sstr(obj),
            "symbols": {s: s for s in symbols}, "data": data}


@pytest.fixture(scope="module")
def reg():
    """Derive-only entries of the sections the issue names."""
    from hw7.registry import Context, select

    ctx = Context(numeric=False, quiet=True, figures_dir=None)
    out = {}
    for q in ("q3a", "q3b", "q3c", "q3.var_general", "q2a.ii", "q2a.iii", "q6b", "q5c.time",
              "q5c.space", "q5d.time", "q5d.space", "q5b.sim", "q5b.phi", "q2b.col_norm_sq"):
        out[q] = ac.as_entry(select(q)[0].run(ctx).to_json())
    return out


def _value_at(e, text, values):
    """Independent evaluation of answer and reference at the reported values."""
    vals = {symbol(k): sp.Rational(v) for k, v in values.items()}
    ours = ac._parse(e, text).value.xreplace(vals)
    theirs = ac._reference(e).value.xreplace(vals)
    return sp.N(ours, 40), sp.N(theirs, 40)


# ------------------------------------------------------------------ the issue's examples

def test_issue_examples(reg):
    v = ac.judge(reg["q3b"], "d + max(0, d - 40)")
    assert v.status == "refuted" and v.counterexample["values"] == {"d": "41"}, v.line()
    assert "yours = 42, expected 41" in v.line()
    v = ac.judge(reg["q3c"], "min(sqrt(d), 6)")
    assert v.status == "refuted" and v.counterexample["values"] == {"d": "37"}, v.line()
    for text in ("Not BatchNorm", "not batch normalization", "no BatchNorm", "non-BatchNorm",
                 "without BN", "BatchNorm? no", "unbatchnorm"):
        v = ac.judge(reg["q6b"], text)
        assert v.status != "correct" and v.exit_code != 0, (text, v.line())
    v = ac.judge(reg["q2a.ii"], "L2 loss")
    assert v.status == "correct" and v.read_as == "nn.MSELoss", v.line()


def test_every_verdict_echoes_how_the_answer_was_read(reg):
    v = ac.judge(reg["q5c.time"], "O(N^2*(D + M))")
    assert v.status == "correct" and "read as: " in v.line() and "N**2*(D + M)" in v.read_as
    for q, text in (("q3c", "d"), ("q3b", "2*d"), ("q2a.ii", "MSE"), ("q5b.phi", "[1, x1, x2]")):
        v = ac.judge(reg[q], text)
        assert v.read_as and f"read as: {v.read_as}" in v.line(), v.line()


@pytest.mark.parametrize("text", ["L2 loss", "squared error", "mean squared error", "MSE",
                                  "nn.MSELoss", "squared L2 loss", "quadratic loss"])
def test_loss_synonyms(reg, text):
    assert ac.judge(reg["q2a.ii"], text).status == "correct"


@pytest.mark.parametrize("text", ["batch normalization", "BN", "Batch Normalisation", "batchnorm",
                                  "BatchNorm, not LayerNorm"])
def test_norm_synonyms(reg, text):
    assert ac.judge(reg["q6b"], text).status == "correct"


@pytest.mark.parametrize("text", ["layer normalization", "LN", "LayerNorm instead of BatchNorm"])
def test_layer_norm_is_the_other_option(reg, text):
    assert ac.judge(reg["q6b"], text).status == "refuted"


@pytest.mark.parametrize("text, missing", [
    ("SGD with weight decay set to 0", 1), ("no weight decay", 2), ("SGD without weight decay", 1),
    ("weight decay = 0, SGD", 1), ("SGD and no weight decay", 1), ("SGD, weight decay off", 1)])
def test_negations_never_select_the_option(reg, text, missing):
    v = ac.judge(reg["q2a.iii"], text)
    assert v.status == "refuted" and v.counterexample["missing"] == missing, (text, v.line())


def test_an_option_starting_with_zero_is_not_a_negation(reg):
    e = {"qid": "q6c", "check_kind": "choice", "choices": ["b"],
         "options": ["zero_grad once, outside the loop (gradients accumulate)", "b"]}
    v = ac.judge(e, "zero_grad once outside the loop")
    assert v.status == "refuted" and "zero_grad once" in v.read_as, v.line()


@pytest.mark.parametrize("text", ["SGD, weight decay", "L2 regularization and SGD",
                                  "stochastic gradient descent + weight decay"])
def test_choice_set_synonyms(reg, text):
    assert ac.judge(reg["q2a.iii"], text).status == "correct"


def test_ruling_out_the_derived_option_is_refuted_and_a_bare_negation_is_not_judged(reg):
    v = ac.judge(reg["q2a.ii"], "not L2 loss")
    assert v.status == "refuted" and "rules out 'nn.MSELoss'" in v.message, v.line()
    v = ac.judge(reg["q6b"], "not LayerNorm")  # says what it is not, names nothing: exit 2
    assert v.exit_code == 2 and "not LayerNorm" in v.message, v.line()
    v = ac.judge(reg["q6b"], "Not BatchNorm")
    assert v.status == "refuted", v.line()


# ------------------------------------------------------------------ Big-O: one regime

def test_q5c_and_q5d_share_one_regime_stated_in_show(reg):
    for q in ("q5c.time", "q5c.space", "q5d.time", "q5d.space"):
        assert reg[q]["data"]["regime"] == [["D", "<=", "N"], ["M", "<=", "N"]], q
        shown = "\n".join(ac.describe(reg[q]))
        assert "regime: N ≥ D, N ≥ M" in shown, shown


@pytest.mark.parametrize("qid, text", [
    ("q5c.space", "O(N^2 + ND + NM)"), ("q5c.space", "O(N^2)"), ("q5c.time", "O(N²(D+M))"),
    ("q5c.time", "O(N^2 max(D, M))"), ("q5d.space", "O(ND² + D³)"), ("q5d.space", "O(ND^2)"),
    ("q5d.time", "O(ND³)"), ("q5d.time", "O(N D^2 M)")])
def test_bigo_accepted_in_the_regime(reg, qid, text):
    v = ac.judge(reg[qid], text)
    assert v.status == "correct", v.line()


@pytest.mark.parametrize("qid, text, grows", [
    ("q5d.time", "O(N²D + NDM)", "faster"), ("q5d.time", "O(ND²)", "slower"),
    ("q5c.time", "O(N^2 D)", "slower"), ("q5c.space", "O(ND + NM)", "slower")])
def test_bigo_refuted_with_a_direction_inside_the_regime(reg, qid, text, grows):
    v = ac.judge(reg[qid], text)
    assert v.status == "refuted" and v.hint == f"your answer grows {grows}", v.line()
    t = {k: sp.Rational(x) for k, x in v.counterexample["direction"].items()}
    # the direction of growth respects D ≤ N (and M ≤ N where M is free)
    assert t["D"] <= t["N"] and t.get("M", 0) <= t["N"]
    assert v.counterexample["yours_growth"] != v.counterexample["expected_growth"]


# ------------------------------------------------------------------ Q3 vector forms

@pytest.mark.parametrize("text", ["‖μ‖²", "μᵀμ", "mu^T mu", r"\sum_{i=1}^{d} \mu_i^2", "μ·μ",
                                  "d μ²", "dμ²", "d*mu**2", r"E[q^\top k] = \|\mu\|^2"])
def test_q3a_vector_and_shared_forms(reg, text):
    v = ac.judge(reg["q3a"], text)
    assert v.status == "correct", v.line()


@pytest.mark.parametrize("text", ["dσ⁴ + 2σ²‖μ‖²", "dσ⁴ + 2σ²μᵀμ", "d σ^4 + 2 d σ^2 μ^2"])
def test_q3_var_general_vector_and_shared_forms(reg, text):
    assert ac.judge(reg["q3.var_general"], text).status == "correct"


@pytest.mark.parametrize("qid, text", [("q3a", "d‖μ‖²"), ("q3a", "μ²"), ("q3a", "0"),
                                       ("q3.var_general", "dσ⁴ + σ²‖μ‖²"),
                                       ("q3.var_general", "d σ^4 + 2 σ^2 μ^2")])
def test_q3_wrong_forms_refuted(reg, qid, text):
    assert ac.judge(reg[qid], text).status == "refuted"


def test_q3a_headline_is_the_vector_form_with_the_shared_one_beside(reg):
    e = reg["q3a"]
    assert e["expr"] == "norm2_mu" and e["data"]["shared_mean_form"]["expr"] == "d*mu**2"
    assert e["data"]["vectors"] == {"mu": "d"}


# ------------------------------------------------------------------ q5b.sim and q5b.phi

@pytest.mark.parametrize("text, status", [
    ("(qᵀk + 1)²", "correct"), ("(1 + q·k)^2", "correct"), ("(qk + 1)**2", "correct"),
    ("(q^T k)^2 + 2 q^T k + 1", "correct"), ("(qᵀk)²", "refuted"), ("(abs(qk) + 1)^2", "refuted"),
    ("qᵀk + 1", "refuted")])
def test_q5b_sim(reg, text, status):
    v = ac.judge(reg["q5b.sim"], text)
    assert v.status == status, v.line()


PHI_OK = [
    "[1, sqrt(2)*x1, sqrt(2)*x2, x1**2, x2**2, sqrt(2)*x1*x2]",
    "[x1**2, sqrt(2)*x1*x2, x2**2, sqrt(2)*x2, 1, sqrt(2)*x1]",                  # any order
    "[1, sqrt(2)*x1, sqrt(2)*x2, x1**2, x1*x2, x2*x1, x2**2]",                   # full 1+D+D²
    "[1, sqrt(2)*x1, sqrt(2)*x2, sqrt(2)*x3, x1^2, x2^2, x3^2, sqrt(2)*x1*x2, "
    "sqrt(2)*x1*x3, sqrt(2)*x2*x3]",                                             # D = 3
    "[-1, -sqrt(2)*x1, -sqrt(2)*x2, -x1**2, -x2**2, -sqrt(2)*x1*x2]",            # signs cancel
]
PHI_WRONG = [
    "[1, x1, x2, x1**2, x2**2, x1*x2]",                # no √2 weights
    "[1, sqrt(2)*x1, sqrt(2)*x2, x1**2, x2**2]",       # cross term missing
    "[1, sqrt(2)*x1, sqrt(2)*x2, x1*abs(x1), x2**2, sqrt(2)*x1*x2]",
    "[x1, x2]",
]


@pytest.mark.parametrize("text", PHI_OK)
def test_q5b_phi_accepts_any_map_with_the_kernel_identity(reg, text):
    v = ac.judge(reg["q5b.phi"], text)
    assert v.status == "correct" and v.method == "symbolic", v.line()


@pytest.mark.parametrize("text", PHI_WRONG)
def test_q5b_phi_refutes_with_a_pair_where_the_sides_differ(reg, text):
    v = ac.judge(reg["q5b.phi"], text)
    assert v.status == "refuted", v.line()
    ce = v.counterexample
    phi = ac._parse(ac.as_entry(reg["q5b.phi"]), text).value
    xs = {s.name: s for e in phi for s in getattr(e, "free_symbols", ())}

    def at(vec):
        return [sp.sympify(e).xreplace({xs[f"x{i + 1}"]: sp.Integer(x) for i, x in enumerate(vec)
                                        if f"x{i + 1}" in xs}) for e in phi]
    lhs = sp.nsimplify(sum(a * b for a, b in zip(at(ce["q"]), at(ce["k"]))))
    rhs = (sum(a * b for a, b in zip(ce["q"], ce["k"])) + 1) ** 2
    assert sp.simplify(lhs - rhs) != 0


def test_q5b_show_explains_the_syntax(reg):
    shown = "\n".join(ac.describe(reg["q5b.phi"]))
    assert "x1, x2" in shown and "D = the largest index" in shown and "at least 2" in shown
    assert "qk" in "\n".join(ac.describe(reg["q5b.sim"]))


# ------------------------------------------------------------------ soundness of "correct"

def test_domain_edges_and_large_values():
    """λ = 0 is in the domain; dimensions past any constant; μ of either sign."""
    e = entry("x", 1 - lam / sigma_i, ["lam", "sigma_i"], domain=[["lam", "<", "sigma_i"]])
    assert ac.judge(e, "max(0, 1 - lam/sigma_i)").status == "correct"
    v = ac.judge(entry("x", lam + 1, ["lam"]), "lam + 1 + max(0, (lam - 1/3)*(1/2 - lam))")
    assert v.status == "refuted"
    assert sp.Rational(1, 3) < sp.Rational(v.counterexample["values"]["lam"]) < sp.Rational(1, 2)
    v = ac.judge(entry("x", d * sigma, ["d", "sigma"]), "d*sigma + sigma*max(0, d - 10**6)")
    assert v.status == "refuted" and sp.Rational(v.counterexample["values"]["d"]) > 10**6
    v = ac.judge(entry("x", mu, ["mu"]), "abs(mu)")
    assert v.status == "refuted" and sp.Rational(v.counterexample["values"]["mu"]) < 0


@pytest.mark.parametrize("ref, text", [
    (sp.sqrt(d) + 1, "sqrt(d + 2*sqrt(d) + 1)"),          # proved: radicand factored, d = t²
    (sp.Abs(mu + 1), "sqrt(mu**2 + 2*mu + 1)"),           # true, but not proved today
])
def test_equal_answers_are_proved_or_undecided_never_sampled(ref, text):
    """An answer the checker cannot prove is 'could not decide' (exit 2), never a sampled
    'correct'; what it proves says how."""
    v = ac.judge(entry("x", ref, ["d", "mu"]), text)
    assert v.status in ("correct", "unjudged"), v.line()
    if v.status == "correct":
        assert v.method.startswith(("symbolic", "exact identity", "piecewise")), v.line()
    else:
        assert "could not decide" in v.line() and v.exit_code == 2


def test_large_identity_uses_schwartz_zippel_with_a_stated_bound():
    big = sp.expand((d + sigma + mu + 1) ** 12)
    zero, how = judge_expr.identity_test(big - (d + sigma + mu + 1) ** 12)
    assert zero is True and "Schwartz–Zippel" in how
    bound = float(how.split("≤ ")[1].split(")")[0])
    assert bound < judge_expr.FALSE_ACCEPT_LIMIT
    # (degree 12 / 2^64)^3 ≈ 2.9e-54
    assert bound == pytest.approx((12 / 2.0**64) ** 3, rel=1e-6)
    zero, _ = judge_expr.identity_test(big - (d + sigma + mu + 1) ** 12 + d**11 * sigma)
    assert zero is False


def test_mutation_sampling_instead_of_pieces_is_caught(monkeypatch):
    """Mutation: without the split into pieces (every case treated as one, judged on its
    first branch only) d + max(0, d - 40) would be 'equal' to d; the real judge refutes."""
    e = entry("q3b", d, ["d"])
    assert ac.judge(e, "d + max(0, d - 40)").status == "refuted"
    monkeypatch.setattr(judge_expr, "split_pieces",
                        lambda exprs, conds=(): [(list(conds), [x.replace(sp.Max, lambda *a: a[0])
                                                               for x in exprs])])
    assert ac.judge(e, "d + max(0, d - 40)").status == "correct"  # the broken judge is fooled


# ------------------------------------------------------------------ properties

_ATOMS = [d, sigma, mu, d * sigma, mu**2, sigma**2, d**2]


@st.composite
def _expressions(draw):
    terms = draw(st.lists(st.tuples(st.integers(-4, 4).filter(bool), st.sampled_from(_ATOMS),
                                    st.integers(0, 2)), min_size=1, max_size=4))
    return sp.Add(*[c * a**k for c, a, k in terms])


def _rewrite(expr, how: int):
    if how == 0:
        return sp.factor(expr)
    if how == 1:
        return sp.expand(expr * (d + 1)) / (d + 1)
    if how == 2:
        return sp.Max(expr, expr - 1) + sp.Min(expr, 2 * expr) - sp.Min(expr, 2 * expr)
    if how == 3:
        return sp.sqrt(d) * sp.sqrt(d) * expr / d
    if how == 4:
        return sp.Max(expr, sigma) + sp.Min(expr, sigma) - sigma
    return sp.Abs(sigma) * expr / sigma


@settings(max_examples=25, deadline=None)
@given(_expressions(), st.integers(0, 5))
def test_property_a_rewrite_is_judged_equivalent(ref, how):
    e = entry("p", ref, ["d", "sigma", "mu"])
    text = sp.sstr(_rewrite(ref, how))
    v = ac.judge(e, text)
    assert v.status == "correct", (text, v.line())


@settings(max_examples=25, deadline=None)
@given(_expressions(), st.fractions(Fraction(1, 2), Fraction(10**7), max_denominator=50))
def test_property_a_term_vanishing_on_part_of_the_domain_is_refuted(ref, c):
    """ref + Max(0, d − c): equal for d ≤ c only; the counterexample lies past c."""
    c = sp.Rational(c.numerator, c.denominator)
    e = entry("p", ref, ["d", "sigma", "mu"])
    text = sp.sstr(ref + sp.Max(0, d - c))
    v = ac.judge(e, text)
    assert v.status == "refuted", (text, v.line())
    vals = v.counterexample["values"]
    assert sp.Rational(vals["d"]) > c
    a, b = _value_at(e, text, vals)
    assert a != b


@settings(max_examples=25, deadline=None)
@given(st.fractions(0, 100, max_denominator=20), st.fractions(Fraction(1, 1000), 5, max_denominator=1000))
def test_property_a_bump_between_two_random_roots_in_lam_is_refuted(a, width):
    """ref + Max(0, (λ − a)(b − λ)) vanishes outside (a, b) only: found inside, exactly."""
    a = sp.Rational(a.numerator, a.denominator)
    b = a + sp.Rational(width.numerator, width.denominator)
    assume(b > a)
    ref = 1 - lam / sigma_i
    e = entry("p", ref, ["lam", "sigma_i"])
    text = sp.sstr(ref + sp.Max(0, (lam - a) * (b - lam)))
    v = ac.judge(e, text)
    assert v.status == "refuted", (text, v.line())
    got = sp.Rational(v.counterexample["values"]["lam"])
    assert a < got < b
    x, y = _value_at(e, text, v.counterexample["values"])
    assert x != y


# ------------------------------------------------------------------ structure

def _checker_imports():
    """{module: {(imported checker module, names)}} for every import in hw7/checker/*.py,
    inside functions too."""
    graph = {}
    for path in sorted(CHECKER.glob("*.py")):
        mod = path.stem
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "hw7.checker":
                    for a in node.names:
                        deps.add((a.name, ()))
                elif node.module.startswith("hw7.checker."):
                    deps.add((node.module.split(".")[2], tuple(a.name for a in node.names)))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("hw7.checker."):
                        deps.add((a.name.split(".")[2], ()))
        graph[mod] = deps
    return graph


def test_checker_has_no_import_circle_and_no_private_imports():
    graph = _checker_imports()
    edges = {m: {dep for dep, _ in deps if dep in graph and dep != m} for m, deps in graph.items()}
    # depth-first search for a cycle
    state: dict = {}

    def visit(m, path):
        state[m] = "open"
        for n in sorted(edges[m]):
            if state.get(n) == "open":
                raise AssertionError("import circle: " + " -> ".join(path + [m, n]))
            if n not in state:
                visit(n, path + [m])
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m, [])
    for m, deps in graph.items():
        for dep, names in deps:
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{m} imports private names {private} from {dep}"
    # judges sit below the dispatcher: none of them imports it
    for m in graph:
        if m.startswith("judge_"):
            assert "judge" not in edges[m], f"{m} imports the dispatcher hw7.checker.judge"


def test_import_is_cheap_and_judging_needs_no_hypothesis():
    code = ("import sys, json\nimport hw7.checker.judge as j\n"
            "before = [m for m in ('hypothesis', 'torch') if m in sys.modules]\n"
            "e = {'qid': 'q3b', 'check_kind': 'expr', 'expr': 'd', 'symbols': {'d': 'd'}}\n"
            "v = j.judge(e, 'd + max(0, d - 40)')\n"
            "after = [m for m in ('hypothesis', 'torch') if m in sys.modules]\n"
            "print(json.dumps([before, after, v.status]))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    import json

    before, after, status = json.loads(r.stdout.strip().splitlines()[-1])
    assert before == [] and after == [] and status == "refuted"


# ------------------------------------------------------------------ more readings

NUMERIC = {"qid": "q2a.i", "check_kind": "choice", "options": ["0", "1", "2", "3"], "choices": ["2"]}


@pytest.mark.parametrize("text, status", [
    ("2 linear layers", "correct"), ("two layers", "correct"), ("3 layers", "refuted"),
    ("Two linear layers (encoder and decoder)", "correct"),
    ("0 layers", "refuted"), ("not 2", "refuted"), ("not 3", "unjudged"), ("2.5 layers", "unjudged")])
def test_numeric_options_read_a_leading_number(text, status):
    assert ac.judge(NUMERIC, text).status == status


def test_a_tiny_difference_is_still_a_difference():
    """Non-rational values are compared at 50 digits: 10⁻²⁰·d is not round-off."""
    v = ac.judge(entry("x", sp.sqrt(d), ["d"]), "sqrt(d) + d/10**20")
    assert v.status == "refuted", v.line()


def test_show_states_each_symbols_domain(reg):
    shown = "\n".join(ac.describe(reg["q2b.col_norm_sq"]))
    assert "lam ≥ 0" in shown and "sigma_i > 0" in shown
    assert "d integer ≥ 1 (any size)" in "\n".join(ac.describe(reg["q3b"]))


# ------------------------------------------------------------------ pieces whose boundary is huge

_HUGE_BOUNDARY_REFUTED = [
    ("q3b", "d + max(0, d^(1/64) - 10^30)"),
    ("q3b", "d + max(0, d^(1/64) - 1000)"),
    ("q3b", "d + max(0, d^(1/32) - 10^5)"),
    ("q3b", "d + max(0, d^(1/16) - 10^20)"),
    ("q3b", "d + max(0, d^(1/8) - 10^39)"),
    ("q3b", "d + max(0, d^(1/64) - 100)"),
    ("q3b", "d + max(0, sqrt(d)/10^39 - 10^39)"),
    ("q3b", "d + max(0, log(log(d)) - 5)"),
    ("q3c", "sqrt(d) + max(0, d^(1/64) - 10^30)"),
    ("q3a", "d*mu^2 + max(0, sigma^(1/64) - 10^30)"),
    ("q5b.sim", "(qk+1)^2 + max(0, qk^(1/64) - 10^30)"),
]

_HUGE_BOUNDARY_NOT_CORRECT = [
    ("q3b", "d + min(0, 10^30 - d^(1/64))"),
    ("q3b", "max(d, d^(1/64) + d - 10^30)"),
    ("q3b", "d + abs(d^(1/64) - 10^30) - (10^30 - d^(1/64))"),
    ("q3c", "sqrt(d)*(1+max(0, d^(1/64) - 10^30))"),
    ("q3a", "norm2_mu + max(0, sigma^(1/64) - 10^30)"),
    ("q3.var_general", "d sigma^4 + 2 sigma^2 norm2_mu + max(0, sigma^(1/64) - 10^30)"),
]


@pytest.mark.parametrize("qid, text", _HUGE_BOUNDARY_REFUTED)
def test_a_piece_past_a_huge_boundary_is_refuted_exactly(reg, qid, text):
    """The piece where d^(1/64) > 10^30 starts at d = 10^1920: its sign is certified there
    (never a 50-digit float that rounds the condition to false), and the counterexample is
    checked exactly on the original answers."""
    v = ac.judge(reg[qid], text)
    assert v.status == "refuted", v.line()
    assert "ValueError" not in v.line()
    assert _differs_exactly(reg[qid], text, v.counterexample["values"]), v.line()
    assert v.counterexample["yours"] != v.counterexample["expected"], v.line()


def _differs_exactly(e, text, values):
    """Independent exact re-check: the two answers' difference has a certified nonzero sign."""
    from hw7.checker.search import exact_at, sign_of

    ours, theirs = ac._parse(e, text).value, ac._reference(e).value
    if not {s.name for s in ours.free_symbols | theirs.free_symbols} <= set(values):
        return True  # a rewritten form (shared mean μ·1 against ‖μ‖²): checked by the judge only

    def at(x):
        return exact_at(x, {s: sp.Rational(values[s.name]) for s in x.free_symbols})

    return sign_of(at(ours) - at(theirs)) not in (0, None)


@pytest.mark.parametrize("qid, text", _HUGE_BOUNDARY_NOT_CORRECT)
def test_a_piece_past_a_huge_boundary_is_never_accepted(reg, qid, text):
    """Refuted or "could not decide" (some time out), never "correct"."""
    v = ac.judge_limited(reg[qid], text, timeout=10)
    assert v.status != "correct", v.line()
    assert "ValueError" not in v.line() and "TypeError" not in v.line()


def test_an_uncertain_sign_never_proves_a_piece_empty(monkeypatch):
    """Mutation: with every non-rational sign unknown, no piece may be declared empty."""
    from hw7.checker import judge_expr as je

    real = je.sign_of
    monkeypatch.setattr(je, "sign_of", lambda v: real(v) if v is not None and v.is_Rational else None)
    v = ac.judge(entry("x", d, ["d"]), "d + max(0, d^(1/64) - 10^30)")
    assert v.status != "correct", v.line()


@pytest.mark.parametrize("qid, text, pair", [
    ("q3c", "sqrt(d)+max(0,d-10^15)", ("yours = 31622777.6", "expected 31622776.6")),
    ("q3b", "d*(1 + max(0, d^(1/8) - 100))", ("yours = 10000000000000013.5", "expected 10000000000000001")),
])
def test_counterexample_values_are_printed_distinct(reg, qid, text, pair):
    v = ac.judge(reg[qid], text)
    assert v.status == "refuted", v.line()
    ce = v.counterexample
    assert ce["yours"] != ce["expected"], v.line()
    for part in pair:
        assert part in v.line(), v.line()


def test_feature_map_counterexample_values_are_printed_distinct(reg):
    v = ac.judge(reg["q5b.phi"], "[1, sqrt(2)*x1, sqrt(2)*x2, x1^2, x2^2, sqrt(2)*x1*x2, 10^-20]")
    assert v.status == "refuted", v.line()
    assert v.counterexample["yours"] != v.counterexample["expected"], v.line()
    assert "φ(q)ᵀφ(k) = (10^40 + 1)/10^40 but" in v.line(), v.line()


@settings(max_examples=10, deadline=None)
@given(_expressions(), st.integers(31, 2000), st.sampled_from([2, 3, 4, 8, 16, 32, 64]),
       st.sampled_from(["max", "min", "abs"]), st.sampled_from(["d", "sigma"]))
def test_property_a_term_past_a_huge_boundary_is_never_accepted(ref, k, q, form, var):
    """ref + max(0, x^(1/q) − 10^k) (or its min/abs forms) differs from ref only past
    x = 10^(kq), far beyond any sampled value: never "correct"; refuted when found."""
    x = {"d": d, "sigma": sigma}[var]
    c = sp.Integer(10) ** k
    r = x ** sp.Rational(1, q)
    bump = {"max": sp.Max(0, r - c), "min": -sp.Min(0, c - r), "abs": (sp.Abs(r - c) + r - c) / 2}[form]
    e = entry("p", ref, ["d", "sigma", "mu"])
    text = sp.sstr(ref + bump)
    v = ac.judge_limited(e, text, timeout=20)
    assert v.status != "correct", (text, v.line())
    if v.status == "refuted":
        assert _differs_exactly(e, text, v.counterexample["values"]), v.line()


# ------------------------------------------------------------------ tester's false accepts (C5-C7)

_PHI6 = "sqrt(2)*x1, sqrt(2)*x2, x1^2, x2^2, sqrt(2)*x1*x2"


@pytest.mark.parametrize("qid, text", [
    ("q5b.phi", f"[sqrt(2), sqrt(-1), {_PHI6}]"),
    ("q5b.phi", f"[1, {_PHI6}, sqrt(-1)*x1, x1]"),
    ("q5b.phi", f"[1, {_PHI6}, (-1)^(1/2)*x1, x1]"),
    ("q5b.phi", f"[1, {_PHI6}, sqrt(-2)*x1, sqrt(2)*x1]"),
    ("q3a", "2*norm2_mu - d*mu^2"),
    ("q3a", "norm2_mu^2/(d*mu^2)"),
    ("q3.var_general", "d*sigma^4 + 2*norm2_mu*sigma^2 + (norm2_mu - d*mu^2)^2"),
    ("q3.var_general", "d*sigma^4 + 2*norm2_mu*sigma^2 + norm2_mu^2 - d^2*mu^4"),
    ("q3c", "sqrt(d)*(d-1)/(d-1)"),
    ("q3c", "sqrt(d)*(d-1)^2*(d-1)^(-2)"),
])
def test_tester_false_accepts_are_never_correct(reg, qid, text):
    v = ac.judge(reg[qid], text)
    assert v.status != "correct" and v.exit_code != 0, v.line()


def test_complex_feature_map_is_refuted_as_not_real(reg):
    v = ac.judge(reg["q5b.phi"], f"[sqrt(2), sqrt(-1), {_PHI6}]")
    assert v.status == "refuted" and "real" in v.line(), v.line()


def test_mixed_vector_and_shared_mean_is_not_judged(reg):
    v = ac.judge(reg["q3a"], "2*norm2_mu - d*mu^2")
    assert v.status == "unjudged" and "one form" in v.line(), v.line()


def test_divisor_that_cannot_vanish_is_fine(reg):
    assert ac.judge(reg["q3c"], "sqrt(d)*(d+1)/(d+1)").status == "correct"
    v = ac.judge(reg["q3c"], "sqrt(d)*(d-1)/(d-1)")
    assert v.status == "unjudged" and "undefined where d - 1 = 0" in v.line(), v.line()


def test_matrix_answer_with_a_vanishing_divisor_is_not_correct():
    from hw7.registry import Context, select

    e = ac.as_entry(select("q2.grad_W1")[0].run(Context(numeric=False, quiet=True,
                                                               figures_dir=None)).to_json())
    ref = e["expr"]
    assert ac.judge(e, ref).status == "correct"
    v = ac.judge(e, f"{ref} + lam^2*W1/lam - lam*W1")
    assert v.status != "correct" and v.exit_code != 0, v.line()


@pytest.mark.parametrize("qid,text,ok", [
    ("q1b.grad_W1", "∂L/∂W2 = -2W2ᵀ(X − W2W1X)Xᵀ", False),
    ("q1b.grad_W1", "∂L/∂W1 = -2W2ᵀ(X − W2W1X)Xᵀ", True),
    ("q1b.grad_W2", "dL/dW1 = -2(X − W2W1X)XᵀW1ᵀ", False),
    ("q1b.grad_W2", "dL/dW2 = -2(X − W2W1X)XᵀW1ᵀ", True),
    ("q2.grad_W1", r"\nabla_{W_2} L = -2W2ᵀ(X − W2W1X)Xᵀ + 2λW1", False),
])
def test_a_gradient_label_must_name_the_matrix_asked_for(qid, text, ok):
    # '∂L/∂W2 = <grad_W1>' was accepted on q1b.grad_W1: the label says another gradient
    from hw7.checker.judge import judge, reference_entry

    v = judge(reference_entry(qid), text)
    assert v.exit_code == (0 if ok else 2), v.message


@pytest.mark.parametrize("qid, text, status", [
    # differs only strictly between integers: no counterexample exists in the domain
    ("q3b", "d + max(0, 10^-20 - abs(d - 7/3))", "unjudged"),
    ("q3c", "sqrt(d) + max(0, 1/10 - abs(d - 3/2))", "unjudged"),
    # differs at a real point first found, but also at the integers around it
    ("q3c", "sqrt(d) + max(0, 1 - abs(d - 5/2))", "refuted"),
])
def test_a_counterexample_has_integer_dimensions(reg, qid, text, status):
    v = ac.judge(ac.reference_entry(qid), text)
    assert v.status == status, v
    if status == "refuted":
        assert sp.Rational(v.counterexample["values"]["d"]).is_Integer
    else:
        assert "not an integer" in v.message
