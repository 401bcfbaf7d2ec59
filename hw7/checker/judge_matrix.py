"""``hw7 check`` for matrix answers: gradients in X, W1, W2 and lam (issues 7, 12).

Shapes are tracked by the reader. "Correct" is a proof: SymPy's expansion of the
difference (transposes pushed inward, products distributed) is the zero matrix.
A counterexample is a set of explicit integer matrices (and λ ≥ 0, including 0) at
which the two expressions differ, computed in exact integer/rational arithmetic
(seeded, small sizes first, then larger). Neither: "could not decide" (exit 2).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

from hw7.checker.entry import matrix_names
from hw7.checker.verdict import UNDECIDED, Unjudgeable, Verdict

__all__ = ["judge_matrix", "mat_eval"]


class Mat:
    """A small exact matrix (rows of ints/Fractions): what the judge computes with, so a
    counterexample is exact and no numpy import is needed on the judging path."""

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = [list(r) for r in rows]

    @classmethod
    def eye(cls, n: int) -> Mat:
        return cls([[1 if i == j else 0 for j in range(n)] for i in range(n)])

    @classmethod
    def zeros(cls, r: int, c: int) -> Mat:
        return cls([[0] * c for _ in range(r)])

    @property
    def shape(self):
        return (len(self.rows), len(self.rows[0]) if self.rows else 0)

    @property
    def T(self) -> Mat:  # noqa: N802 - the transpose, spelled as numpy does
        return Mat(zip(*self.rows)) if self.rows else Mat([])

    def _zip(self, other, op):
        if isinstance(other, Mat):
            return Mat([[op(x, y) for x, y in zip(r1, r2)] for r1, r2 in zip(self.rows, other.rows)])
        return Mat([[op(x, other) for x in r] for r in self.rows])

    def __add__(self, other):
        return self._zip(other, lambda x, y: x + y)

    __radd__ = __add__

    def __sub__(self, other):
        return self._zip(other, lambda x, y: x - y)

    def __neg__(self):
        return Mat([[-x for x in r] for r in self.rows])

    def __mul__(self, other):
        if isinstance(other, Mat):
            return self @ other
        return Mat([[x * other for x in r] for r in self.rows])

    def __rmul__(self, other):
        return Mat([[other * x for x in r] for r in self.rows])

    def __matmul__(self, other):
        cols = list(zip(*other.rows))
        return Mat([[sum(x * y for x, y in zip(r, c)) for c in cols] for r in self.rows])

    def __pow__(self, k: int):
        out = Mat.eye(self.shape[0])
        for _ in range(int(k)):
            out = out @ self
        return out

    def flat(self):
        return [x for r in self.rows for x in r]

    def tolist(self):
        return [list(r) for r in self.rows]


def _is_matrix(v) -> bool:
    return isinstance(v, Mat) or getattr(v, "ndim", 0) == 2


def mat_eval(expr, env: dict):
    """Evaluate a SymPy (matrix) expression with matrices from ``env``: :class:`Mat`
    (exact) or numpy arrays, scalars as ints, Fractions or floats."""
    import sympy
    from sympy.matrices.expressions import MatAdd, MatMul, MatPow, MatrixSymbol, Transpose

    if isinstance(expr, MatrixSymbol):
        return env[expr.name]
    if isinstance(expr, sympy.Symbol):
        return env[expr.name]
    if expr.is_Number:
        if expr.is_Integer:
            return int(expr)
        if expr.is_Rational:
            return Fraction(int(expr.p), int(expr.q))
        return float(expr)
    if isinstance(expr, sympy.Identity):
        n = int(expr.rows.xreplace(env["__dims"]))
        like = next((v for v in env.values() if _is_matrix(v)), None)
        if like is not None and not isinstance(like, Mat):
            import numpy as np

            return np.eye(n)
        return Mat.eye(n)
    if isinstance(expr, Transpose):
        return mat_eval(expr.arg, env).T
    if isinstance(expr, (MatAdd, sympy.Add)):
        vals = [mat_eval(a, env) for a in expr.args]
        out = vals[0]
        for v in vals[1:]:
            out = out + v
        return out
    if isinstance(expr, (MatMul, sympy.Mul)):
        out = None
        for a in expr.args:
            v = mat_eval(a, env)
            if out is None:
                out = v
            elif _is_matrix(out) and _is_matrix(v):
                out = out @ v
            elif _is_matrix(v) and not _is_matrix(out):
                out = v * out
            else:
                out = out * v
        return out
    if isinstance(expr, MatPow):
        base, k = mat_eval(expr.base, env), int(expr.exp)
        if isinstance(base, Mat):
            return base**k
        import numpy as np

        return np.linalg.matrix_power(base, k)
    if isinstance(expr, sympy.Pow):
        if expr.exp.is_Integer:
            base = mat_eval(expr.base, env)
            k = int(expr.exp)
            return base**k if k >= 0 else Fraction(1) / Fraction(base) ** (-k)
        return float(mat_eval(expr.base, env)) ** float(expr.exp)
    if isinstance(expr, sympy.ZeroMatrix):
        return Mat.zeros(int(expr.rows.xreplace(env["__dims"])), int(expr.cols.xreplace(env["__dims"])))
    if expr.is_Function and len(expr.args) == 1:
        import math
        fn = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "Abs": abs}.get(type(expr).__name__)
        if fn:
            return fn(float(mat_eval(expr.args[0], env)))
    raise Unjudgeable(f"cannot evaluate {type(expr).__name__} in a matrix answer")


SIZES = ((2, 1, 1), (2, 1, 2), (3, 2, 2), (4, 2, 3), (5, 3, 4))
LARGER = ((6, 3, 5), (7, 4, 6), (8, 5, 7), (9, 6, 8))


def _matrix_samples(shapes: dict, scalars: list[str], seed: int = 0, sizes=SIZES) -> list[dict]:
    """Seeded integer instances (entries −3..3), small sizes first; λ from 0 up."""
    import random

    rng = random.Random(seed)
    out = []
    for m, k, n in sizes:
        size = {"m": m, "k": k, "n": n}
        for _ in range(2):
            ex = {}
            for name, (r, c) in shapes.items():
                rr = size.get(r, r) if isinstance(r, str) else r
                cc = size.get(c, c) if isinstance(c, str) else c
                ex[name] = Mat([[rng.randint(-3, 3) for _ in range(cc)] for _ in range(rr)])
            for sname in scalars:
                lo = 0 if sname == "lam" else 1
                ex[sname] = size[sname] if sname in size else rng.randint(lo, 4)
            ex["__size"] = size
            out.append(ex)
    return out


def _env_of(ex: dict):
    import sympy

    from hw7.checker.read_plain import dim_symbol

    env = {k: v for k, v in ex.items() if k != "__size"}
    env.update({k: int(v) for k, v in ex["__size"].items() if k not in env})
    env["__dims"] = {dim_symbol(k): sympy.Integer(v) for k, v in ex["__size"].items()}
    return env


def _entries(v) -> list:
    return v.flat() if isinstance(v, Mat) else [v]


def judge_matrix(qid, entry, pa, pr) -> Verdict:
    """Judge a matrix answer (Parsed, with its shape) against the derived one."""
    import sympy

    text = getattr(pa, "read_as", None) or sympy.sstr(pa.value)
    if pa.shape != pr.shape:
        return Verdict(qid, "refuted",
                       f"{text} has shape {pa.shape[0]}×{pa.shape[1]} but the derived answer "
                       f"has shape {pr.shape[0]}×{pr.shape[1]}", "shape", parsed=text, read_as=text)
    shapes = matrix_names(entry)
    scalars = sorted({s.name for s in (pa.value.free_symbols | pr.value.free_symbols)
                      if isinstance(s, sympy.Symbol)})

    def gap(ex):
        env = _env_of(ex)
        a, b = mat_eval(pa.value, env), mat_eval(pr.value, env)
        diff = [abs(x) for x in _entries(a - b)]
        return max(diff) if diff else 0, a, b

    def differs(ex):
        try:
            g, _, b = gap(ex)
        except (ZeroDivisionError, OverflowError, ValueError):
            return False
        if isinstance(g, float):  # only where a non-rational function was used
            scale = max([1.0] + [abs(float(x)) for x in _entries(b)])
            return math.isfinite(g) and g > 1e-9 * scale
        return g != 0

    # 1. seeded explicit integer matrices (an exact difference is a proof, and cheap),
    # 2. symbolic expansion (a proof of equality), 3. larger seeded matrices
    samples = _matrix_samples(shapes, scalars)
    ex = next((e for e in samples if differs(e)), None)
    if ex is None:
        try:
            zero = (pa.value - pr.value).doit().expand().doit()
        except Exception:  # noqa: BLE001 - undecided: fall through to the search
            zero = None
        if zero is not None and (zero == 0 or getattr(zero, "is_ZeroMatrix", False)):
            return Verdict(qid, "correct", f"{text} is equivalent to the derived answer",
                           "symbolic", parsed=text, read_as=text)
        more = [e for seed in range(1, 4) for e in _matrix_samples(shapes, scalars, seed, LARGER)]
        ex = next((e for e in more if differs(e)), None)
    if ex is None:
        return Verdict(qid, "unjudged", f"{text}: SymPy could not expand the difference to 0 and "
                       "no integer matrices separate the two answers", UNDECIDED, parsed=text,
                       read_as=text)
    g, a, b = gap(ex)
    size = ex["__size"]
    shown = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in ex.items() if k != "__size"}
    desc = ", ".join(f"{k} = {json.dumps(v)}" for k, v in shown.items())
    ce = {"sizes": size, "values": shown, "max_abs_difference": float(g),
          "text": f"with m = {size['m']}, k = {size['k']}, n = {size['n']}, {desc}: "
                  f"entries differ by up to {float(g):.6g}"}
    return Verdict(qid, "refuted", f"{text} is not equivalent to the derived answer",
                   "numeric counterexample", counterexample=ce,
                   hint=_matrix_hint(pa.value, pr.value, samples, scalars), parsed=text,
                   read_as=text)


def _matrix_hint(a_expr, r_expr, samples, scalars) -> str | None:
    """A constant factor, or agreement when lam = 0 (the regulariser term is wrong)."""
    ratios: set = set()
    lam_ok: list[bool] = []
    try:
        for ex in samples:
            env = _env_of(ex)
            a, b = _entries(mat_eval(a_expr, env)), _entries(mat_eval(r_expr, env))
            ratios |= {Fraction(x) / Fraction(y) for x, y in zip(a, b) if y != 0}
            if "lam" in scalars:
                env0 = {**env, "lam": 0}
                lam_ok.append(all(x == 0 for x in _entries(mat_eval(a_expr, env0)
                                                          - mat_eval(r_expr, env0))))
    except Exception:  # noqa: BLE001 - a hint is never worth a failed check
        return None
    if len(ratios) == 1:
        c = ratios.pop()
        return "the sign is wrong" if c == -1 else f"off by a constant factor: yours = {c} × expected"
    if lam_ok and all(lam_ok):
        return "agrees when lam = 0: look at the regularisation (lam) term"
    return None
