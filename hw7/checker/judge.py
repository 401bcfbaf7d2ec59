"""Judge a student's answer against the toolkit's own derived answer (``hw7 check``; issues 7, 12).

This is the dispatcher at the top of :mod:`hw7.checker`: it reads both sides with the
readers (:mod:`hw7.checker.entry`), hands them to the judge of the entry's
``check_kind`` and returns a :class:`~hw7.checker.verdict.Verdict`. Every judge returns
"correct" only with a proof; the verdict echoes how the answer was read.

* ``expr``        :mod:`hw7.checker.judge_expr` — pieces of Max/Min/Abs, exact identity
                  tests, exact cell decomposition or a domain-wide search for a counterexample.
                  Q3 declares μ ∈ R^d (``data["vectors"]``): an answer in ‖μ‖² is judged
                  against the vector form, one in the scalar μ against the shared-mean form.
* ``vector``      entry-wise ``expr``.
* ``matrix``      :mod:`hw7.checker.judge_matrix` — symbolic expansion; exact integer matrices.
* ``bigo``        :mod:`hw7.checker.judge_bigo` — Θ-equivalence in the question's regime.
* ``feature_map`` :mod:`hw7.checker.judge_feature_map` — φ(q)ᵀφ(k) ≡ K(qᵀk), expanded.
* ``choice`` / ``choices``  :mod:`hw7.checker.judge_choice` — synonyms, negations.

Import structure (no circle): verdict, search ← entry ← judges ← judge (this module);
references and sandbox import no judge. :func:`judge_limited` runs :func:`judge` in a
forked child with a hard wall-clock limit and a memory limit (:mod:`hw7.checker.sandbox`).

>>> e = {"qid": "q3b", "check_kind": "expr", "expr": "d", "symbols": {"d": "dimension"}}
>>> v = judge(e, "d + max(0, d - 40)")
>>> v.status, v.counterexample["values"], v.read_as
('refuted', {'d': '41'}, 'd + Max(0, d - 40)')
"""

from __future__ import annotations

import time

from hw7.checker.entry import (
    CHECK_FIELDS,
    DATA_FIELDS,
    FEATURE_VARS,
    NORM2_PREFIX,
    as_entry,
    domain_conditions,
    matrix_names,
    parse,
    parse_reference,
    reference_expr,
    scalar_symbols,
    vector_symbols,
)
from hw7.checker.references import (
    cache_dir,
    cache_path,
    derive_entry,
    entries_from_key,
    load_cache,
    reference_entry,
    store_cache,
)
from hw7.checker.sandbox import run_limited
from hw7.checker.verdict import KINDS, UNDECIDED, Unjudgeable, Verdict
from hw7.errors import InputError, UsageError

__all__ = ["DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT", "KINDS", "Unjudgeable", "Verdict", "cache_dir",
           "checkable", "checkable_ids", "derive_entry", "describe", "entries_from_key",
           "example_answer", "judge", "judge_limited", "reference_entry", "uncheckable_reason"]

DEFAULT_TIMEOUT = 5.0        # seconds per check (wall clock, hard)
DEFAULT_MEMORY_MB = 1024     # extra address space the judging child may use
HINT_SECONDS = 1.0           # a hint is dropped rather than delay the verdict

# names older callers and tests use
_as_entry = as_entry
_parse = parse
_matrix_names = matrix_names
_scalar_symbols = scalar_symbols
_ = (CHECK_FIELDS, DATA_FIELDS)


# ----------------------------------------------------------------------------
# reference entries


def _reference(entry):
    """The reference, read by the same readers as answers (fails loudly if bad)."""
    kind = entry["check_kind"]
    if kind in ("choice", "choices"):
        from hw7.checker.judge_choice import reference_options

        return reference_options(entry)
    ref = reference_expr(entry)
    data = entry.get("data") or {}
    if kind == "feature_map":
        _kernel(entry)
    if kind == "expr" and data.get("shared_mean_form"):
        _shared_form(entry)
    if kind == "expr":
        domain_conditions(entry)
    return ref


def _kernel(entry):
    k = (entry.get("data") or {}).get("kernel") or {}
    if not isinstance(k, dict) or not isinstance(k.get("expr"), str):
        raise ValueError("feature_map entry without data['kernel'] = {'expr': ..., 'dot': 'qk'}")
    dot = str(k.get("dot") or "qk")
    e = {**entry, "check_kind": "expr", "symbols": {dot: "qᵀk"}, "data": {}}
    return parse_reference(e, k["expr"]).value, dot


def _shared_dens(entry) -> list:
    if (entry.get("data") or {}).get("shared_mean_form"):
        try:
            return _denominators(_shared_form(entry))
        except Exception:  # noqa: BLE001
            return []
    return []


def _shared_form(entry):
    form = (entry.get("data") or {}).get("shared_mean_form") or {}
    if not isinstance(form, dict) or not isinstance(form.get("expr"), str):
        raise ValueError("data['shared_mean_form'] must be {'expr': ..., 'latex': ...}")
    return parse_reference({**entry, "check_kind": "expr"}, form["expr"]).value


def uncheckable_reason(entry) -> str | None:
    """Why ``hw7 check`` cannot judge answers to this entry (dict or Answer); None if it can."""
    kind = entry.get("check_kind") if isinstance(entry, dict) else getattr(entry, "check_kind", None)
    if kind is None:
        return "the answer has no check_kind"
    if kind not in KINDS:
        return f"unknown check_kind {kind!r} (known: {', '.join(KINDS)})"
    try:
        _reference(as_entry(entry))
    except Exception as exc:  # noqa: BLE001 - any failure means "not checkable"
        return f"its derived answer cannot be read: {exc}"
    return None


def checkable(entry) -> bool:
    """Whether ``hw7 check`` can judge answers to this entry (dict or Answer)."""
    return uncheckable_reason(entry) is None


def checkable_ids() -> list[str]:
    """The registered question ids ``hw7 check`` can judge (used by ``hw7 list``).

    Each section runs derive-only once per source version (cached); a section
    whose derivation fails is reported as not checkable rather than breaking the list.
    """
    from hw7.registry import Context, sections

    path = cache_path()
    cache = load_cache(path) if path else {}
    changed = False
    out = []
    ctx = Context(numeric=False, quiet=True, figures_dir=None)  # shared: derivations run once
    for sec in sections():
        entry = cache.get(sec.qid)
        if entry is None:
            try:
                ans = sec.run(ctx)
            except Exception:  # noqa: BLE001 - a broken section is simply not checkable
                continue
            entry = as_entry(ans.to_json())
            cache[sec.qid] = entry
            changed = True
        if checkable(entry):
            out.append(sec.qid)
    if changed and path:
        store_cache(path, cache)
    return out


# ----------------------------------------------------------------------------
# dispatch


def _read_as(pa) -> str:
    import sympy

    got = getattr(pa, "read_as", "") or ""
    if got:
        return got
    v = pa.value
    if isinstance(v, list):
        return "[" + ", ".join(sympy.sstr(x) for x in v) + "]"
    return sympy.sstr(v)


def _judge_expr_entry(qid, entry, pa, pr) -> Verdict:
    from hw7.checker.judge_expr import judge_expr

    try:
        domain = domain_conditions(entry)
    except (ValueError, InputError) as exc:
        raise UsageError(f"the domain of {qid} could not be read: {exc}") from None
    ans, ref = pa.value, pr.value
    shown = _read_as(pa)
    note = ""
    vectors = vector_symbols(entry)
    if vectors and (entry.get("data") or {}).get("shared_mean_form"):
        names = {s.name: s for s in ans.free_symbols}
        scalar = [v for v in vectors if v in names]
        norms = [v for v in vectors if NORM2_PREFIX + v in names]
        if scalar:
            if norms:  # both forms in one answer: which one is meant cannot be known
                mixed = ", ".join(f"‖{v}‖²" for v in norms) + " and a shared mean " + ", ".join(scalar)
                return Verdict(qid, "unjudged", f"{shown} uses both {mixed}; write one form (all "
                               f"in ‖μ‖², or all with a shared mean μ)", UNDECIDED, parsed=shown,
                               read_as=shown)
            shared = _shared_form(entry)
            ref = shared
            note = " (shared mean: every coordinate of " + ", ".join(scalar) + " equal)"
        else:
            note = " (vector mean: ‖μ‖² = μᵀμ)" if norms else ""
    v = judge_expr(qid, ans, ref, domain=domain, reveal=bool(ref.free_symbols), read_as=shown)
    if note and v.status != "unjudged":
        v.message += note
    return v


def _judge_vector(qid, pa, pr) -> Verdict:
    import sympy

    from hw7.checker.judge_expr import judge_expr

    a, r = pa.value, pr.value
    text = _read_as(pa)
    if len(a) != len(r):
        return Verdict(qid, "refuted", f"{text} has {len(a)} entries; the derived answer has {len(r)}",
                       "length", parsed=text, read_as=text)
    wrong, undecided = [], []
    for i, (x, y) in enumerate(zip(a, r), start=1):
        v = judge_expr(qid, sympy.sympify(x), sympy.sympify(y), reveal=False)
        if v.status == "refuted":
            wrong.append(i)
        elif v.status != "correct":
            undecided.append(i)
    if not wrong and not undecided:
        return Verdict(qid, "correct", f"{text} is the derived answer", "entry-wise", parsed=text,
                       read_as=text)
    if not wrong:
        return Verdict(qid, "unjudged", f"{text}: entries {undecided} could not be decided",
                       UNDECIDED, parsed=text, read_as=text)
    which = ", ".join(map(str, wrong))
    return Verdict(qid, "refuted", f"{text} is not the derived answer", "entry-wise",
                   counterexample={"wrong_entries": wrong,
                                   "text": f"entr{'ies' if len(wrong) > 1 else 'y'} {which} "
                                           f"differ{'' if len(wrong) > 1 else 's'}"},
                   parsed=text, read_as=text)


def judge(entry, text) -> Verdict:
    """Judge ``text`` against ``entry`` in this process (no time/memory limit)."""
    from hw7.checker.read_plain import ParseError, ShapeError

    entry = as_entry(entry)
    qid = entry.get("qid") or "?"
    kind = entry.get("check_kind")
    t0 = time.perf_counter()
    try:
        if kind not in KINDS:
            raise UsageError(f"{qid} has no checkable answer")
        if kind in ("choice", "choices"):
            from hw7.checker.judge_choice import judge_choice

            v = judge_choice(qid, entry, text)
        else:
            try:
                pr = _reference(entry)
            except (ParseError, ValueError) as exc:
                raise UsageError(f"the derived answer for {qid} could not be read: {exc}") from None
            try:
                pa, divs = _parse_recording(entry, text)
            except ShapeError as exc:  # readable, and certainly not the answer
                return _timed(Verdict(qid, "refuted", f"the answer is not a valid matrix expression: "
                                      f"{exc}", "shape"), t0)
            if kind in ("expr", "vector", "matrix"):
                import sympy

                val = pa.value
                divs = divs + (_denominators(val) if kind != "matrix" else [])
                bad = _vanishing_divisor(divs, _denominators(pr.value) + _shared_dens(entry))
                if bad is not None:
                    shown = _read_as(pa)
                    return _timed(Verdict(qid, "unjudged", f"{shown}: the answer is undefined where "
                                          f"{sympy.sstr(bad)} = 0, which the domain allows",
                                          UNDECIDED, parsed=shown, read_as=shown), t0)
            if kind == "matrix":
                from hw7.checker.judge_matrix import judge_matrix

                v = judge_matrix(qid, entry, pa, pr)
            elif kind == "bigo":
                from hw7.checker.judge_bigo import judge_bigo

                v = judge_bigo(qid, entry, pa, pr)
            elif kind == "vector":
                v = _judge_vector(qid, pa, pr)
            elif kind == "feature_map":
                from hw7.checker.judge_feature_map import judge_feature_map

                kernel, dot = _kernel(entry)
                min_dim = int((entry.get("data") or {}).get("feature_dim") or 2)
                v = judge_feature_map(qid, pa.value, kernel, min_dim=min_dim, dot_name=dot,
                                      read_as=_read_as(pa))
            else:
                v = _judge_expr_entry(qid, entry, pa, pr)
            notes = list(getattr(pa, "notes", None) or [])
            if notes:
                v.message += " (" + "; ".join(notes) + ")"
            if not v.read_as:
                v.read_as = _read_as(pa)
    except (InputError, UsageError) as exc:
        v = Verdict(qid, "unjudged", str(exc))
    except (RecursionError, MemoryError, OverflowError):
        v = Verdict(qid, "unjudged", "the answer is too large to judge")
    except Exception as exc:  # noqa: BLE001 - a judge's own failure is never a verdict of 0 or 1
        v = Verdict(qid, "unjudged", f"the answer could not be judged ({type(exc).__name__} "
                    "in the checker)", UNDECIDED)
    v.seconds = time.perf_counter() - t0
    return v


# ----------------------------------------------------------------------------
# divisors: an answer undefined somewhere on the domain is never "correct" (issue C7)

_DIVISORS: list | None = None  # set while parsing an answer: the divisors it was built with


def _install_divisor_recorder():
    from hw7.checker import read_build

    B = read_build.Builder
    if getattr(B, "_hw7_records_divisors", False):
        return
    div, pw = getattr(B, "_div", None), getattr(B, "_pow", None)
    if div is None or pw is None:  # the reader changed: only final denominators are checked
        B._hw7_records_divisors = True
        return

    def _div(self, node, depth, power):
        if _DIVISORS is not None:
            try:
                b, sb = self.build(node[2], depth, power)
                if sb is None and isinstance(b, __import__("sympy").Expr):
                    _DIVISORS.append(b)
            except Exception:  # noqa: BLE001 - the real build below reports it
                pass
        return div(self, node, depth, power)

    def _pow(self, node, depth, power):
        out = pw(self, node, depth, power)
        if _DIVISORS is not None:
            import sympy

            v = out[0] if isinstance(out, tuple) else out
            if isinstance(v, sympy.Expr):
                for p in v.atoms(sympy.Pow) | ({v} if isinstance(v, sympy.Pow) else set()):
                    if p.exp.is_negative:
                        _DIVISORS.append(p.base)
        return out

    B._div, B._pow, B._hw7_records_divisors = _div, _pow, True


def _parse_recording(entry, text):
    """parse(entry, text) and the scalar divisors the answer was written with."""
    global _DIVISORS
    _install_divisor_recorder()
    _DIVISORS = []
    try:
        pa = parse(entry, text)
        return pa, list(_DIVISORS)
    finally:
        _DIVISORS = None


def _denominators(expr) -> list:
    import sympy

    out = []
    if isinstance(expr, list):
        for e in expr:
            out += _denominators(sympy.sympify(e))
        return out
    for p in expr.atoms(sympy.Pow):
        if p.exp.is_negative:
            out.append(p.base)
    if isinstance(expr, sympy.Expr) and not getattr(expr, "is_Matrix", False) and expr.is_commutative is not False:
        try:
            out.append(sympy.denom(sympy.together(expr)))
        except Exception:  # noqa: BLE001
            pass
    return out


def _nonzero_on_domain(f) -> bool:
    """Whether f is provably nonzero for every value of its symbols in their domains."""
    import sympy

    from hw7.checker.search import domain_of

    subs = {}
    for s in f.free_symbols:
        lo, inc, _ = domain_of(s)
        if lo is None:
            subs[s] = sympy.Dummy(s.name, real=True)
        elif lo == 0:
            subs[s] = sympy.Dummy(s.name, positive=True) if not inc else sympy.Dummy(s.name, nonnegative=True)
        else:
            subs[s] = lo + sympy.Dummy(s.name, nonnegative=True)
    g = f.xreplace(subs)
    if g.is_zero is False:
        return True
    try:
        return sympy.factor(g).is_zero is False
    except Exception:  # noqa: BLE001
        return False


def _vanishing_divisor(divs, ref_dens):
    """The first divisor factor that may be 0 on the domain and is not one of the derived
    answer's own denominators; None if every divisor is provably nonzero there."""
    import sympy

    for d in divs:
        if not isinstance(d, sympy.Expr) or not d.free_symbols:
            continue
        try:
            _, factors = sympy.factor_list(d)
        except Exception:  # noqa: BLE001
            factors = [(d, 1)]
        for f, _ in factors:
            if not f.free_symbols or _nonzero_on_domain(f):
                continue
            shared = False
            for r in ref_dens:
                if isinstance(r, sympy.Expr) and r.free_symbols:
                    try:
                        if not sympy.denom(sympy.cancel(r / f)).free_symbols:
                            shared = True
                            break
                    except Exception:  # noqa: BLE001
                        pass
            if not shared:
                return f
    return None


def _timed(v: Verdict, t0: float) -> Verdict:
    v.seconds = time.perf_counter() - t0
    return v


def judge_limited(entry, text, *, timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int = DEFAULT_MEMORY_MB) -> Verdict:
    """:func:`judge` in a forked child with a hard wall-clock limit and a memory limit.

    The parent kills the child at the deadline; whatever happens inside it (a
    timeout, exhausted memory, a crash), the result is one :class:`Verdict`.
    """
    entry = as_entry(entry)
    qid = entry.get("qid") or "?"
    # Import what the child needs before forking, so its clock is spent judging.
    import sympy  # noqa: F401

    from hw7.checker import read_plain  # noqa: F401

    kind = entry.get("check_kind")
    if kind in ("choice", "choices"):
        from hw7.checker import judge_choice  # noqa: F401
    elif kind == "matrix":
        from hw7.checker import judge_matrix  # noqa: F401
    elif kind == "bigo":
        from hw7.checker import judge_bigo  # noqa: F401
    else:
        from hw7.checker import judge_expr, judge_feature_map  # noqa: F401
    return run_limited(lambda e, t: judge(e, t), entry, text, qid=qid, timeout=timeout,
                       memory_mb=memory_mb)


# ----------------------------------------------------------------------------
# help for ``--show``


def describe(entry) -> list[str]:
    """Lines for ``hw7 check QID --show``: kind, symbols, domains, regime, an example."""
    entry = as_entry(entry)
    kind = entry["check_kind"]
    qid = entry.get("qid")
    lines = [f"{qid}: {entry.get('question') or ''} {entry.get('title') or ''}".rstrip(),
             f"answer kind: {kind}"]
    if kind in ("choice", "choices"):
        lines.append("options: " + "; ".join(map(str, entry.get("options") or [])))
        causes = (entry.get("data") or {}).get("causes") or []
        opts = [str(o) for o in entry["options"] if o not in causes]  # a cause is no answer
        example = opts[0] if kind == "choice" else ", ".join(opts[:2])
        lines.append(f"example: hw7 check {qid} '{example}'")
        lines.append("matching ignores case, spaces and punctuation, knows standard synonyms "
                     "(L2 loss = MSE, BN = batch normalization) and tolerates small typos; a "
                     "negated option ('not X', 'no X', 'X set to 0') is never chosen"
                     + ("; separate several options with commas" if kind == "choices" else ""))
        if causes:
            lines.append("the question asks for a correction: naming only the cause ("
                         + "; ".join(map(str, causes)) + ") is not judged (exit 2)")
        return lines
    syms = entry.get("symbols") or {}
    shapes = matrix_names(entry)
    data = entry.get("data") or {}
    if kind == "feature_map":
        kernel, dot = _kernel(entry)
        import sympy

        dim = int(data.get("feature_dim") or 2)
        lines.append(f"  x1, x2, …: the entries of the input vector x (real); D = the largest "
                     f"index you use, at least {dim} (x1..x{len(FEATURE_VARS)})")
        lines.append(f"correct: any list φ(x) with φ(q)ᵀφ(k) ≡ {sympy.sstr(kernel)} where "
                     f"{dot} = qᵀk — any order, the full or the compact map; proved by expanding "
                     "the difference in q1..qD, k1..kD; a wrong map is refuted with integer q, k")
    else:
        for name in scalar_symbols(entry):
            if kind == "matrix" and name in {d for s in shapes.values() for d in s}:
                continue
            if name.startswith(NORM2_PREFIX) and name not in syms:
                v = name[len(NORM2_PREFIX):]
                lines.append(f"  ‖{v}‖² (also {v}ᵀ{v}, Σ_i {v}_i², {name}): squared norm of the "
                             f"vector {v} ∈ R^{vector_symbols(entry).get(v, '?')}")
                continue
            lines.append(f"  {name}: {syms.get(name) or 'symbol'}")
        for name, (r, c) in shapes.items():
            desc = syms.get(name) or "matrix"
            lines.append(f"  {name}: {desc}" + ("" if f"{r}×{c}" in desc else f" ({r}×{c})"))
    if data.get("assume"):
        lines.append("assumed: " + ", ".join(f"{a} ≈ {b}" for a, b in data["assume"].items()))
    if data.get("domain"):
        lines.append("assumed: " + " and ".join(" ".join(map(str, c)) for c in data["domain"]))
    if kind == "bigo" and data.get("regime"):
        from hw7.checker.judge_bigo import regime_text

        lines.append(f"regime: {regime_text(data)} (the sequence is at least as long as the head "
                     "widths); complexities are compared as the sizes grow within it")
    if kind in ("expr", "vector"):
        lines.append("domain: " + _domain_text(entry) + "; 'correct' is a proof (symbolic, or an "
                     "exact identity test with its false-accept bound), otherwise a "
                     "counterexample or 'could not decide' (exit 2)")
    if kind == "expr" and data.get("shared_mean_form"):
        lines.append(f"vector mean μ ∈ R^{vector_symbols(entry).get('mu', 'd')}: answer in ‖μ‖² "
                     f"(expected {entry.get('expr')}), or with a shared mean μ (every coordinate "
                     f"μ): {data['shared_mean_form'].get('expr')}")
    lines.append(f"example of the syntax: hw7 check {qid} '{example_answer(entry)}'")
    lines.append("syntax: plain (+ - * / ^, sqrt max min abs), LaTeX (\\frac, \\sqrt, ^{}, \\cdot, "
                 "\\|x\\|) or Unicode (√ ² ᵀ ‖ · ×); implicit products such as 2d or ND; a label "
                 "like 's =' is dropped"
                 + (", O(...) optional" if kind == "bigo" else "")
                 + (", ᵀ / ^T / .T for transpose" if kind == "matrix" else "")
                 + ("; a list [a, b, c]" if kind in ("vector", "feature_map") else ""))
    return lines


def _domain_text(entry) -> str:
    from hw7.checker.read_plain import symbol
    from hw7.checker.search import domain_of

    parts = []
    for name in scalar_symbols(entry):
        lo, inc, integer = domain_of(symbol(name))
        if integer:
            parts.append(f"{name} integer ≥ {lo} (any size)")
        elif lo is None:
            parts.append(f"{name} real")
        else:
            parts.append(f"{name} {'≥' if inc else '>'} {lo}")
    return ", ".join(parts) if parts else "constants only"


def example_answer(entry) -> str:
    """An example in the expected syntax that is *not* the derived answer."""
    entry = as_entry(entry)
    kind = entry["check_kind"]
    if kind == "feature_map":
        for cand in ("[1, x1, x2, x1**2, x2**2, x1*x2]", "[1, x1, x2]"):
            if judge(entry, cand).status == "refuted":
                return cand
        return "[x1, x2]"
    if kind == "vector":
        n = len(_reference(entry).value)
        for start in (0, 7, 100):
            cand = "[" + ", ".join(str(start + i) for i in range(n)) + "]"
            if judge(entry, cand).status == "refuted":
                return cand
        return "[" + ", ".join(["-1"] * n) + "]"
    if kind == "matrix":
        from hw7.checker.judge_matrix import judge_matrix

        pr = _reference(entry)
        names = list(matrix_names(entry))
        cands = ["W1*X*X.T", "X*X.T*W1.T", "W2.T*X*X.T", "X*X.T*W2", "W1*X*X.T*W1.T",
                 "W2.T*W2", "X.T*X", "X*X.T"] + [f"{a}*{b}.T" for a in names for b in names]
        for c in cands:
            lead = c.split("*")[0]
            for variant in (f"{c} + lam*{lead}", c):
                try:
                    pa = parse(entry, variant)
                    if pa.shape == pr.shape and judge_matrix("?", entry, pa, pr).status == "refuted":
                        return variant
                except Exception:  # noqa: BLE001 - try the next template
                    continue
        return " + ".join(names)
    names = [n for n in scalar_symbols(entry) if not n.startswith(NORM2_PREFIX)]
    if kind == "bigo":
        vs = names or ["N"]
        return f"O({vs[0]}*{vs[-1]} + {vs[0]}**3)" if len(vs) > 1 else f"O({vs[0]}**3)"
    if not names:
        return "3/4"
    a = names[0]
    b = names[1] if len(names) > 1 else "2"
    for cand in (f"{a}**2/2 + sqrt({b})", f"{a}**3 + 2*{b}", f"exp({a}) + {b}**5"):
        if judge(entry, cand).status == "refuted":
            return cand
    return f"{a}**7 + 11"
