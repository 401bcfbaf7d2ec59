"""``hw7 check`` for feature maps (Q5(b)(ii), id ``q5b.phi``; issue 12).

The answer is a list φ(x) = [φ_1(x), …, φ_P(x)] of expressions in x1, …, xD. It is
correct iff φ(q)ᵀφ(k) ≡ K(qᵀk) for the derived kernel K (``data["kernel"]``: an
expression in the symbol ``qk`` standing for qᵀk, e.g. (qk + 1)**2): any order of the
entries, the full 1 + D + D² map or the compact one. D is the largest index used, at
least ``data["feature_dim"]`` (the question's concrete D). The proof: Σ_j φ_j(q)φ_j(k)
− K(Σ_i q_i k_i) expands to the zero polynomial in the 2D variables q_i, k_i. A wrong
map is refuted with integer vectors q, k where the two sides differ (exact arithmetic).

>>> import sympy
>>> x1, x2, qk = sympy.symbols("x1 x2 qk", real=True)
>>> phi = [1, sympy.sqrt(2)*x1, sympy.sqrt(2)*x2, x1**2, x2**2, sympy.sqrt(2)*x1*x2]
>>> judge_feature_map("q5b.phi", phi, (qk + 1)**2, min_dim=2).status
'correct'
>>> judge_feature_map("q5b.phi", [1, x1, x2, x1**2, x2**2, x1*x2], (qk + 1)**2, min_dim=2).status
'refuted'
"""

from __future__ import annotations

import itertools
import random
import re

from hw7.checker.search import fmt_pair
from hw7.checker.verdict import UNDECIDED, Unjudgeable, Verdict

__all__ = ["MAX_DIM", "judge_feature_map"]

MAX_DIM = 8
_VAR = re.compile(r"^x([1-9][0-9]*)$")


def _dimension(entries, min_dim: int) -> int:
    dim = min_dim
    for e in entries:
        for s in getattr(e, "free_symbols", ()):
            m = _VAR.match(s.name)
            if not m:
                raise Unjudgeable(f"a feature map's entries use x1, x2, …; not '{s.name}'")
            dim = max(dim, int(m.group(1)))
    if dim > MAX_DIM:
        raise Unjudgeable(f"feature maps are judged for D ≤ {MAX_DIM}")
    return dim


def _exact_nonzero(v) -> bool | None:
    import sympy

    w = sympy.nsimplify(v) if not v.is_Rational else v
    w = sympy.expand(w)
    if w.is_Rational:
        return w != 0
    z = w.is_zero
    if z is not None:
        return not z
    f = sympy.N(w, 60)
    if f.is_number and abs(f) > sympy.Float(10) ** -40:
        return True
    return None


def judge_feature_map(qid, entries, kernel, *, min_dim: int = 2, dot_name: str = "qk",
                      read_as: str | None = None) -> Verdict:
    """Judge a feature map (list of SymPy expressions in x1..xD) against ``kernel`` (in ``qk``)."""
    import sympy

    if not isinstance(entries, (list, tuple)) or not entries:
        raise Unjudgeable("a feature map is a list of entries, e.g. [1, sqrt(2)*x1, x1**2]")
    dim = _dimension(entries, min_dim)
    shown0 = read_as or ("[" + ", ".join(sympy.sstr(e) for e in entries) + "]")
    real_x = {s: sympy.Symbol(s.name, real=True)
              for e in entries for s in getattr(sympy.sympify(e), "free_symbols", ())}
    for i, e in enumerate(entries, start=1):  # φ maps R^D to R: complex entries are no answer
        e = sympy.sympify(e)
        er = e.xreplace(real_x)
        if e.has(sympy.I) or er.is_real is False:
            return Verdict(qid, "refuted", f"{shown0}: φ must map R^D to real numbers; entry {i} "
                           f"({sympy.sstr(e)}) is not real", "real entries", parsed=shown0,
                           read_as=shown0)
        if er.is_real is not True:
            return Verdict(qid, "unjudged", f"{shown0}: φ must map R^D to real numbers; entry {i} "
                           f"({sympy.sstr(e)}) could not be shown to be real for real x",
                           UNDECIDED, parsed=shown0, read_as=shown0)
    xs = [sympy.Symbol(f"x{i}") for i in range(1, dim + 1)]
    qs = sympy.symbols(f"q1:{dim + 1}", real=True)
    ks = sympy.symbols(f"k1:{dim + 1}", real=True)
    by_name = {s.name: s for e in entries for s in getattr(e, "free_symbols", ())}
    xs = [by_name.get(f"x{i}", x) for i, x in enumerate(xs, start=1)]
    to_q = dict(zip(xs, qs))
    to_k = dict(zip(xs, ks))
    dot = sum(a * b for a, b in zip(qs, ks))
    dsym = next((s for s in kernel.free_symbols if s.name == dot_name), None)
    rhs = kernel.xreplace({dsym: dot}) if dsym is not None else kernel
    lhs = sum(sympy.sympify(e).xreplace(to_q) * sympy.sympify(e).xreplace(to_k) for e in entries)
    shown = read_as or ("[" + ", ".join(sympy.sstr(e) for e in entries) + "]")
    what = f"φ(q)ᵀφ(k) for D = {dim}"
    diff = sympy.expand(lhs - rhs)
    if diff == 0:
        return Verdict(qid, "correct", f"{what} expands to {sympy.sstr(kernel)} with qk = qᵀk "
                       f"({len(entries)} entries)", "symbolic", parsed=shown, read_as=shown)
    # a counterexample: small integer vectors first, then seeded random ones
    rng = random.Random(0)
    small = sorted(itertools.product(range(-2, 3), repeat=2 * dim),
                   key=lambda v: (sum(map(abs, v)), [abs(x) for x in v], [-x for x in v])) if dim <= 2 else ()
    cands = itertools.chain(
        small, ([rng.randint(-3, 3) for _ in range(2 * dim)] for _ in range(400)))
    for vals in cands:
        point = {s: sympy.Integer(v) for s, v in zip(qs + ks, vals)}
        a, b = lhs.xreplace(point), rhs.xreplace(point)
        if a.has(sympy.nan, sympy.zoo) or b.has(sympy.nan, sympy.zoo):
            continue
        if _exact_nonzero(a - b):
            q = "(" + ", ".join(str(v) for v in vals[:dim]) + ")"
            k = "(" + ", ".join(str(v) for v in vals[dim:]) + ")"
            # exact values, printed so that they visibly differ (never rounded to equal)
            fa, fb = fmt_pair(sympy.expand(a), sympy.expand(b))
            ce = {"q": list(vals[:dim]), "k": list(vals[dim:]), "yours": fa,
                  "expected": fb,
                  "text": f"at q = {q}, k = {k}: φ(q)ᵀφ(k) = {fa} but "
                          f"{sympy.sstr(kernel)} = {fb} with qk = qᵀk"}
            return Verdict(qid, "refuted", f"{what} is not {sympy.sstr(kernel)} with qk = qᵀk",
                           "numeric counterexample", counterexample=ce, parsed=shown,
                           read_as=shown)
    return Verdict(qid, "unjudged", f"{what}: the difference does not expand to 0 but no integer "
                   "vectors separating the two sides were found", UNDECIDED, parsed=shown,
                   read_as=shown)
