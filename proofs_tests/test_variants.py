"""Homework variants (issue 13 §3) and the fast/full budget table (issue 13 §4).

Properties over generated variant files: valid ones load and round-trip; every class of
invalid one (unknown key, wrong shape, p < 1, non-numeric entry, non-integer degree, a
tie for Q4's largest score, unreadable TOML) is one line on stderr, exit 2, and nothing
written. End to end: the degree-3 example's key with every q5b–q5d check passing, and
``hw7 check --variant`` judging against it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import tempfile
from dataclasses import fields
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from hw7 import budget, variants
from hw7.cli import main
from hw7.registry import Context, get
from hw7core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "variants"


# ---------------------------------------------------------------- strategies
def _unique_max(keys, query) -> bool:
    scores = [sum(a * b for a, b in zip(k, query)) for k in keys]
    return scores.count(max(scores)) == 1


@st.composite
def q4_instances(draw):
    n = draw(st.integers(2, variants.MAX_Q4["N"]))
    d = draw(st.integers(1, variants.MAX_Q4["D"]))
    m = draw(st.integers(1, variants.MAX_Q4["M"]))
    ent = st.integers(-9, 9)
    keys = tuple(tuple(draw(st.lists(ent, min_size=d, max_size=d))) for _ in range(n))
    values = tuple(tuple(draw(st.lists(ent, min_size=m, max_size=m))) for _ in range(n))
    query = tuple(draw(st.lists(ent, min_size=d, max_size=d)))
    return variants.Q4Variant(keys, values, query)


offsets = st.one_of(st.integers(0, 10**6).map(sp.Integer),
                    st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
                    .map(lambda x: sp.Rational(repr(x))))
names = st.text(st.one_of(st.characters(categories=("L", "Nd")), st.sampled_from(" ._-+(),")),
                min_size=1, max_size=40).filter(lambda s: s.strip() == s and s)


@st.composite
def kernels(draw):
    """(p, c) a key can be built for: 2 ≤ p ≤ MAX_DEGREE, and c ≥ 1 when p is odd."""
    p = draw(st.integers(2, variants.MAX_DEGREE))
    c = draw(offsets.filter(lambda c: p % 2 == 0 or c >= 1))
    return variants.Q5Variant(p, c)


@st.composite
def valid_variants(draw):
    return variants.Variant(
        name=draw(names),
        description=draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                 max_size=60)),
        q2=variants.Q2Variant(draw(st.sampled_from(["sum", "mean"]))),
        q3=variants.Q3Variant(draw(st.sampled_from(["divide", "multiply"]))),
        q4=draw(q4_instances().filter(lambda v: _unique_max(v.keys, v.query))),
        q5=draw(kernels()),
    )


# ---------------------------------------------------------------- valid files
@given(valid_variants())
def test_valid_variant_files_load_and_round_trip(v):
    text = variants.to_toml(v)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "v.toml"
        f.write_text(text, encoding="utf-8")
        got = variants.load(f)
    assert got == v
    assert got.source == str(f)
    assert got.digest == v.digest and got.settings() == v.settings()
    assert got.is_default == (v.settings() == variants.DEFAULT.settings())
    assert variants.parse(variants.to_toml(got)) == got      # a second round trip


@given(valid_variants(), valid_variants())
def test_digest_is_a_function_of_the_settings(a, b):
    assert (a.digest == b.digest) == (a.settings() == b.settings())


def test_shipped_variants():
    files = sorted(p.name for p in VARIANTS.glob("*.toml"))
    assert "default.toml" in files and len(files) >= 3
    default = variants.load(VARIANTS / "default.toml")
    assert default.is_default and default.digest == variants.DEFAULT.digest
    cubic = variants.load(VARIANTS / "cubic-kernel.toml")
    assert (cubic.q5.degree, cubic.q5.offset) == (3, 1) and cubic.q4 != variants.DEFAULT.q4
    mean = variants.load(VARIANTS / "mean-reconstruction.toml")
    assert mean.q2.convention == "mean" and mean.q3.convention == "multiply"
    for f in VARIANTS.glob("*.toml"):
        assert variants.parse(variants.to_toml(variants.load(f))) == variants.load(f)


def test_partial_file_keeps_the_homework_for_the_rest():
    v = variants.parse("[q5]\ndegree = 4\n")
    assert v.q5.degree == 4 and v.q5.offset == 1
    assert (v.q2, v.q3, v.q4) == (variants.DEFAULT.q2, variants.DEFAULT.q3, variants.DEFAULT.q4)
    assert variants.parse("[q5]\noffset = 0.5\n").q5.offset == sp.Rational(1, 2)  # as written


# ---------------------------------------------------------------- invalid files
BASE = variants.to_toml(variants.DEFAULT)


def _with(text: str, table: str, line: str) -> str:
    """``text`` with ``line`` added at the top of [table] (or of the document)."""
    if not table:
        return line + "\n" + text
    return text.replace(f"[{table}]\n", f"[{table}]\n{line}\n", 1)


def _replace(text: str, field: str, value: str) -> str:
    out, n = re.subn(rf"(?m)^{field} = .*$", lambda _: f"{field} = {value}", text, count=1)
    assert n == 1
    return out


allowed = {"": {"name", "description", "q2", "q3", "q4", "q5"}, "q2": {"convention"},
           "q3": {"convention"}, "q4": {"keys", "values", "query"}, "q5": {"degree", "offset"}}
unknown_key = st.tuples(st.sampled_from(sorted(allowed)),
                        st.from_regex(r"\A[a-z][a-z0-9_]{0,11}\Z")).filter(
    lambda t: t[1] not in allowed[t[0]]).map(lambda t: _with(BASE, t[0], f"{t[1]} = 1"))

toml_value = st.one_of(st.integers(-5, 5).map(str), st.just('"x"'), st.just("true"),
                       st.just("[]"), st.just("[[1, 2], [3]]"), st.just("[1, 2, 3]"))
wrong_shape = st.one_of(
    st.just(_replace(BASE, "keys", "[[1, 2, 0], [0, 3], [5, 0, 0], [0, 0, 1]]")),     # ragged
    st.just(_replace(BASE, "values", "[[2, 0, 1], [1, 4, 3]]")),                       # N differs
    st.integers(1, 6).filter(lambda d: d != 3).map(
        lambda d: _replace(BASE, "query", str([1] * d))),                              # D differs
    st.just(_replace(BASE, "keys", "[]")),
    st.just(_replace(BASE, "keys", "[1, 2, 3]")),
    st.just(_replace(BASE, "keys", "[[1, 2, 0]]")),                                    # one key
    st.integers(variants.MAX_Q4["N"] + 1, 20).map(
        lambda n: _replace(_replace(BASE, "keys", str([[j, 0, 0] for j in range(n)])),
                           "values", str([[0]] * n))),                                 # too many
)
degree_below_1 = st.integers(-10**6, 0).map(lambda p: _replace(BASE, "degree", str(p)))
non_numeric = st.one_of(
    st.sampled_from(['"1"', "true", "[1]", "{a = 1}", '"one"']).flatmap(
        lambda bad: st.sampled_from([
            _replace(BASE, "query", f"[1, {bad}, 2]"),
            _replace(BASE, "keys", f"[[1, 2, 0], [0, 3, 4], [5, 0, {bad}], [0, 0, 1]]"),
            _replace(BASE, "values", f"[[{bad}, 0, 1], [1, 4, 3], [0, -1, 4], [1, 0, -1]]"),
            _replace(BASE, "offset", bad),
            _replace(BASE, "degree", bad)])),
    st.sampled_from(["nan", "inf", "-inf"]).map(lambda x: _replace(BASE, "offset", x)),
    st.floats(0.01, 100).map(lambda x: _replace(BASE, "query", f"[1, {x!r}, 2]")),
)
non_integer_degree = st.floats(-10, 10, allow_nan=False).map(
    lambda p: _replace(BASE, "degree", repr(float(p))))
bad_convention = st.sampled_from(["q2", "q3"]).flatmap(
    lambda t: st.text(max_size=10).map(lambda s: BASE.replace(
        f'[{t}]\nconvention = "', f'[{t}]\nconvention = "{s.replace(chr(92), "")}', 1)).filter(
        lambda text: variants_error(text) is not None))
# the homework's query (1, 1, 2) scores its keys 3, 11, 5, 2: a fifth key scoring 11 ties
tie = st.integers(-20, 20).map(lambda j: _replace(_replace(
    BASE, "keys", f"[[1, 2, 0], [0, 3, 4], [5, 0, 0], [0, 0, 1], [{j}, {11 - j}, 0]]"),
    "values", "[[2, 0, 1], [1, 4, 3], [0, -1, 4], [1, 0, -1], [0, 0, 0]]"))
unreadable = st.one_of(
    st.sampled_from(["keys = [1, 2", "[q4", "degree = = 2", "name = 'x", "[q5]\n[q5]",
                     "\x00"]).map(lambda junk: BASE + junk + "\n"),
    st.binary(min_size=1, max_size=20).filter(lambda b: _decode(b) is None),
)


def _decode(b: bytes):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


def variants_error(text: str) -> str | None:
    try:
        variants.parse(text)
    except InputError as exc:
        return str(exc)
    return None


INVALID = {"unknown key": unknown_key, "wrong shape": wrong_shape, "p < 1": degree_below_1,
           "non-numeric entry": non_numeric, "non-integer degree": non_integer_degree,
           "bad convention": bad_convention, "tie for the largest score": tie,
           "unreadable TOML": unreadable}


def _run_cli(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", sorted(INVALID))
def test_invalid_variant_is_one_line_exit_2_nothing_written(kind):
    @given(INVALID[kind])
    def check(content):
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "bad.toml"
            if isinstance(content, bytes):
                f.write_bytes(content)
            else:
                f.write_text(content, encoding="utf-8")
            out = Path(tmp) / "key"
            for argv in (["answers", "--only", "q4a", "--out", str(out), "--quiet"],
                         ["derive", "q5b"], ["verify", "q4a", "--quiet"],
                         ["check", "q4a", "[1, 4, 3]"]):
                rc, stdout, stderr = _run_cli(argv + ["--variant", str(f)])
                assert rc == 2, (argv, rc, stderr)
                lines = stderr.splitlines()
                assert len(lines) == 1 and lines[0].startswith("hw7: error: "), (argv, stderr)
                assert "Traceback" not in stderr and stdout == "", argv
                assert sorted(p.name for p in Path(tmp).iterdir()) == ["bad.toml"], argv
            with pytest.raises(InputError):
                variants.load(f)
    check()


def test_error_messages_name_the_problem():
    cases = {
        _with(BASE, "q5", "degre = 3"): "unknown key 'degre' in [q5]",
        _replace(BASE, "degree", "0"): "q5.degree must be at least 1, got 0",
        _replace(BASE, "degree", "3.0"): "q5.degree must be an integer, got 3.0",
        _replace(BASE, "query", "[1, 1]"): "q4.query has 2 entries but the keys have 3 columns",
        _replace(BASE, "query", '[1, "a", 2]'): "q4.query[1] must be a number",
        _replace(BASE, "offset", "-1"): "q5.offset must be ≥ 0",
        _replace(BASE, "query", "[0, 0, 0]"): "keys k1, k2, k3, k4 tie for the largest score",
        BASE + "[q4": "not valid TOML",
    }
    for text, msg in cases.items():
        err = variants_error(text)
        assert err is not None and msg in err and "\n" not in err, (msg, err)


def test_derive_and_verify_follow_the_variant():
    """``hw7 derive`` and ``hw7 verify`` take ``--variant`` as ``answers`` and ``check`` do:
    the degree-3 file changes the kernel and φ's dimension C(D + 3, 3) that derive prints,
    and Q4's output that verify confirms (expected values computed here from the file)."""
    D = sp.Symbol("D")
    dims = {p: sp.sstr(sp.factor(sp.expand_func(sp.binomial(D + p, p)))) for p in (2, 3)}
    rc, cubic, err = _run_cli(["derive", "q5b", "--variant", str(VARIANTS / "cubic-kernel.toml")])
    assert rc == 0, err
    rc, default, err = _run_cli(["derive", "q5b"])
    assert rc == 0, err
    for out, p in ((cubic, 3), (default, 2)):          # the compact map's dimension check
        line = next(x for x in out.splitlines() if x.startswith("  [pass] symbolic: dimensions"))
        assert line.endswith(f"'{dims[p]}']"), (p, line)
        assert dims[5 - p] not in out
    assert "**3" in cubic.splitlines()[2] and "**2" in default.splitlines()[2]   # sim(q, k)
    v = variants.load(VARIANTS / "cubic-kernel.toml")
    scores = [sum(a * b for a, b in zip(k, v.q4.query)) for k in v.q4.keys]
    want = list(v.q4.values[scores.index(max(scores))])
    assert want != list(variants.DEFAULT.q4.values[1])
    for argv, row in ((["--variant", str(VARIANTS / "cubic-kernel.toml")], want),
                      ([], list(variants.DEFAULT.q4.values[1]))):   # k2 wins the homework's
        rc, out, err = _run_cli(["verify", "q4a", "--quiet", *argv])
        assert rc == 0 and re.search(r"\n0 failed|, 0 failed", out), (out, err)
        first = next(line for line in out.splitlines() if line.startswith("q4a "))
        assert str(row) in first, (row, first)


def test_check_with_a_bad_variant_is_one_line_exit_2(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[q5]\ndegree = 2.5\n")
    rc, out, err = _run_cli(["check", "q3c", "sqrt(d)", "--variant", str(f)])
    assert rc == 2 and err.count("\n") == 1 and "q5.degree must be an integer" in err


# ---------------------------------------------------------------- derived for the variant
def _derive_only(qid, v):
    return get(qid).run(Context(numeric=False, quiet=True, variant=v))


def test_answers_follow_the_variant_derive_only():
    cubic = variants.load(VARIANTS / "cubic-kernel.toml")
    mean = variants.load(VARIANTS / "mean-reconstruction.toml")
    # Q4: the output is the value of the key with the largest score, computed here
    scores = [sum(a * b for a, b in zip(k, cubic.q4.query)) for k in cubic.q4.keys]
    best = scores.index(max(scores))
    assert json.loads(_derive_only("q4a", cubic).expr) == list(cubic.q4.values[best])
    # Q5: degree 3
    N, D, M = sp.symbols("N D M", positive=True, integer=True)
    t = sp.sympify(_derive_only("q5d.time", cubic).expr, locals={"N": N, "D": D, "M": M})
    assert sp.expand(t - N * D**3 * M) == 0
    # Q2: 1/n convention — weight_decay 2λ/m, the gradient carries 1/n
    assert sp.simplify(sp.sympify(_derive_only("q2a", mean).expr)
                       - 2 * sp.Symbol("lam") / sp.Symbol("m")) == 0
    g = _derive_only("q2.grad_W1", mean)
    assert "/n" in g.expr and "n" in g.symbols
    assert all(c.passed for c in g.checks)
    # Q3: s multiplies the score
    assert sp.simplify(sp.sympify(_derive_only("q3c", mean).expr)
                       - 1 / sp.sqrt(sp.Symbol("d"))) == 0


@pytest.mark.parametrize("p, c", [(5, 2), (2, 1), (3, 1), (4, 0)])
def test_q5a_wording_follows_the_kernel_degree(p, c):
    """Q5(a)'s explanation names the variant's kernel (qᵀk + c)^p: an even degree as a
    non-negative example, an odd one as a sign-changing sim; never the homework's
    (qᵀk + 1)² or the word 'quadratic' under another kernel."""
    sup = {1: "", 2: "²", 3: "³", 4: "⁴", 5: "⁵"}[p]
    base = "qᵀk" if c == 0 else f"qᵀk + {c}"
    kern = base if p == 1 else f"({base}){sup}"
    v = variants.parse(f"[q5]\ndegree = {p}\noffset = {c}\n")
    text = _derive_only("q5a", v).explanation
    assert kern in text, (kern, text)
    if p % 2:
        assert f"degree p = {p} is odd" in text and f"negative where qᵀk < −{c}" in text
    else:
        assert f"{kern} away from qᵀk = {'0' if c == 0 else f'−{c}'}" in text
        assert "odd" not in text
    if (p, c) != (2, 1):
        assert "(qᵀk + 1)²" not in text and "quadratic" not in text.lower()


def test_mean_convention_identities_refute_a_wrong_scale():
    """The identities that carry eq. (3)'s numerics over to the 1/n objective are proved,
    and fail for a wrong scale (mutation: 1/n² on the reconstruction term)."""
    from derivations import regularized_linear_autoencoder as R
    from derivations.linear_autoencoder import frobenius_sq, symbols

    d = R.derive("mean")
    assert d.equivalences and all(d.equivalences.values())
    X, W1, W2 = symbols()
    n = X.shape[1]
    recon = frobenius_sq(X - W2 * W1 * X)
    pen = R.lam * frobenius_sq(W1) + R.lam * frobenius_sq(W2)
    wrong = R._mean_equivalences(X, W1, W2, recon / n**2, recon / n**2 + pen, recon + pen)
    assert not any(wrong.values())


def test_scale_conventions():
    from derivations import scaled_dot_product as S

    der = S.derive()
    div, mul = S.scale_under(der, "divide"), S.scale_under(der, "multiply")
    assert div.scale == der.scale and sp.simplify(mul.scale * div.scale) == 1
    for sc in (div, mul):
        assert (sc.scaled_mean, sc.scaled_var) == (0, 1)
    with pytest.raises(ValueError):
        S.scale_under(der, "add")


# ---------------------------------------------------------------- end to end
@pytest.mark.slow
def test_degree_3_key_end_to_end(tmp_path, monkeypatch):
    """``hw7 answers --variant variants/cubic-kernel.toml --only <id>`` for q5a and q5b–q5d's
    ids writes a key whose entry passes every check and whose meta and header name the
    variant; ``hw7 check --variant`` judges against the same derivation. (q5c itself is
    left out: its softmax timing exponent is a wall-clock measurement, not the kernel's.)"""
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path / "cache"))
    cubic = str(VARIANTS / "cubic-kernel.toml")
    entries = {}
    for only in ("q5a", "q5b", "q5b.sim", "q5b.phi", "q5c.time", "q5c.space", "q5d", "q5d.time",
                 "q5d.space"):
        out = tmp_path / only
        rc, stdout, stderr = _run_cli(["answers", "--variant", cubic, "--only", only,
                                       "--out", str(out), "--quiet"])
        assert rc == 0, stderr
        key = json.loads((out / "answers.json").read_text(encoding="utf-8"))
        assert key["meta"]["variant"]["name"] == "cubic-kernel"
        assert key["meta"]["variant"]["settings"]["q5"] == {"degree": 3, "offset": "1"}
        md = (out / "answers.md").read_text(encoding="utf-8")
        assert "variant 'cubic-kernel'" in md.splitlines()[0]
        entries.update(key["answers"])
    assert {"q5b", "q5b.sim", "q5b.phi", "q5d", "q5d.time", "q5d.space"} <= set(entries)
    failed = [(q, c["what"]) for q, e in entries.items() for c in e["checks"] if not c["passed"]]
    assert not failed, failed
    N, D, M = sp.symbols("N D M", positive=True, integer=True)
    loc = {"N": N, "D": D, "M": M}
    assert sp.expand(sp.sympify(entries["q5d.time"]["expr"], locals=loc) - N * D**3 * M) == 0
    assert entries["q5b"]["expr"].endswith("**3")
    # titles and wording name the variant's kernel, never the homework's quadratic one
    for q, e in entries.items():
        assert "quadratic" not in e["title"].lower(), (q, e["title"])
    assert entries["q5b"]["title"].startswith("Cubic kernel attention")
    assert entries["q5d"]["title"] == "Cost of cubic-kernel linear attention (8)"
    for ans, code in (("O(N*D^3*M)", 0), ("O(N*D^2*M)", 1)):
        rc, stdout, _ = _run_cli(["check", "q5d.time", ans, "--variant", cubic])
        assert rc == code, stdout


@pytest.mark.slow
def test_default_variant_key_equals_the_default_key(tmp_path):
    from hw7 import report

    a, b = tmp_path / "a", tmp_path / "b"
    assert _run_cli(["answers", "--only", "q4a", "--out", str(a), "--quiet"])[0] == 0
    assert _run_cli(["answers", "--variant", str(VARIANTS / "default.toml"), "--only", "q4a",
                     "--out", str(b), "--quiet"])[0] == 0
    ka, kb = (json.loads((p / "answers.json").read_text(encoding="utf-8")) for p in (a, b))
    # the homework's own settings are the homework: no variant recorded, the same key, and
    # --check against the default key passes (a tester found it 'stale')
    assert "variant" not in ka["meta"] and "variant" not in kb["meta"]
    ka["meta"].pop("runs", None), kb["meta"].pop("runs", None)
    assert report.diff_keys(ka, kb) == []
    assert _run_cli(["answers", "--check", "--variant", str(VARIANTS / "default.toml"),
                     "--only", "q4a", "--out", str(a), "--quiet"])[0] == 0


# ---------------------------------------------------------------- the budget table
def test_budget_table_is_typed_and_complete():
    assert set(budget.BUDGETS) == {"fast", "full"}
    for name, row in budget.BUDGETS.items():
        assert row.profile == name
        for f in fields(row):
            assert getattr(row, f.name) is not None or f.name == "q1a_other_latents"
    fast, full = budget.BUDGETS["fast"], budget.BUDGETS["full"]
    ints = [f.name for f in fields(fast) if isinstance(getattr(fast, f.name), int)
            and not isinstance(getattr(fast, f.name), bool)]
    assert ints and all(getattr(full, k) >= getattr(fast, k) for k in ints)   # full spends more
    assert Context(profile="full").budget is full and Context().budget is fast
    with pytest.raises(InputError):
        budget.budget_for("medium")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.q3_mc_scale = 2                                    # frozen


def test_question_modules_have_no_profile_branches():
    pat = re.compile(r"profile\s*[=!]=|==\s*[\"'](fast|full)[\"']")
    hits = [f"{p.name}:{i}" for p in (ROOT / "hw7" / "questions").glob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pat.search(line)]
    assert hits == []


# ---------------------------------------------------------------- odd degree: normaliser ≤ 0
@st.composite
def negative_normaliser_cases(draw):
    """An odd-degree kernel (qᵀk + c)^p on D = 1 with keys k_j = −a_j < 0: queries q ≤ 0
    have sims ≥ c^p (and > 0 when c > 0 or q < 0), the query in row r has q_r·a_j > c + 1
    for every key, so each of its sims is < −1 and its normaliser Σ_j sim is < −N."""
    p = draw(st.sampled_from([1, 3, 5]))
    c = draw(st.sampled_from([0.0, 0.25, 1.0, 2.0]))
    n = draw(st.integers(1, 6))
    a = draw(st.lists(st.floats(0.5, 2.0), min_size=n, max_size=n))
    r = draw(st.integers(0, n - 1))
    q = [-draw(st.floats(0.1, 2.0)) for _ in range(n)]
    q[r] = (c + 1.5) / min(a)
    return p, c, r, q, a


@given(negative_normaliser_cases(), st.sampled_from(["float64", "float32"]),
       st.sampled_from(["linear", "linear_full", "explicit"]))
def test_odd_degree_normaliser_le_0_is_named(case, dtype, route):
    """Q5(a) under an odd-degree variant: a query whose Σ_j sim(q_i, k_j) is ≤ 0 is refused
    with one line naming the normaliser, its value's sign, the row and the odd degree —
    not as a 'non-finite' output or a round-off ('cannot be resolved') problem."""
    import torch

    from numerics import kernel_attention as num

    p, c, r, q, a = case
    dt = getattr(torch, dtype)
    Q = torch.tensor(q, dtype=dt)[:, None]
    K = -torch.tensor(a, dtype=dt)[:, None]
    V = torch.ones(len(a), 2, dtype=dt)
    fmap = num.polynomial_feature_map(p, c, full=route == "linear_full")
    fn = num.explicit_kernel_attention if route == "explicit" else num.linear_attention
    with pytest.raises(InputError) as info:
        fn(Q, K, V, feature_map=fmap)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert msg.startswith("the kernel's normaliser Σ_j sim(q_i, k_j) (eq. (6)'s denominator) "
                          "is -"), msg
    assert f"(≤ 0) at row {r}:" in msg and f"odd-degree kernel (p = {p})" in msg, msg
    assert "non-finite" not in msg and "cannot be resolved" not in msg, msg
    # the same inputs with the row removed are accepted (only that row was at fault)
    keep = [i for i in range(len(q)) if i != r]
    if keep:
        out = fn(Q[keep], K, V, feature_map=fmap)
        assert bool(torch.isfinite(out).all())


def test_autoencoder_config_takes_the_budget_not_a_profile(monkeypatch):
    """numerics.autoencoders.default_config takes typed parameters (no profile string, no
    hw7 import); Q1(a)'s glue passes its budget row's epochs, which reproduce the old
    profile presets (60 fast, 150 full) on the small data sets."""
    import inspect

    from hw7.questions import autoencoders as glue
    from numerics import autoencoders as ae

    params = inspect.signature(ae.default_config).parameters
    assert "profile" not in params and params["small_data_epochs"].annotation in (int, "int")
    assert "hw7" not in {m.split(".")[0] for m in re.findall(
        r"(?m)^\s*(?:from|import)\s+([\w.]+)", (ROOT / "numerics" / "autoencoders.py").read_text())}
    assert (budget.BUDGETS["fast"].q1a_small_data_epochs,
            budget.BUDGETS["full"].q1a_small_data_epochs) == (60, 150)
    for bad in ("fast", 0, 2.0, True):
        with pytest.raises(InputError, match="small_data_epochs"):
            ae.default_config("digits", small_data_epochs=bad)

    class Stop(Exception):
        pass

    calls = []

    def spy(*args, **kw):
        calls.append((args, kw))
        raise Stop

    monkeypatch.setattr(glue.num, "default_config", spy)
    monkeypatch.setattr(glue.datasets, "synthetic", lambda seed: None)
    for profile in ("fast", "full"):
        calls.clear()
        with pytest.raises(Stop):
            glue._synthetic(Context(profile=profile, quiet=True))
        (args, kw), = calls
        assert len(args) == 2 and "profile" not in kw
        assert kw["small_data_epochs"] == budget.BUDGETS[profile].q1a_small_data_epochs


# ---------------------------------------------------------------- a tester's findings
def test_a_whole_variant_build_never_replaces_another_variants_key(tmp_path):
    """``hw7 answers --variant X`` with the default --out replaced the committed homework
    key; a whole build into a folder holding another variant's key is refused, untouched."""
    out = tmp_path / "key"
    assert _run_cli(["answers", "--only", "q4a", "--out", str(out), "--quiet"])[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    rc, _, stderr = _run_cli(["answers", "--variant", str(VARIANTS / "cubic-kernel.toml"),
                              "--out", str(out), "--quiet"])
    assert rc == 2 and "holds the key for the homework as set" in stderr
    assert "cubic-kernel" in stderr and "\n" not in stderr.strip()
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # and the other way round, naming both variants' settings
    rc, _, stderr = _run_cli(["answers", "--variant", str(VARIANTS / "cubic-kernel.toml"),
                              "--only", "q4a", "--out", str(out), "--quiet"])
    assert rc == 2 and "this run for variant 'cubic-kernel' (settings" in stderr


@pytest.mark.parametrize("text, needle", [
    ("[q5]\ndegree = 6\n", "at most 5"),              # D^6 full-map entries: 24 GB
    ("[q5]\ndegree = 1\n", "at least 2"),             # weights all 1: nothing to check
    ("[q5]\ndegree = 3\noffset = 0\n", "odd degree (p = 3) needs an offset c ≥ 1"),
    ("[q5]\ndegree = 5\noffset = 0.5\n", "odd degree (p = 5) needs an offset c ≥ 1"),
    ("[q4]\nquery = [1, 2, 1]\n", "q4 gives query but not keys, values"),
    ("[q4]\nkeys = [[1, 0], [0, 1]]\nvalues = [[1], [2]]\n", "but not query"),
    ('name = "<script>x</script>"\n', "name may hold"),
])
def test_variants_a_key_cannot_be_built_for_are_refused(text, needle):
    with pytest.raises(InputError, match=None) as ei:
        variants.parse(text)
    assert needle in str(ei.value) and "\n" not in str(ei.value)


def test_a_byte_order_mark_is_read(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes("\ufeff[q5]\ndegree = 3\noffset = 1\n".encode("utf-8"))
    assert variants.load(p).q5.degree == 3
