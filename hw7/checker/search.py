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

__all__ = ["DIM_NAMES", "REL_TOL", "differ", "domain_of", "fmt", "in_bounds", "sample_points",
           "simple_points", "time_boxed", "value"]

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


def value(expr, vals: dict):
    """The value of ``expr`` at exact ``vals``: a SymPy Rational when exact, else a
    50-digit Float; None where undefined (division by zero, complex, infinite)."""
    import sympy

    v = expr.xreplace(vals) if hasattr(expr, "xreplace") else sympy.sympify(expr)
    if getattr(v, "is_Rational", False):
        return v
    if not getattr(v, "is_number", False):
        return None
    if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
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


def fmt(v) -> str:
    import sympy

    if isinstance(v, (int, Fraction)):
        return str(v)
    if isinstance(v, sympy.Rational):
        return sympy.sstr(v)
    try:
        f = float(v)
        if abs(f) < 1e300:
            return f"{f:.6g}"
    except (TypeError, ValueError, OverflowError):
        pass
    return sympy.sstr(sympy.N(v, 6))


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
