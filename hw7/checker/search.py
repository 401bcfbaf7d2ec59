"""Exact evaluation, the symbols' domains and seeded point generation for the judges.

Bottom layer of :mod:`hw7.checker` (imports no other checker module). No Hypothesis
here: a judgement must start fast, and every search below is seeded and reproducible.

Domains (issue 12): dimensions (d, N, D, M, m, n, k, P) are integers ≥ 1 of any size,
λ ≥ 0 (0 included), σ and other positive symbols > 0, μ and the coordinates of
vectors real, ‖μ‖² ≥ 0. Candidate values run from the domain's edge to 10¹²,
so a counterexample past any constant in an answer is reachable.

>>> import sympy
>>> d = sympy.Symbol("d", positive=True)
>>> domain_of(d)
(1, True, True)
>>> value(d**2 + 1, {d: sympy.Integer(3)})
10
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

__all__ = ["DIM_NAMES", "HUGE_EXPONENTS", "REL_TOL", "differ", "domain_of", "exact_at", "fmt",
           "fmt_pair", "huge_points", "in_bounds", "sample_points", "sign_of", "simple_points",
           "time_boxed", "value"]

MAXN = 12000                 # working digits evalf may use to separate a value from 0
HUGE_EXPONENTS = (15, 20, 30, 40, 64, 100, 160, 320, 640, 1000, 1300, 2000)
REL_TOL = 1e-30              # non-rational values are evaluated to 50 digits: differences above this are real
DIM_NAMES = frozenset({"d", "N", "D", "M", "m", "n", "k", "P"})


def domain_of(sym) -> tuple:
    """(lower bound or None, bound included, integer preferred) of a homework symbol."""
    name = sym.name
    if name in DIM_NAMES:
        return 1, True, True
    if name == "lam" or name.startswith("lam_"):
        return 0, True, False
    if sym.is_positive:
        return 0, False, False
    if sym.is_nonnegative:
        return 0, True, False
    return None, False, False


def in_bounds(sym, v) -> bool:
    lo, inc, _ = domain_of(sym)
    if lo is None:
        return True
    return v >= lo if inc else v > lo


def sign_of(v) -> int | None:
    """The sign (-1, 0, 1) of an exact SymPy number, or None when it cannot be certified.

    Rationals are compared exactly; anything else is evaluated by SymPy's ``evalf`` with
    ``strict=True`` (error-tracked arbitrary precision, up to :data:`MAXN` digits of
    cancellation): a value it cannot separate from 0 has no sign (None), never a guess.
    """
    import sympy
    from sympy.core.evalf import PrecisionExhausted

    if v is None:
        return None
    if getattr(v, "is_Rational", False):
        return 1 if v > 0 else -1 if v < 0 else 0
    if not getattr(v, "is_number", False) or v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    # evalf first: a certified nonzero value settles the sign at once, while SymPy's
    # is_zero may build minimal polynomials of algebraic numbers (seconds per value)
    try:
        f = v.evalf(15, maxn=MAXN, strict=True)
    except (PrecisionExhausted, TypeError, ValueError, ArithmeticError, RecursionError):
        f = None
    if f is not None and (not f.is_Number or not f.is_real
                          or f.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)):
        return None
    if f is not None and f != 0:
        return 1 if f > 0 else -1
    z = v.is_zero
    if z is True:
        return 0
    if f is None:
        return None
    return 0 if z is False else None


def exact_at(expr, vals: dict):
    """``expr`` at exact ``vals`` as an exact SymPy number, Max/Min/Abs resolved with
    certified signs (:func:`sign_of`); None where undefined or a sign is uncertain."""
    import sympy

    if not hasattr(expr, "xreplace"):
        expr = sympy.sympify(expr)

    def walk(e):
        # substitute bottom-up (not xreplace first): xreplace would rebuild Max/Min/Abs with
        # numeric arguments, and their constructors compare those with SymPy's assumptions
        # (primality tests on 10^2000-sized integers: seconds per point)
        if e.is_Symbol:
            return vals.get(e, e)
        if not e.args or not e.free_symbols:
            return e
        args = [walk(a) for a in e.args]
        if any(a is None for a in args):
            return None
        if isinstance(e, sympy.Abs):
            s = sign_of(args[0])
            return None if s is None else (args[0] if s >= 0 else -args[0])
        if isinstance(e, (sympy.Max, sympy.Min)):
            best = args[0]
            for a in args[1:]:
                s = sign_of(a - best)
                if s is None:
                    return None
                if (s > 0) if isinstance(e, sympy.Max) else (s < 0):
                    best = a
            return best
        if isinstance(e, sympy.Pow):
            root = _rational_root(*args)
            if root is not None:
                return root
        try:
            return e.func(*args)
        except (TypeError, ValueError, ArithmeticError):
            return None

    try:
        v = walk(expr)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if v is None or not getattr(v, "is_number", False):
        return None
    if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    if v.is_real is False:
        return None
    return v


_BIG = 10**40


def _rational_root(base, exp):
    """``base**exp`` for a huge rational base and a fractional exponent, without SymPy's
    automatic evaluation, which factors the base to pull out perfect powers (primality
    tests on 2000-digit cofactors: seconds per point). An exact root when there is one
    (integer_nthroot), else the power left unevaluated (its value is the same; signs are
    then certified by evalf). None when the power is not of that kind."""
    import sympy

    if not (getattr(base, "is_Rational", False) and getattr(exp, "is_Rational", False)
            and not exp.is_Integer and base > 0):
        return None
    p, q = base.p, base.q
    if p < _BIG and q < _BIG:
        return None
    rp, exact_p = sympy.integer_nthroot(p, exp.q)
    rq, exact_q = sympy.integer_nthroot(q, exp.q)
    if exact_p and exact_q:
        return sympy.Rational(rp, rq) ** exp.p
    out = sympy.Pow(base, exp, evaluate=False)
    # what is known for certain, so that SymPy's assumption queries (is_integer,
    # is_rational, ...) do not evaluate the power after all: a positive real, and
    # irrational, since a reduced a/b has a rational q-th root only when a and b are
    # q-th powers (integer_nthroot said they are not), and gcd(exp.p, q) = 1
    kb = out._assumptions.copy()
    kb.deduce_all_facts({"positive": True, "real": True, "finite": True, "rational": False})
    out._assumptions = kb
    return out


def value(expr, vals: dict):
    """The value of ``expr`` at exact ``vals``: a SymPy Rational when exact, else a
    50-digit Float; None where undefined (division by zero, complex, infinite)."""
    import sympy

    v = exact_at(expr, vals)
    if v is None:
        return None
    if v.is_Rational:
        return v
    try:
        f = sympy.N(v, 50)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if f.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or not f.is_real:
        return None
    return f


def differ(a, b) -> bool:
    """Whether two values from :func:`value` differ (exactly when both are rational)."""
    import sympy

    if a.is_Rational and b.is_Rational:
        return a != b
    scale = max(1, abs(a), abs(b))
    return bool(abs(sympy.N(a - b, 50)) > REL_TOL * scale)


def fmt_pair(a, b) -> tuple[str, str]:
    """Two distinct exact values printed so that the printed strings differ: exact
    rationals as such, others with more significant digits until they differ (the
    difference itself is added when even 60 digits do not separate them)."""

    big = max(abs(int(x)).bit_length() for v in (a, b) if v.is_Rational for x in (v.p, v.q)) \
        if a.is_Rational or b.is_Rational else 0
    if a.is_Rational and b.is_Rational and big <= 13000:
        return fmt(a), fmt(b)
    def num(v, digits):  # the same notation for both, even when one of them is exact
        return fmt(v if not v.is_Rational else v.evalf(max(digits, 20) + 5), digits)

    try:
        return _numeric_pair(a, b, num)
    except ValueError:  # a value past Python's int-to-str limit
        return "a number of more than 4000 digits", "another such number"


def _numeric_pair(a, b, num):
    import sympy

    for digits in (6, 10, 15, 20, 30, 45, 60):
        sa, sb = num(a, digits), num(b, digits)
        if sa != sb:
            return sa, sb
    diff = fmt(sympy.Add(a, -b), 6) if sign_of(a - b) else "?"
    return num(a, 15) + f" (= expected + {diff})", num(b, 15)


def _fmt_int(n: int) -> str:
    """An integer exactly: in full up to 40 digits, else as 10^k + c or b^e when it is one."""
    if abs(n) < 10**40:
        return str(n)
    if n < 0:
        return "-" + _fmt_int(-n)
    from sympy import integer_nthroot

    if n.bit_length() > 13000:  # past Python's int-to-str limit: scientific notation
        import sympy

        return sympy.sstr(sympy.Float(n, 15))
    k = int(n.bit_length() * 0.30102999566398)
    for kk in (k - 1, k, k + 1):
        c = n - 10**kk
        if abs(c) < 10**12:
            return f"10^{kk}" + (f" + {c}" if c > 0 else f" - {-c}" if c < 0 else "")
    for e in range(2, 257):
        r, exact = integer_nthroot(n, e)
        if r < 2:
            break
        if exact and len(str(r)) <= 40:
            return f"({_fmt_int(r)})^{e}"
    return str(n)


def fmt(v, digits: int = 6) -> str:
    import sympy

    if isinstance(v, Fraction):
        return str(v)
    if isinstance(v, (int, sympy.Integer)):
        return _fmt_int(int(v))
    if isinstance(v, sympy.Rational):
        parts = [_fmt_int(int(x)) for x in (v.p, v.q)]
        parts = [f"({x})" if " " in x else x for x in parts]
        return f"{parts[0]}/{parts[1]}"
    if digits <= 15:
        try:
            f = float(v)
            if abs(f) < 1e300 and (f != 0 or v == 0):
                return f"{f:.{digits}g}"
        except (TypeError, ValueError, OverflowError):
            pass
    try:
        return sympy.sstr(v.evalf(digits, maxn=MAXN))
    except (TypeError, ValueError, ArithmeticError):
        return sympy.sstr(sympy.N(v, digits))


def simple_points(syms, limit: int = 64):
    """Small exact points at the domain's edge first (1, 2, 3; 0 for λ; 0, ±1 for real
    symbols), smallest first."""
    import sympy

    pools = []
    for s in syms:
        lo, inc, _ = domain_of(s)
        if lo is None:
            pools.append((0, 1, -1, 2))
        elif lo == 0 and inc:
            pools.append((0, 1, 2, 3))
        else:
            pools.append((1, 2, 3))
    pts = sorted(itertools.product(*pools),
                 key=lambda p: (sum(abs(x) for x in p), tuple(abs(x) for x in p), tuple(-x for x in p)))
    for p in pts[:limit]:
        yield {s: sympy.Integer(x) for s, x in zip(syms, p)}


_LADDER = {  # candidate values per domain, simplest first; large ones cover "past any constant"
    "dim": [1, 2, 3, 4, 5, 7, 10, 41, 100, 1000, 10**6, 10**12],
    "nonneg": [0, 1, 2, Fraction(1, 2), 3, 10, Fraction(1, 10), 100, 10**6, 10**12],
    "pos": [1, 2, Fraction(1, 2), 3, 10, Fraction(1, 10), 100, Fraction(1, 1000), 10**6, 10**12],
    "real": [0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2), 3, -3, 10, -10, 1000, -1000, 10**9,
             -10**9],
}


def _kind(sym) -> str:
    lo, inc, integer = domain_of(sym)
    if integer:
        return "dim"
    if lo is None:
        return "real"
    return "nonneg" if inc else "pos"


def _random_value(sym, rng: random.Random):
    kind = _kind(sym)
    mag = 10 ** rng.uniform(-3, 12)
    if kind == "dim":
        return max(1, int(mag))
    v = Fraction(mag).limit_denominator(1000) or Fraction(1, 1000)
    if kind == "real" and rng.random() < 0.5:
        v = -v
    return v


def sample_points(syms, *, seed: int = 0, grid: int = 400, random_points: int = 200):
    """Points covering the whole domain: a grid of ladder values (simplest first), then
    seeded log-uniform values from 10⁻³ to 10¹²."""
    import sympy

    syms = list(syms)
    if not syms:
        yield {}
        return
    ladders = [_LADDER[_kind(s)] for s in syms]
    idx = sorted(itertools.product(*[range(len(ld)) for ld in ladders]),
                 key=lambda p: (sum(p), max(p), p))
    for p in idx[:grid]:
        yield {s: sympy.Rational(ld[i]) for s, ld, i in zip(syms, ladders, p)}
    rng = random.Random(seed)
    for _ in range(random_points):
        yield {s: sympy.Rational(_random_value(s, rng)) for s in syms}


def huge_points(syms):
    """Points far past any constant an answer may hold: every symbol 10^k (and −10^k for
    real symbols), k from :data:`HUGE_EXPONENTS`."""
    import sympy

    syms = list(syms)
    for k in HUGE_EXPONENTS:
        yield {s: sympy.Integer(10) ** k for s in syms}
        if any(domain_of(s)[0] is None for s in syms):
            yield {s: (-sympy.Integer(10) ** k if domain_of(s)[0] is None else sympy.Integer(10) ** k)
                   for s in syms}


class OutOfTime(BaseException):
    """Raised by the alarm in :func:`time_boxed` (a BaseException: SymPy's own
    ``except Exception`` clauses must not swallow it)."""


def time_boxed(fn, seconds: float):
    """``fn()``, or None when it takes longer than ``seconds``.

    Uses SIGALRM where it can (main thread, POSIX); elsewhere runs ``fn`` unbounded,
    still inside the sandbox's hard limit.
    """
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn()

    def on_alarm(signum, frame):
        raise OutOfTime

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    except OutOfTime:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
