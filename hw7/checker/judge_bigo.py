"""``hw7 check`` for complexity answers (issue 7): Θ-equivalence in several variables.

Variables are positive and grow independently, unless the question states a regime
(``data["regime"] = [["D", "<=", "N"]]``: D grows no faster than N, e.g. linear attention
is used when the sequence is longer than the head width). max(a, b) ≍ a + b; the answer is
expanded into monomials, and each monomial of one side must lie in the
down-closed convex hull of the other side's exponent vectors (an exact rational
LP with SymPy's simplex). The counterexample is a direction of growth
("N → ∞ with D, M fixed") along which the two grow at different rates.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hw7.checker.verdict import Unjudgeable, Verdict
from hw7.errors import UsageError

__all__ = ["escape_direction", "judge_bigo", "regime_pairs", "regime_text"]


def _monomials(expr, variables):
    """Exponent vectors (Fractions) of the positive-coefficient monomials of ``expr``."""
    import sympy

    expr = expr.replace(lambda e: isinstance(e, sympy.Max), lambda e: sympy.Add(*e.args))
    if expr.has(sympy.Min):
        raise Unjudgeable("min(...) is not supported in a complexity answer")
    expr = sympy.expand(expr)
    pos, neg = [], []
    for term in sympy.Add.make_args(expr):
        coeff, rest = term.as_coeff_Mul()
        if not coeff.is_Number or coeff == 0:
            raise Unjudgeable(f"cannot read the term {sympy.sstr(term)} as a monomial")
        vec = [Fraction(0)] * len(variables)
        for base, e in rest.as_powers_dict().items():
            if base == 1:
                continue
            if base not in variables or not e.is_Rational:
                raise Unjudgeable("only sums of products of powers of "
                                  f"{', '.join(v.name for v in variables)} can be compared "
                                  f"(the term {sympy.sstr(term)} is not one)")
            vec[variables.index(base)] += Fraction(int(e.p), int(e.q))
        (pos if coeff > 0 else neg).append(tuple(vec))
    if not pos:
        raise Unjudgeable("a complexity must be a positive quantity")
    for v in neg:
        if not any(all(p_i >= v_i for p_i, v_i in zip(p, v)) and p != v for p in pos):
            raise Unjudgeable("a negative term that is not dominated by a positive one")
    return sorted(set(pos))


def escape_direction(a, hull, regime=()):
    """A direction t ≥ 0 (0 ≤ t ≤ 1) along which the monomial a outgrows every monomial of hull.

    a lies in the down-closed convex hull of ``hull`` (so x^a = O(sum of hull)) iff
    max over t of (<a,t> - max_i <h_i,t>) is 0: an exact rational LP. ``regime`` holds
    index pairs (i, j) meaning variable i grows no faster than variable j (t_i ≤ t_j).
    """
    import sympy
    from sympy.solvers.simplex import lpmax

    n = len(a)
    t = sympy.symbols(f"t0:{n}")
    s = sympy.Symbol("s")
    obj = sum(sympy.Rational(x) * ti for x, ti in zip(a, t)) - s
    cons = [sum(sympy.Rational(x) * ti for x, ti in zip(h, t)) - s <= 0 for h in hull]
    cons += [ti >= 0 for ti in t] + [ti <= 1 for ti in t]
    cons += [t[i] - t[j] <= 0 for i, j in regime]
    best, where = lpmax(obj, cons)
    if best <= 0:
        return None
    return tuple(Fraction(str(where.get(ti, 0))) for ti in t)


def _growth(mons, t) -> Fraction:
    return max(sum(x * ti for x, ti in zip(m, t)) for m in mons)


def _simple_directions(n, regime=()):
    cands = [c for c in itertools.product((0, 1, 2), repeat=n)
             if any(c) and all(c[i] <= c[j] for i, j in regime)]
    cands.sort(key=lambda c: (sum(1 for x in c if x), max(c), c))
    return [tuple(Fraction(x) for x in c) for c in cands]


def regime_pairs(data, variables) -> list[tuple[int, int]]:
    """``data["regime"]``: [[a, "<=", b], ...] -> index pairs into ``variables``.

    Names are first mapped through ``data["assume"]`` ({"M": "D"}: M ≤ N becomes D ≤ N),
    so q5c (N, D, M free) and q5d (M ≈ D) state one regime; a condition that becomes
    a ≤ a is dropped.
    """
    names = [v.name for v in variables]
    assume = dict(data.get("assume") or {})
    out = []
    for cond in data.get("regime") or []:
        if not (isinstance(cond, (list, tuple)) and len(cond) == 3 and cond[1] == "<="):
            raise UsageError(f"the regime of this question could not be read: {cond!r} "
                             "(want [var, '<=', var])")
        a, b = (assume.get(x, x) for x in (cond[0], cond[2]))
        if a not in names or b not in names:
            raise UsageError(f"the regime of this question could not be read: {cond!r} "
                             "(want [var, '<=', var])")
        pair = (names.index(a), names.index(b))
        if pair[0] != pair[1] and pair not in out:
            out.append(pair)
    return out


def regime_text(data) -> str:
    """The regime as people read it: "N ≥ D, N ≥ M" ("" when there is none)."""
    conds = [c for c in data.get("regime") or [] if isinstance(c, (list, tuple)) and len(c) == 3]
    return ", ".join(f"{c[2]} ≥ {c[0]}" for c in conds)


def judge_bigo(qid, entry, pa, pr) -> Verdict:
    import sympy

    from hw7.checker.read_plain import symbol

    data = entry.get("data") or {}
    names = list(data.get("bigo_vars") or entry.get("symbols") or [])
    subs = {}
    for a, b in (data.get("assume") or {}).items():
        subs[symbol(a)] = symbol(b)
    variables = [symbol(n) for n in names if symbol(n) not in subs]
    regime = regime_pairs(data, variables)
    ans, ref = pa.value.xreplace(subs), pr.value.xreplace(subs)
    text = getattr(pa, "read_as", None) or sympy.sstr(pa.value)
    shown = f"O({sympy.sstr(pa.value)})"
    A, R = _monomials(ans, variables), _monomials(ref, variables)
    # a simple direction (e.g. N -> infinity, the rest fixed) where the growth rates differ
    simple = next((d for d in _simple_directions(len(variables), regime) if _growth(A, d) != _growth(R, d)),
                  None)
    bad = (None, simple) if simple is not None else None
    for side, mons, other in (("yours", A, R), ("expected", R, A)):
        if bad:
            break
        for m in mons:
            if any(all(x <= y for x, y in zip(m, o)) for o in other):
                continue  # dominated term by term: no LP needed
            t = escape_direction(m, other, regime)
            if t is not None:
                bad = (side, t)
                break
        if bad:
            break
    assumed = "".join(f" (taking {a} ≈ {b})" for a, b in (data.get("assume") or {}).items())
    assumed += "".join(f" (for {variables[i].name} ≤ {variables[j].name})" for i, j in regime)
    if bad is None:
        return Verdict(qid, "correct", f"{shown} is the same complexity as the derived answer"
                       f"{assumed}", "dominant terms", parsed=shown, read_as=text)
    t = bad[1]
    moving = [f"{v.name} = x" + ("" if ti == 1 else f"^{ti}") for v, ti in zip(variables, t) if ti]
    fixed = [v.name for v, ti in zip(variables, t) if not ti]
    ga, gr = _growth(A, t), _growth(R, t)
    how = ", ".join(moving) + (f" and {', '.join(fixed)} fixed" if fixed else "")
    faster = "faster" if ga > gr else "slower"
    ce = {"direction": {v.name: str(ti) for v, ti in zip(variables, t)},
          "yours_growth": str(ga), "expected_growth": str(gr),
          "text": f"as x → ∞ with {how}, yours grows like x^{ga} but the derived answer like x^{gr}"}
    return Verdict(qid, "refuted", f"{shown} is not the derived complexity{assumed}",
                   "dominant terms", counterexample=ce, hint=f"your answer grows {faster}",
                   parsed=shown, read_as=text)
