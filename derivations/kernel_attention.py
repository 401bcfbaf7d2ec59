"""Q5(a), Q5(b): the similarity condition, polynomial kernels (qᵀk + c)^p and their feature maps.

Equations (6)–(8) of the homework (restored in the project notes):
  (6) V′_i = Σ_j sim(Q_i, K_j) V_j / Σ_j sim(Q_i, K_j)
  (8) V′_i = φ(Q_i)ᵀ (Σ_j φ(K_j) V_jᵀ) / (φ(Q_i)ᵀ Σ_j φ(K_j))

The homework's kernel is the quadratic one, p = 2 and c = 1 (Q5(b)(i)); everything here
works for any degree p ≥ 1 and offset c ≥ 0 (:func:`derive` takes both; the defaults are
the homework's). Everything is SymPy. The identity φ(q)ᵀφ(k) ≡ (qᵀk + c)^p is proven for
a *symbolic* dimension D, at the concrete degree p:

* the **full map** (tensor powers, Σ_{j≤p} D^j entries): φ(q)ᵀφ(k) is a sum over j of
  C(p, j) c^{p−j} times a j-fold nested ``Sum``; pulling each inner sum's constant factor
  out (:func:`sympy.simplify.simplify.factor_sum`) turns the nested sum into (qᵀk)^j, and
  the binomial theorem closes it;
* the **compact map** (one entry per monomial, C(D + p, p) entries) by induction on D,
  which is the proof of the multinomial theorem: with α ∈ ℕ^{D+1}, |α| = m, entry weight
  w_m(α) = √(m!/(α_0!⋯α_D!) · c^{α_0}), G_D(m) = φ_m(q)ᵀφ_m(k) = Σ_α w_m(α)² Π_i (q_i k_i)^{α_i}.
  Base D = 0: G_0(m) = c^m. Step D → D + 1: splitting α by the exponent t of the new
  coordinate, the weight lemma w_m(α, t)² = C(m, t) · w_{m−t}(α)² (checked by SymPy for
  symbolic m, t, α_0 and Π α_i!) gives G_{D+1}(m) = Σ_t C(m, t) (q′k′)^t G_D(m − t), and
  with the hypothesis G_D(m′) = (c + S_D)^{m′} for all m′ ≤ m this is (c + S_D + q′k′)^m
  (expanded for every m ≤ p). Explicit small D are checked on top.

Source: Katharopoulos et al., "Transformers are RNNs" (ICML 2020), eq. (8); the homework,
Q5(b).
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.simplify.simplify import factor_sum

from hw7core.errors import InputError

__all__ = [
    "KernelAttention", "CompactProof", "derive", "compact_features", "full_features",
    "compact_weight", "full_weight", "prove_compact", "prove_full", "explicit_check",
    "compact_dim_count", "full_dim_count", "dot", "kernel_degree", "kernel_offset",
    "MAX_DEGREE", "D", "N", "q", "k", "c", "p", "degree_word",
]

D = sp.Symbol("D", positive=True, integer=True)
N = sp.Symbol("N", positive=True, integer=True)
i, j = sp.symbols("i j", positive=True, integer=True)
q, k = sp.IndexedBase("q"), sp.IndexedBase("k")
c = sp.Symbol("c", positive=True)          # polynomial kernel offset
p = sp.Symbol("p", positive=True, integer=True)
MAX_DEGREE = 8                             # the symbolic proofs and explicit checks grow fast
_x = sp.IndexedBase("x")


# --------------------------------------------------------------------------- parameters
def kernel_degree(degree) -> int:
    """The degree p as an int in 1..MAX_DEGREE, else InputError (bools, floats refused).

    >>> kernel_degree(3)
    3
    """
    if isinstance(degree, bool) or not isinstance(degree, (numbers.Integral, sp.Integer)):
        raise InputError(f"kernel degree p must be an integer ≥ 1, got {degree!r}")
    if not 1 <= int(degree) <= MAX_DEGREE:
        raise InputError(f"kernel degree p must be an integer in 1..{MAX_DEGREE}, got {int(degree)}")
    return int(degree)


def _map_degree(degree) -> int:
    """A feature map's degree: an int in 0..MAX_DEGREE (0 is the constant map [1] of
    (qᵀk + c)^0, which the proofs' induction starts from), else InputError."""
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) \
            or not 0 <= int(degree) <= MAX_DEGREE:
        raise InputError(f"feature-map degree must be an integer in 0..{MAX_DEGREE}, "
                         f"got {degree!r}")
    return int(degree)


def kernel_offset(offset) -> sp.Expr:
    """The offset c as an exact SymPy number ≥ 0 (or a non-negative SymPy symbol).

    Floats are read through their shortest decimal ``repr`` (0.1 → 1/10), so a variant
    file's ``offset = 0.5`` is the exact 1/2. InputError for negative, non-finite or
    non-numeric values.

    >>> kernel_offset(0.5)
    1/2
    """
    if isinstance(offset, bool):
        raise InputError(f"kernel offset c must be a number ≥ 0, got {offset!r}")
    if isinstance(offset, sp.Basic):
        val = offset
    elif isinstance(offset, numbers.Integral):
        val = sp.Integer(int(offset))
    elif isinstance(offset, Fraction):
        val = sp.Rational(offset.numerator, offset.denominator)
    elif isinstance(offset, numbers.Real):
        if not math.isfinite(float(offset)):
            raise InputError(f"kernel offset c must be finite, got {offset!r}")
        val = sp.Rational(repr(float(offset)))
    else:
        raise InputError(f"kernel offset c must be a number ≥ 0, got {type(offset).__name__}")
    if not isinstance(val, sp.Expr) or val.is_nonnegative is not True or not val.is_finite:
        raise InputError(f"kernel offset c must be a finite number ≥ 0, got {offset}")
    return val


# --------------------------------------------------------------------------- weights, maps
def compact_weight(m, alpha0, factorials, offset=1) -> sp.Expr:
    """Weight of a compact-map entry: √(m!/(α_0! · Π_{i≥1} α_i!) · c^{α_0}).

    ``factorials`` is Π_{i≥1} α_i! (an int or a SymPy expression); ``alpha0`` = α_0 is the
    exponent of the constant coordinate (c's share, p − |α|). Arguments may be symbolic.

    >>> compact_weight(2, 1, 1)
    sqrt(2)
    """
    return sp.sqrt(sp.factorial(m) / (sp.factorial(alpha0) * factorials) * offset ** alpha0)


def full_weight(degree, j_, offset=1) -> sp.Expr:
    """Weight of the degree-j block of the full map: √(C(p, j) · c^{p−j}).

    >>> full_weight(3, 1, 1)
    sqrt(3)
    """
    return sp.sqrt(sp.binomial(degree, j_) * offset ** (degree - j_))


def compact_features(x: Sequence, degree: int = 2, offset=1, *,
                     weight: Callable = compact_weight) -> list:
    """Compact map of degree p of a concrete vector ``x`` (SymPy entries): C(D + p, p) entries.

    With x̃ = (1, x), one entry per multiset {a_1 ≤ … ≤ a_p} ⊂ {0, …, D} (α_a = how often a
    occurs): √(p!/(α_0!⋯α_D!) · c^{α_0}) · x_1^{α_1}⋯x_D^{α_D}. The order is that of
    ``itertools.combinations_with_replacement`` over {0, …, D} (by degree |α|, then
    lexicographic), the order ``numerics.kernel_attention`` uses. For p = 2, c = 1:
    1, √2 x_i, x_i², √2 x_i x_j (i < j), rows of the upper triangle. ``weight`` is
    :func:`compact_weight` (a parameter so that a wrong weight can be fed to the checks).

    Source: the multinomial theorem applied to (Σ_i q_i k_i + c)^p; homework Q5(b)(ii).

    >>> x1, x2 = sp.symbols("x1 x2")
    >>> compact_features([x1, x2])
    [1, sqrt(2)*x1, sqrt(2)*x2, x1**2, sqrt(2)*x1*x2, x2**2]
    """
    degree = _map_degree(degree)   # 50 was accepted, "2" a TypeError
    xs = list(x)
    out = []
    for combo in itertools.combinations_with_replacement(range(len(xs) + 1), degree):
        cnt = Counter(combo)
        fact = math.prod(math.factorial(e) for a, e in cnt.items() if a != 0)
        mono = sp.Mul(*[xs[a - 1] ** e for a, e in sorted(cnt.items()) if a != 0])
        out.append(weight(degree, cnt.get(0, 0), fact, offset) * mono)
    return out


def full_features(x: Sequence, degree: int = 2, offset=1, *,
                  weight: Callable = full_weight) -> list:
    """Full map of degree p of a concrete vector ``x``: Σ_{j≤p} D^j entries (tensor powers).

    Blocks j = 0, …, p: √(C(p, j) c^{p−j}) · x^{⊗j} (all ordered index tuples, row-major).
    For p = 2, c = 1: 1, √2 x_i, x_i x_j over all ordered pairs.

    >>> x1, x2 = sp.symbols("x1 x2")
    >>> full_features([x1, x2])
    [1, sqrt(2)*x1, sqrt(2)*x2, x1**2, x1*x2, x1*x2, x2**2]
    """
    degree = _map_degree(degree)
    xs = list(x)
    out = []
    for jj in range(degree + 1):
        w = weight(degree, jj, offset)
        out += [w * sp.Mul(*t) for t in itertools.product(xs, repeat=jj)]
    return out


def dot(x, y, dim=D, idx=i):
    """Σ_{idx=1}^{dim} x_idx y_idx as a SymPy Sum."""
    return sp.Sum(x[idx] * y[idx], (idx, 1, dim))


def _indices(n: int) -> list:
    extra = sp.symbols(f"l3:{max(n, 2) + 1}", positive=True, integer=True) if n > 2 else ()
    return [i, j, *extra][:n]


def _nested(body, idx: list, lower_chain: bool = False):
    """Σ over idx (first outermost); with ``lower_chain`` each index starts at the previous."""
    for r in reversed(range(len(idx))):
        lo = idx[r - 1] if (lower_chain and r > 0) else 1
        body = sp.Sum(body, (idx[r], lo, D))
    return body


# --------------------------------------------------------------------------- proofs
def prove_full(degree: int = 2, offset=1, *, weight: Callable = full_weight
               ) -> tuple[sp.Expr, sp.Expr]:
    """(φ_full(q)ᵀφ_full(k) as nested Sums, kernel − that after Sum manipulation).

    Symbolic D. Each degree-j block contributes w_j² Σ_{i_1..i_j} Π_r q_{i_r} k_{i_r};
    factoring the constant part out of each inner sum (innermost first) leaves a product
    of j copies of qᵀk, so the second value is (qᵀk + c)^p − Σ_j w_j² (qᵀk)^j, expanded:
    0 exactly when the weights are right.

    >>> prove_full(3, 1)[1]
    0
    """
    degree, offset = kernel_degree(degree), kernel_offset(offset)
    inner, manipulated = sp.Integer(0), sp.Integer(0)
    for jj in range(degree + 1):
        idx = _indices(jj)
        w = weight(degree, jj, offset)
        body = w * sp.Mul(*[q[a] for a in idx]) * w * sp.Mul(*[k[a] for a in idx])
        inner += _nested(body, idx)
        # pull the factors independent of each index out of its sum, innermost first
        for r in reversed(range(jj)):
            body = factor_sum(sp.Sum(body, (idx[r], 1, D)))
        manipulated += body.xreplace({a: i for a in idx})
    diff = sp.expand((dot(q, k) + offset) ** degree - manipulated)
    return inner, (diff if diff == 0 else sp.simplify(diff))


@dataclass(frozen=True)
class CompactProof:
    """The induction on D for the compact map (all entries must be 0)."""

    base: tuple            # m = 0..p: c^m − φ_m(∅)ᵀφ_m(∅) (D = 0)
    lemma: sp.Expr         # w_m(α, t)² − C(m, t) w_{m−t}(α)², symbolic m, t, α_0, Π α_i!
    step: tuple            # m = 0..p: Σ_t C(m, t) a^t A^{m−t} − (A + a)^m, expanded

    @property
    def holds(self) -> bool:
        return all(e == 0 for e in (*self.base, self.lemma, *self.step))


def prove_compact(degree: int = 2, offset=1, *, weight: Callable = compact_weight) -> CompactProof:
    """Induction on D that φ_m(q)ᵀφ_m(k) = (qᵀk + c)^m for every m ≤ p (symbolic D).

    See the module docstring: base D = 0 from the map itself, the weight lemma with
    symbolic m, t, α_0 and R = Π_{i≥1} α_i! (``sympy.combsimp``), and the binomial step for
    each m ≤ p with A = c + S_D and a = q′k′ as symbols. A wrong ``weight`` (say without the
    square root) leaves a non-zero lemma.

    >>> prove_compact(3, 2).holds
    True
    """
    degree, offset = kernel_degree(degree), kernel_offset(offset)
    base = tuple(sp.expand(offset ** m - sum(f * f for f in compact_features([], m, offset,
                                                                            weight=weight)))
                 for m in range(degree + 1))
    m_, t_, a0 = sp.symbols("m t alpha_0", integer=True, nonnegative=True)
    R = sp.Symbol("R", positive=True)      # Π_{i≥1} α_i! of the old coordinates
    lemma = sp.combsimp(weight(m_, a0, R * sp.factorial(t_), offset) ** 2
                        - sp.binomial(m_, t_) * weight(m_ - t_, a0, R, offset) ** 2)
    if lemma != 0:
        lemma = sp.simplify(lemma)
    A, a = sp.symbols("A a")
    step = tuple(sp.expand(sum(sp.binomial(m, t) * a ** t * A ** (m - t) for t in range(m + 1))
                           - (A + a) ** m) for m in range(degree + 1))
    return CompactProof(base, lemma, step)


def explicit_check(degree: int = 2, offset=1, dims: Sequence[int] = (1, 2, 3, 4), *,
                   compact_weight_fn: Callable = compact_weight,
                   full_weight_fn: Callable = full_weight) -> dict[int, tuple[sp.Expr, sp.Expr]]:
    """D -> (kernel − full φᵀφ, kernel − compact φᵀφ), expanded, for concrete small D.

    >>> explicit_check(3, 1, dims=(2,))
    {2: (0, 0)}
    """
    degree, offset = kernel_degree(degree), kernel_offset(offset)
    out = {}
    for dim in dims:
        qs = list(sp.symbols(f"q1:{dim + 1}", real=True))
        ks = list(sp.symbols(f"k1:{dim + 1}", real=True))
        kern = (sum(a * b for a, b in zip(qs, ks)) + offset) ** degree
        f = sum(a * b for a, b in zip(full_features(qs, degree, offset, weight=full_weight_fn),
                                      full_features(ks, degree, offset, weight=full_weight_fn)))
        cpt = sum(a * b for a, b in zip(
            compact_features(qs, degree, offset, weight=compact_weight_fn),
            compact_features(ks, degree, offset, weight=compact_weight_fn)))
        out[dim] = (sp.expand(kern - f), sp.expand(kern - cpt))
    return out


def compact_dim_count(degree: int = 2) -> sp.Expr:
    """Entries of the compact map for symbolic D: 1 + Σ_{j=1}^{p} #{i_1 ≤ … ≤ i_j} (nested Sums).

    >>> sp.factor(compact_dim_count(3))
    (D + 1)*(D + 2)*(D + 3)/6
    """
    degree = kernel_degree(degree)
    total = sp.Integer(1)
    for jj in range(1, degree + 1):
        total += _nested(sp.Integer(1), _indices(jj), lower_chain=True).doit()
    return sp.simplify(total)


def full_dim_count(degree: int = 2) -> sp.Expr:
    """Entries of the full map for symbolic D: Σ_{j=0}^{p} #{(i_1, …, i_j)} = Σ_j D^j.

    >>> full_dim_count(3)
    D**3 + D**2 + D + 1
    """
    degree = kernel_degree(degree)
    total = sp.Integer(1) + sum((_nested(sp.Integer(1), _indices(jj)).doit()
                                 for jj in range(1, degree + 1)), sp.Integer(0))
    return sp.expand(total)


# --------------------------------------------------------------------------- LaTeX
_LETTERS = ("i", "j", "l", "r", "s", "t", "u", "v")


def _mono_latex(mults: tuple[int, ...]) -> tuple[str, str]:
    """(monomial, index range) for a multiplicity pattern, e.g. (2, 1) → x_i^2 x_j, i ≠ j."""
    names = _LETTERS[:len(mults)]
    parts = [f"x_{n}" if e == 1 else sp.latex(_x[sp.Symbol(n)] ** e)
             for n, e in zip(names, mults)]
    if len(mults) == 1:
        rng = "_{i=1}^{D}"
    else:
        conds = []
        for e in sorted(set(mults), reverse=True):
            group = [n for n, m in zip(names, mults) if m == e]
            if len(group) > 1:
                conds.append("<".join(group))
        if len(set(mults)) > 1:
            conds.append(r" \ne ".join(names) if len(names) == 2
                         else ",".join(names) + r"\ \text{distinct}")
        rng = "_{" + r",\ ".join(conds) + "}"
    return " ".join(parts), rng


def _weight_latex(w: sp.Expr) -> str:
    return "" if w == 1 else sp.latex(w) + r"\,"


def _compact_latex(degree: int, offset: sp.Expr, dim: sp.Expr) -> str:
    entries = []
    for jj in range(degree + 1):
        if jj == 0:
            entries.append(sp.latex(sp.sqrt(offset ** degree)))
            continue
        for part in _partitions(jj):
            w = sp.sqrt(sp.factorial(degree) / (sp.factorial(degree - jj)
                                                * math.prod(math.factorial(e) for e in part))
                        * offset ** (degree - jj))
            mono, rng = _mono_latex(part)
            entries.append(r"\{" + _weight_latex(w) + mono + r"\}" + rng)
    return (r"\phi(x) = \left(" + r",\ ".join(entries) + r"\right)" + ", "
            + sp.latex(sp.Eq(sp.Symbol(r"\dim"), sp.factor(dim))))


def _full_latex(degree: int, offset: sp.Expr, dim: sp.Expr) -> str:
    entries = []
    for jj in range(degree + 1):
        w = full_weight(degree, jj, offset)
        if jj == 0:
            entries.append(sp.latex(w))
            continue
        names = _LETTERS[:jj]
        mono = " ".join(f"x_{n}" for n in names)
        entries.append(r"\{" + _weight_latex(w) + mono + r"\}_{" + ",".join(names) + "=1}^{D}")
    return (r"\phi(x) = \left(" + r",\ ".join(entries) + r"\right)" + ", "
            + sp.latex(sp.Eq(sp.Symbol(r"\dim"), dim)))


def _partitions(n: int) -> list[tuple[int, ...]]:
    """Multiplicity patterns of a degree-n monomial, largest part first: (n), …, (1, …, 1)."""
    out: list[tuple[int, ...]] = []

    def rec(rest, most, acc):
        if rest == 0:
            out.append(tuple(acc))
            return
        for e in range(min(rest, most), 0, -1):
            rec(rest - e, e, acc + [e])
    rec(n, n, [])
    return out


# --------------------------------------------------------------------------- eq. (8)
def _rewritten() -> tuple[sp.Expr, str]:
    """Eq. (8) equals eq. (6) with sim = φ(q)ᵀφ(k): checked on a symbolic instance
    (N = 3 rows, feature dimension 2, M = 2) — it is associativity of the products."""
    n_, pdim, m_ = 3, 2, 2
    fq = sp.Matrix(n_, pdim, lambda r, s: sp.Symbol(f"phiQ_{r}{s}"))
    fk = sp.Matrix(n_, pdim, lambda r, s: sp.Symbol(f"phiK_{r}{s}"))
    v = sp.Matrix(n_, m_, lambda r, s: sp.Symbol(f"V_{r}{s}"))
    diffs = []
    for r in range(n_):
        sims = [(fq.row(r) * fk.row(t).T)[0] for t in range(n_)]
        eq6 = sum((sims[t] * v.row(t) for t in range(n_)), sp.zeros(1, m_)) / sum(sims)
        num = fq.row(r) * (fk.T * v)
        den = (fq.row(r) * (fk.T * sp.ones(n_, 1)))[0]
        diffs.append(sp.simplify(eq6 - num / den))
    total = sp.simplify(sum((d_.norm() for d_ in diffs), sp.Integer(0)))
    phi = sp.Function("phi")
    Qi, Kj, Vj = sp.symbols("Q_i K_j V_j", commutative=False)
    num_l = sp.latex(phi(Qi)) + r"^{\top}\left(" + sp.latex(sp.Sum(phi(Kj) * Vj, (j, 1, N))) \
        .replace(r"V_{j}", r"V_{j}^{\top}") + r"\right)"
    den_l = sp.latex(phi(Qi)) + r"^{\top}" + sp.latex(sp.Sum(phi(Kj), (j, 1, N)))
    return total, r"V'_i = \frac{" + num_l + "}{" + den_l + "}"


def _counterexample() -> dict:
    """sim(q, k) = qᵀk (can be negative): the denominator Σ_j sim vanishes."""
    qv = sp.Matrix([1, 0])
    keys = [sp.Matrix([1, 0]), sp.Matrix([-1, 0])]
    sims = [(qv.T * kk)[0] for kk in keys]
    return {"sim": "q^T k", "q": list(qv), "keys": [list(kk) for kk in keys],
            "sims": sims, "denominator": sum(sims)}


_DEGREE_WORDS = {1: "linear", 2: "quadratic", 3: "cubic", 4: "quartic", 5: "quintic",
                 6: "sextic"}


def degree_word(p: int) -> str:
    """The usual name of a polynomial kernel of degree ``p`` (Q5's "quadratic kernel"),
    used in the key's titles and wording so that a variant's degree is named right.

    >>> degree_word(2), degree_word(3), degree_word(9)
    ('quadratic', 'cubic', 'degree-9')
    """
    return _DEGREE_WORDS.get(int(p), f"degree-{int(p)}")


# --------------------------------------------------------------------------- derive
@dataclass(frozen=True)
class KernelAttention:
    """Derived objects for Q5(a) and Q5(b) at degree p and offset c (all SymPy).

    ``sim`` is the kernel (qᵀk + c)^p at this (p, c); ``quadratic_kernel`` is always the
    homework's (qᵀk + 1)². :meth:`phi` and :meth:`phi_full` give the maps for a concrete D.
    """

    polynomial_kernel: sp.Expr       # (qᵀk + c)^p, symbolic D, p, c
    quadratic_kernel: sp.Expr        # p = 2, c = 1 (the homework's)
    full_map_inner: sp.Expr          # φ_full(q)ᵀφ_full(k) as Sums (symbolic D)
    full_identity: sp.Expr           # kernel − φᵀφ after Sum manipulation (must be 0)
    compact_base: sp.Expr            # induction base D = 0: first non-zero of the m ≤ p terms, else 0
    compact_step: sp.Expr            # induction step (weight lemma, binomial step): first non-zero, else 0
    dim_full: sp.Expr                # Σ_{j≤p} D^j
    dim_compact: sp.Expr             # C(D + p, p), expanded
    explicit: dict[int, tuple[sp.Expr, sp.Expr]]  # D -> (full diff, compact diff), expanded
    feature_full_latex: str
    feature_compact_latex: str
    rewritten: sp.Expr               # eq. (8) for a symbolic instance, minus eq. (6) → 0
    rewritten_latex: str
    condition_latex: str
    counterexample: dict             # sim = qᵀk: a query whose denominator is 0
    sim: sp.Expr = sp.Integer(0)     # (qᵀk + c)^p at this degree and offset
    degree: int = 2                  # p
    offset: sp.Expr = sp.Integer(1)  # c
    compact_proof: CompactProof | None = None   # every term of the induction
    dim_binomial: sp.Expr = sp.Integer(0)       # dim_compact − C(D + p, p) (must be 0)
    assumptions: list[str] = field(default_factory=list)

    def phi(self, x) -> list:
        """Compact map at this (p, c) of ``x`` (a list of SymPy entries, or an int D for
        symbols x_1..x_D): C(D + p, p) entries."""
        return compact_features(_vector(x), self.degree, self.offset)

    def phi_full(self, x) -> list:
        """Full map at this (p, c) of ``x`` (list, or int D): Σ_{j≤p} D^j entries."""
        return full_features(_vector(x), self.degree, self.offset)

    def feature_dim(self, d: int, *, full: bool = False) -> int:
        """Number of entries of the compact (or full) map at width ``d``."""
        return int((self.dim_full if full else self.dim_compact).subs(D, d))

    @property
    def proven(self) -> bool:
        """Every symbolic and explicit check of the identity is 0."""
        return (self.full_identity == 0 and self.compact_base == 0 and self.compact_step == 0
                and self.dim_binomial == 0
                and all(a == 0 and b == 0 for a, b in self.explicit.values()))


def _vector(x) -> list:
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        if x < 0:
            raise InputError(f"dimension D must be ≥ 0, got {x}")
        return list(sp.symbols(f"x1:{int(x) + 1}", real=True))
    return list(x)


def _first_nonzero(exprs) -> sp.Expr:
    return next((e for e in exprs if e != 0), sp.Integer(0))


def derive(degree: int = 2, offset=1) -> KernelAttention:
    """Q5(a), Q5(b)(i)–(iii) for sim(q, k) = (qᵀk + c)^p (default p = 2, c = 1: the homework).

    degree: p, an integer in 1..MAX_DEGREE; offset: c, a number ≥ 0 (int, Fraction, float
    read as its decimal repr, or a non-negative SymPy number/symbol). InputError otherwise.
    Cached per (p, c): the result is frozen and shared.

    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(b).

    >>> der = derive(3, 1)
    >>> der.proven, sp.factor(der.dim_compact), der.sim
    (True, (D + 1)*(D + 2)*(D + 3)/6, (Sum(k[i]*q[i], (i, 1, D)) + 1)**3)
    """
    return _derive(kernel_degree(degree), kernel_offset(offset))


@functools.cache
def _derive(degree: int, offset: sp.Expr) -> KernelAttention:
    s_qk = dot(q, k)
    poly = (s_qk + c) ** p
    quad = poly.subs({p: 2, c: 1})
    inner, full_diff = prove_full(degree, offset)
    proof = prove_compact(degree, offset)
    dim_compact = sp.expand(compact_dim_count(degree))
    dim_full = full_dim_count(degree)
    dim_binomial = sp.expand(dim_compact - sp.binomial(D + degree, degree).expand(func=True))
    # explicit expansion for small D (fewer dimensions at high degree: the full map has D^p entries)
    dims = tuple(range(1, 5 if degree <= 3 else (4 if degree <= 5 else 3)))
    rew, rew_l = _rewritten()
    cond = (r"\sum_{j} \mathrm{sim}(Q_i, K_j) \neq 0\ \forall i;\ \text{guaranteed when }"
            r"\mathrm{sim}(q,k) \ge 0 \text{ for all } q,k \text{ and } > 0 \text{ for at least one key}")
    assumptions = ["polynomial kernel K(q,k) = (qᵀk + c)^p; quadratic: p = 2, c = 1 "
                   "('any constant factor is set to 1')",
                   "φ applied row-wise; sums over j = 1..N"]
    if (degree, offset) != (2, 1):
        assumptions.append(f"this kernel: p = {degree}, c = {sp.sstr(offset)}")
    return KernelAttention(
        polynomial_kernel=poly, quadratic_kernel=quad, full_map_inner=inner,
        full_identity=full_diff, compact_base=_first_nonzero(proof.base),
        compact_step=_first_nonzero((proof.lemma, *proof.step)),
        dim_full=dim_full, dim_compact=dim_compact,
        explicit=explicit_check(degree, offset, dims),
        feature_full_latex=_full_latex(degree, offset, dim_full),
        feature_compact_latex=_compact_latex(degree, offset, dim_compact),
        rewritten=rew, rewritten_latex=rew_l, condition_latex=cond,
        counterexample=_counterexample(),
        sim=(s_qk + offset) ** degree, degree=degree, offset=offset, compact_proof=proof,
        dim_binomial=dim_binomial, assumptions=assumptions,
    )
