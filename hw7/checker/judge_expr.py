"""``hw7 check`` for scalar answers: "correct" is a proof (issue 12).

Decision procedure for ``yours == expected`` on the domain (see :mod:`hw7.checker.search`
for the symbols' domains and ``data["domain"]`` conditions such as λ < σ_i):

1. Structural equality; a few small exact points (a difference there is a proof).
2. **Pieces.** Max, Min and Abs are split into cases, innermost first: Max(a, b) is a
   where a − b ≥ 0 and b where b − a ≥ 0, and so on. Each case is a pair of branch-free
   expressions and a list of conditions. The cases' closed regions cover the domain and
   both answers are continuous, so the answers agree everywhere iff each case's two
   expressions agree on the interior of its region.
3. **Identity test per case.** Fractional powers of a single non-negative symbol are
   removed by substitution (d = t^L, L the lcm of the denominators, t > 0). What is then a
   rational function (coefficients may be algebraic numbers such as √2) is decided
   exactly: symbolically when small, else by exact rational arithmetic at random integer
   points in [1, 2⁶⁴] — Schwartz–Zippel: a nonzero numerator of total degree ≤ δ vanishes
   at such a point with probability ≤ δ/2⁶⁴; after 3 independent zero values the
   false-accept probability is ≤ (δ/2⁶⁴)³, which is stated in the verdict and must be
   below 10⁻¹² (else: could not decide). Remaining non-rational parts (√(d+1), exp, log)
   are treated as independent unknowns: if the difference vanishes identically in them it
   vanishes (a proof); otherwise a time-boxed ``simplify`` to 0 is the last proof attempt.
4. **A case whose difference is not identically zero** refutes the answer if its region
   has interior. Univariate cases are decided exactly: the real roots of every
   condition's and the difference's numerator and denominator are isolated with exact
   rational intervals; one test point per cell between them (the smallest integer there
   when there is one) gives every sign, so the first cell where the conditions hold and
   the difference is nonzero yields a counterexample — d = 41 for d + max(0, d − 40)
   against d. Several variables: linear conditions are an exact LP (an interior point
   or a proof that the region is thin); points from the domain-wide ladder and
   seeded random values are tried. Every counterexample is re-checked on the original
   answers before it is reported.
5. Neither a proof nor a counterexample: "could not decide" (exit 2), never "correct".

>>> import sympy
>>> d = sympy.Symbol("d", positive=True)
>>> judge_expr("q3b", d + sympy.Max(0, d - 40), d).counterexample["values"]
{'d': '41'}
>>> judge_expr("q3c", sympy.Min(sympy.sqrt(d), 6), sympy.sqrt(d)).counterexample["values"]
{'d': '37'}
>>> judge_expr("q3b", sympy.Max(d, 1), d).status
'correct'
"""

from __future__ import annotations

import itertools
import math
import random

from hw7.checker.search import (
    domain_of,
    exact_at,
    fmt,
    fmt_pair,
    huge_points,
    in_bounds,
    sample_points,
    sign_of,
    simple_points,
    time_boxed,
)
from hw7.checker.verdict import UNDECIDED, Verdict

__all__ = ["FALSE_ACCEPT_LIMIT", "SZ_TRIALS", "identity_test", "judge_expr", "split_pieces"]

MAX_CASES = 256              # pieces of a Max/Min/Abs answer
SZ_BITS = 64                 # random integer points in [1, 2**SZ_BITS]
SZ_TRIALS = 3                # independent zero values needed
FALSE_ACCEPT_LIMIT = 1e-12   # an identity test weaker than this is not a proof
SYMBOLIC_OPS = 400           # symbolic cancellation only for differences this small
HINT_SECONDS = 1.0
SIMPLIFY_SECONDS = 1.5


class _NotRational(Exception):
    pass


# ----------------------------------------------------------------------------- pieces

def _pw_types():
    import sympy

    return (sympy.Max, sympy.Min, sympy.Abs)


def _innermost(exprs):
    types = _pw_types()
    for e in exprs:
        for a in _preorder(e):
            if isinstance(a, types) and not any(arg.has(*types) for arg in a.args):
                return a
    return None


def _preorder(e):
    import sympy

    return sympy.preorder_traversal(e)


def _branches(atom):
    """[(conditions, replacement)] for one Max/Min/Abs with branch-free arguments."""
    import sympy

    args = list(atom.args)
    if isinstance(atom, sympy.Abs):
        return [([(args[0], False)], args[0]), ([(-args[0], False)], -args[0])]
    out = []
    for i, a in enumerate(args):
        sign = 1 if isinstance(atom, sympy.Max) else -1
        conds = [(sign * (a - b), False) for j, b in enumerate(args) if j != i]
        out.append((conds, a))
    return out


def _trivially_false(cond) -> bool:
    """A constant condition certified false (exact sign); an uncertain one is kept."""
    g, strict = cond
    if g.is_number:
        s = sign_of(g)
        if s is not None:
            return s <= 0 if strict else s < 0
    return False


def _trivially_true(cond) -> bool:
    g, strict = cond
    if g.is_number:
        s = sign_of(g)
        if s is not None:
            return s > 0 if strict else s >= 0
    return False


def split_pieces(exprs, conds=()):
    """[(conditions, expressions)] without Max/Min/Abs; each condition (g, strict) means
    g > 0 (strict) or g ≥ 0. Raises ValueError beyond MAX_CASES pieces."""
    todo = [(list(conds), list(exprs))]
    done = []
    while todo:
        cs, es = todo.pop()
        atom = _innermost(es)
        if atom is None:
            done.append((cs, es))
            continue
        for new, repl in _branches(atom):
            if any(_trivially_false(c) for c in new):
                continue
            keep = [c for c in new if not _trivially_true(c)]
            todo.append((cs + keep, [e.xreplace({atom: repl}) for e in es]))
        if len(todo) + len(done) > MAX_CASES:
            raise ValueError(f"the answer has more than {MAX_CASES} pieces")
    done.reverse()
    return done


# ----------------------------------------------------------------------------- identity test

def _root_substitution(expr):
    """{s: t**L} removing fractional powers of single non-negative symbols; (subs, back)."""
    import sympy

    dens: dict = {}
    for p in expr.atoms(sympy.Pow):
        b, e = p.as_base_exp()
        if b.is_Symbol and e.is_Rational and not e.is_Integer and domain_of(b)[0] is not None:
            dens[b] = math.lcm(dens.get(b, 1), int(e.q))
    subs, back = {}, {}
    for s, L in dens.items():
        t = sympy.Symbol(f"_t_{s.name}", positive=True)
        subs[s] = t**L
        back[t] = (s, L)
    return subs, back


def _factor_radicands(expr):
    """Radicands factored (an identity): √(t² + 2t + 1) becomes √((t + 1)²) = t + 1 for t > 0."""
    import sympy

    def fix(p):
        return sympy.factor(p.base) ** p.exp

    return expr.replace(lambda p: p.is_Pow and p.exp.is_Rational and not p.exp.is_Integer
                        and p.base.is_Add and p.base.free_symbols, fix)


def _rationalise(expr, atoms: dict):
    """``expr`` with every non-rational part (a function, a power with a non-integer or
    symbolic exponent) replaced by a fresh symbol recorded in ``atoms``."""
    import sympy

    if not expr.free_symbols:
        return expr
    if expr.is_Symbol:
        return expr
    if expr.is_Add or expr.is_Mul:
        return expr.func(*[_rationalise(a, atoms) for a in expr.args])
    if expr.is_Pow and expr.exp.is_Integer:
        return _rationalise(expr.base, atoms) ** expr.exp
    if expr not in atoms:
        atoms[expr] = sympy.Symbol(f"_a{len(atoms)}", real=True)
    return atoms[expr]


def _degree_bound(e) -> tuple[int, int]:
    """(numerator, denominator) total-degree bounds of a rational expression."""
    if not e.free_symbols:
        return 0, 0
    if e.is_Symbol:
        return 1, 0
    if e.is_Mul:
        n = d = 0
        for a in e.args:
            an, ad = _degree_bound(a)
            n, d = n + an, d + ad
        return n, d
    if e.is_Add:
        parts = [_degree_bound(a) for a in e.args]
        den = sum(p[1] for p in parts)
        num = max(p[0] + den - p[1] for p in parts)
        return num, den
    if e.is_Pow and e.exp.is_Integer:
        bn, bd = _degree_bound(e.base)
        k = int(e.exp)
        return (k * bn, k * bd) if k >= 0 else (-k * bd, -k * bn)
    raise _NotRational


def _exact_zero(v):
    """True/False whether an exact number is 0; None when that cannot be told."""
    import sympy

    if v.is_Rational:
        return v == 0
    if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    w = sympy.expand(v)
    if w.is_Rational:
        return w == 0
    z = w.is_zero
    if z is not None:
        return bool(z)
    try:
        f = sympy.N(w, 60)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if f.is_number and abs(f) > sympy.Float(10) ** -40:
        return False
    return None


def _sz(expr, syms, seed: int):
    """Schwartz–Zippel on a rational expression: (zero?, false-accept bound) or (None, None)."""
    import sympy

    num_deg, den_deg = _degree_bound(expr)
    deg = max(num_deg, 1)
    rng = random.Random(seed)
    zeros = tries = 0
    while zeros < SZ_TRIALS and tries < 4 * SZ_TRIALS:
        tries += 1
        point = {s: sympy.Integer(rng.randint(1, 2**SZ_BITS)) for s in syms}
        v = expr.xreplace(point)
        if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            continue  # a pole of some term: draw again
        z = _exact_zero(v)
        if z is None:
            return None, None
        if not z:
            return False, None
        zeros += 1
    if zeros < SZ_TRIALS:
        return None, None
    bound = (deg / 2.0**SZ_BITS) ** SZ_TRIALS
    return True, bound


def identity_test(diff, *, seed: int = 0):
    """Whether ``diff`` is identically 0 (as a function where it is defined).

    Returns (True, how) with ``how`` naming the proof (and its false-accept bound),
    (False, how) when it is certainly not identically 0, or (None, why) undecided.
    """
    import sympy

    if diff == 0:
        return True, "symbolic"
    subs, _ = _root_substitution(diff)
    e = diff.xreplace(subs) if subs else diff
    if e == 0:
        return True, "symbolic"
    factored = time_boxed(lambda: _factor_radicands(e), SIMPLIFY_SECONDS)
    e = e if factored is None else factored
    if e == 0:
        return True, "symbolic"
    atoms: dict = {}
    try:
        r = _rationalise(e, atoms)
    except (TypeError, ValueError):
        return None, "the answer could not be put in a form the checker can decide"
    syms = sorted(r.free_symbols, key=lambda s: s.name)
    how = None
    try:
        if sympy.count_ops(r) <= SYMBOLIC_OPS:
            c = time_boxed(lambda: sympy.cancel(sympy.together(r)), SIMPLIFY_SECONDS)
            if c is not None and c == 0:
                how = "symbolic"
        if how is None:
            zero, bound = _sz(r, syms, seed)
            if zero is True:
                if bound > FALSE_ACCEPT_LIMIT:
                    return None, "the exact identity test is too weak for an answer of this degree"
                how = f"exact identity test (Schwartz–Zippel, false-accept probability ≤ {bound:.1e})"
            elif zero is False:
                if not atoms:
                    return False, "nonzero rational function"
            else:
                return None, "the difference could not be evaluated exactly"
    except _NotRational:
        return None, "the answer is not a rational function after substitution"
    if how is not None:
        if atoms:
            how += " (treating " + ", ".join(sympy.sstr(a) for a in list(atoms)[:3]) \
                   + (" …" if len(atoms) > 3 else "") + " as unknowns)"
        return True, how
    # non-rational parts that do not cancel as unknowns: one time-boxed simplify
    s = time_boxed(lambda: sympy.simplify(diff), SIMPLIFY_SECONDS)
    if s is not None and s == 0:
        return True, "symbolic (simplify)"
    return None, "SymPy could not reduce the difference to 0"


# ----------------------------------------------------------------------------- regions

def _holds(conds, point) -> bool | None:
    """Whether all conditions hold at an exact point, from certified signs; None if unknown."""
    unknown = False
    for g, strict in conds:
        s = sign_of(exact_at(g, point))
        if s is None:
            unknown = True
            continue
        if (s <= 0) if strict else (s < 0):
            return False
    return None if unknown else True


def _univariate_points(s, conds, diff):
    """Exact cell decomposition of the real line for one symbol: one test point per
    cell between the isolated real roots of every condition's and ``diff``'s numerator
    and denominator (and the domain's edge), exact rational roots included.
    Returns the test points in the domain, smallest first, or None if not polynomial."""
    import sympy

    subs, back = _root_substitution(sympy.Add(diff, *[g for g, _ in conds], evaluate=False))
    L = 1
    var = s
    if s in subs:
        var = next(iter(back))
        L = back[var][1]
    lo, inc, _ = domain_of(s)
    polys = [] if lo is None else [sympy.Poly(var - lo, var, domain="QQ")]  # lo is 0 or 1: t = s there
    for g in [diff] + [g for g, _ in conds]:
        gt = g.xreplace(subs) if subs else g
        num, den = sympy.fraction(sympy.together(gt))
        for part in (num, den):
            if not part.free_symbols:
                continue
            try:
                p = sympy.Poly(part, var, domain="QQ")
            except (sympy.PolynomialError, sympy.CoercionFailed, ValueError, TypeError):
                return None
            if p.degree() > 0:
                polys.append(p)
    ivs = []
    if polys:
        prod = polys[0]
        for p in polys[1:]:
            prod = prod * p
        try:
            sqf = prod.sqf_part()
            raw = sqf.intervals()
            ivs = _separated(sqf, sorted((sympy.Rational(a), sympy.Rational(b)) for (a, b), _ in raw))
        except (sympy.PolynomialError, ValueError, NotImplementedError):
            return None
        if ivs is None:
            return None
    pts = []
    if L > 1:  # s = t**L is monotone for t ≥ 0; t < 0 is outside the domain
        tivs = [(max(a, 0), b) for a, b in ivs if b >= 0]
        # first an integer t in each cell: s = t**L makes every value exact
        left = None
        for a, b in tivs + [(None, None)]:
            cand = [c for c in _cell_points(left, a) if c.is_Integer and c > 0]
            pts.extend(c**L for c in cand)
            left = b
        ivs = [(a**L, b**L) for a, b in tivs]
    left = None
    for a, b in ivs:
        pts.extend(_cell_points(left, a))
        if a == b:
            pts.append(a)  # an exact rational root is a point of the line as well
        left = b
    pts.extend(_cell_points(left, None))
    out = []
    for p in pts:
        if lo is not None and (p < lo or (p == lo and not inc)):
            continue
        if p not in out:
            out.append(p)
    if domain_of(s)[2]:  # a dimension: integer points first (every cell is still tried)
        out.sort(key=lambda p: (not p.is_Integer, abs(p)))
    return out


def _separated(poly, ivs):
    """Isolating intervals refined until consecutive ones leave a gap: a point strictly
    between b_i and a_(i+1) then lies in the open cell between the two roots."""
    import sympy

    ivs = list(ivs)
    for _ in range(200):
        touching = [i for i in range(len(ivs) - 1) if ivs[i][1] >= ivs[i + 1][0]]
        if not touching:
            return ivs
        for i in touching:
            for j in (i, i + 1):
                a, b = ivs[j]
                if a != b:
                    ra, rb = poly.refine_root(a, b, eps=(b - a) / 4)
                    ivs[j] = (sympy.Rational(ra), sympy.Rational(rb))
    return None


def _cell_points(left, right):
    """Test points strictly inside (left, right) (None = ±∞): integers first."""
    import sympy

    if left is None and right is None:
        return [sympy.Integer(0), sympy.Integer(1)]
    if left is None:
        return [sympy.floor(right) - 1]
    cand = sympy.floor(left) + 1
    if right is None:
        return [sympy.Integer(cand)]
    if left >= right:
        return []
    if cand < right:
        return [sympy.Integer(cand)]
    return [(left + right) / 2]


def _thin(conds) -> bool:
    """Whether two conditions g1 ≥ 0 and g2 ≥ 0 with g1 = r·g2, r < 0 on the domain (a negative
    constant, or e.g. −1/σ_i), and g1 not identically 0, confine the region to the zero set
    of g1, which has no interior (max(a, b) = a and min(a, b) = a; λ ≥ σ_i with λ < σ_i)."""
    import sympy

    for i, (g1, _) in enumerate(conds):
        for g2, _ in conds[i + 1:]:
            if g2 == 0:
                continue
            r = sympy.cancel(sympy.together(g1 / g2))
            if r.is_negative or (r.is_number and r.is_real and r < 0):
                zero, _ = identity_test(g1)
                if zero is False:
                    return True
    return False


def _lp_interior(conds, syms):
    """For linear conditions: (True, point) an interior point, (False, None) no interior,
    or (None, None) when the conditions are not linear."""
    import sympy
    from sympy.solvers.simplex import InfeasibleLPError, lpmax

    z = sympy.Symbol("_slack")
    cons = []
    allc = list(conds)
    for s in syms:
        lo, _, _ = domain_of(s)
        if lo is not None:
            allc.append((s - lo, False))
    for g, _ in allc:
        num, den = sympy.fraction(sympy.together(g))
        sd = 1 if not den.free_symbols else (1 if den.is_positive else -1 if den.is_negative else 0)
        if sd == 0:
            return None, None
        try:
            p = sympy.Poly(sd * num, *syms)
        except sympy.PolynomialError:
            return None, None
        if p.total_degree() > 1 or any(not c.is_Rational for c in p.coeffs()):
            return None, None
        cons.append(sd * num - z >= 0)
    cons.append(z <= 1)
    try:
        best, where = lpmax(z, cons)
    except InfeasibleLPError:
        return False, None
    except Exception:  # noqa: BLE001 - an LP failure is "not decided", never a verdict
        return None, None
    if best <= 0:
        return False, None
    return True, ({s: sympy.Rational(where.get(s, 0)) for s in syms}, best)


def _perturbed(center, syms, conds, slack, seed):
    """Rational points near an interior point that stay inside the linear region."""
    import sympy

    rng = random.Random(seed)
    grads = []
    for g, _ in conds:
        grads.append(max([abs(sympy.diff(g, s)) for s in syms] + [sympy.Integer(0)]))
    scale = max([sympy.Integer(1)] + [gr for gr in grads if gr.is_number])
    r = slack / (2 * scale * max(1, len(syms)))
    yield dict(center)
    for _ in range(40):
        yield {s: center[s] + r * sympy.Rational(rng.randint(-1000, 1000), 1000) for s in syms}


# ----------------------------------------------------------------------------- the judge

def judge_expr(qid, ans, ref, *, domain=(), reveal: bool = True, read_as: str | None = None,
               seed: int = 0) -> Verdict:
    """Judge a scalar answer ``ans`` against the derived ``ref`` (SymPy expressions).

    domain: conditions (lhs, op, rhs) with op in < <= > >= under which ``ref`` is the answer.
    reveal: whether a counterexample may show the expected value.
    Returns a :class:`Verdict`: "correct" only with a proof (method says which).
    """
    import sympy

    shown = read_as if read_as is not None else sympy.sstr(ans)
    syms = set(ans.free_symbols | ref.free_symbols)
    dconds = []
    for lhs, op, rhs in domain:
        syms |= lhs.free_symbols | rhs.free_symbols
        g = (rhs - lhs) if op in ("<", "<=") else (lhs - rhs)
        dconds.append((g, op in ("<", ">")))
    syms = sorted(syms, key=lambda s: s.name)
    where = " where " + " and ".join(f"{sympy.sstr(a)} {op} {sympy.sstr(b)}"
                                     for a, op, b in domain) if domain else ""

    def in_domain(point) -> bool:
        if not all(in_bounds(s, point[s]) for s in syms):
            return False
        return _holds(dconds, point) is True

    def differs_at(point):
        """(yours, expected) as exact numbers where they certainly differ, else None."""
        if not in_domain(point):
            return None
        a, b = exact_at(ans, point), exact_at(ref, point)
        if a is None or b is None or not sign_of(a - b):
            return None
        return a, b

    def refuted(point, a, b, how="counterexample"):
        real_dims = [s for s in syms if domain_of(s)[2] and not point[s].is_Integer]
        if real_dims:
            # dimensions are integers: a point with d = 7/3 is no counterexample. The
            # integers around it are tried; if none separates, the verdict is undecided
            for combo in itertools.product(*[(sympy.floor(point[s]), sympy.ceiling(point[s]))
                                             for s in real_dims[:4]]):
                p = dict(point)
                p.update(zip(real_dims, combo))
                hit = differs_at(p)
                if hit:
                    point, (a, b) = p, hit
                    break
            else:
                return undecided("the answers differ only where " + ", ".join(
                    s.name for s in real_dims) + " is not an integer (e.g. " + ", ".join(
                    f"{s.name} = {fmt(point[s])}" for s in real_dims) + "); dimensions are "
                    "integers, and no integer tried separates them")
        at = ", ".join(f"{s.name} = {fmt(point[s])}" for s in syms)
        fa, fb = fmt_pair(a, b)
        text = (f"at {at}: yours = {fa}, expected {fb}" if reveal and at
                else f"yours = {fa}, expected {fb}" if reveal
                else f"at {at} the values differ")
        ce = {"values": {s.name: str(point[s]) for s in syms}, "yours": fa, "text": text}
        if reveal:
            ce["expected"] = fb
        hint = time_boxed(lambda: _factor_hint(ans, ref, syms), HINT_SECONDS) if syms else None
        return Verdict(qid, "refuted", f"{shown} is not equivalent to the derived answer{where}",
                       how, counterexample=ce, hint=hint, parsed=shown, read_as=shown)

    def correct(method, extra=""):
        return Verdict(qid, "correct", f"{shown} is equivalent to the derived answer{where}{extra}",
                       method, parsed=shown, read_as=shown)

    def undecided(why):
        return Verdict(qid, "unjudged", f"{shown}: neither proven equal to nor separated from the "
                       f"derived answer{where} ({why})", UNDECIDED, parsed=shown, read_as=shown)

    if ans - ref == 0:
        return correct("symbolic")
    for point in simple_points(syms):
        hit = differs_at(point)
        if hit:
            return refuted(point, *hit, "numeric counterexample")
    try:
        pieces = split_pieces([ans, ref], dconds)
    except ValueError as exc:
        return _search_or_undecided(syms, differs_at, refuted, undecided, str(exc), seed)
    methods, pending = [], []
    for conds, (a, r) in pieces:
        zero, how = identity_test(a - r, seed=seed)
        if zero is True:
            methods.append(how)
        else:
            pending.append((conds, a - r, zero, how))
    open_questions = []
    for conds, diff, zero, how in pending:  # a counterexample in any piece settles it
        free = sorted(set(diff.free_symbols).union(*[g.free_symbols for g, _ in conds]),
                      key=lambda s: s.name)
        found, empty = _search_piece(free, syms, conds, diff, zero, differs_at, seed)
        if found is not None:
            point, a, b = found
            return refuted(point, a, b, "numeric counterexample" if len(pieces) == 1
                           else "counterexample in one piece")
        if not empty:
            open_questions.append(how if zero is None else
                                  "a piece differs but no point of its region was found")
    if open_questions:
        return undecided(open_questions[0])
    if not methods:
        methods = ["symbolic"]
    kinds = sorted(set(methods), key=methods.index)
    if len(pieces) == 1:
        return correct(kinds[0] if len(kinds) == 1 else "; ".join(kinds))
    n = len(pieces)
    return correct("piecewise: " + "; ".join(kinds),
                   f" (proved on each of its {n} pieces)")


def _search_piece(free, syms, conds, diff, zero, differs_at, seed):
    """(point, yours, expected) of a verified counterexample in this piece, and whether the
    piece's region was proven to have no interior."""
    import sympy

    def full(point):
        p = dict(point)
        for s in syms:
            if s not in p:
                lo, inc, _ = domain_of(s)
                p[s] = sympy.Integer(1 if lo is None or lo < 1 or inc else lo + 1)
        return p

    unverified = []   # points whose outcome is not certain: the region is then not proven empty

    def try_point(point):
        p = full(point)
        h = _holds(conds, p)
        if h is False:
            return None
        if h is None:
            unverified.append(p)
            return None
        dv = sign_of(exact_at(diff, p))
        if dv == 0:
            return None
        hit = differs_at(p)
        if not hit:
            unverified.append(p)
        return (p, *hit) if hit else None

    if _thin(conds):
        return None, True
    if len(free) == 1:
        pts = _univariate_points(free[0], conds, diff)
        if pts is not None:
            for x in pts:
                got = try_point({free[0]: x})
                if got:
                    return got, False
            # exact cells: a difference that is not identically 0 is nonzero on every
            # cell; no cell satisfied the conditions (each sign certified), so the region
            # has no interior
            return None, zero is False and not unverified
    if not free:
        got = try_point({})
        return got, zero is False and got is None and _holds(conds, full({})) is False
    inside, found = _lp_interior(conds, free) if conds else (True, None)
    if inside is False:
        return None, True
    if inside is True and found is not None:
        center, slack = found
        for p in _perturbed(center, free, conds, slack, seed):
            got = try_point(p)
            if got:
                return got, False
    for p in itertools.chain(sample_points(free, seed=seed), huge_points(free)):
        got = try_point(p)
        if got:
            return got, False
    return None, False


def _search_or_undecided(syms, differs_at, refuted, undecided, why, seed):
    for p in itertools.chain(sample_points(syms, seed=seed), huge_points(syms)):
        hit = differs_at(p)
        if hit:
            return refuted(p, *hit, "numeric counterexample")
    return undecided(why)


def _factor_hint(ans, ref, syms) -> str | None:
    """Cheap diagnosis: a constant or monomial factor, a sign, or a term that vanishes at 0."""
    import sympy

    try:
        if ref != 0:
            # cancel, not simplify: simplify's first call imports half of SymPy (~0.6 s)
            r = ans / ref
            if not r.is_Number:
                r = sympy.cancel(r)
            if r.is_Number:
                if r == -1:
                    return "the sign is wrong"
                return f"off by a constant factor: yours = {sympy.sstr(r)} × expected"
            monomial = all((b.is_Symbol or b.is_Number) and e.is_Rational
                           for b, e in r.as_powers_dict().items())
            if r.free_symbols and monomial and sympy.count_ops(r) <= 4:
                return f"off by a factor of {sympy.sstr(r)}"
        for s in sorted(syms, key=lambda s: s.name):
            if domain_of(s)[0] == 1:
                continue  # a dimension is never 0
            zero = {s: sympy.Integer(0)}
            a0, r0 = ans.xreplace(zero), ref.xreplace(zero)
            if a0.has(s) or r0.has(s) or (a0 == 0 and r0 == 0):
                continue
            try:
                d0 = sympy.cancel(sympy.expand(a0 - r0))
            except Exception:  # noqa: BLE001 - hints are optional
                continue
            if d0 == 0 and len(syms) > 1:
                return f"agrees when {s.name} = 0: look at the terms involving {s.name}"
    except Exception:  # noqa: BLE001 - a hint is never worth a failed check
        return None
    return None
