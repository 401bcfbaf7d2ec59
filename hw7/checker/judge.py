"""Judge a student's answer against the toolkit's own derived answer (``hw7 check``, issue 7).

The reference is an answer-key entry (``Answer.to_json()`` of a registered
section, run derive-only). Its ``check_kind`` says how to compare:

* ``expr``    symbolic first (the difference expands, or ``simplify``s, to 0:
              correct); otherwise a counterexample is searched: a few small
              exact points, then Hypothesis (shrunk), each compared exactly or in
              30-digit arithmetic on rational inputs. A small point that separates
              the two is a proof, so ``simplify`` is skipped then. No
              counterexample after the search: "correct (numeric)", said so.
              Cheap hints ("off by a factor of d") come from the simplified ratio.
* ``matrix``  matrix expressions in X, W1, W2 (and lam): shapes are tracked,
              ``expand`` decides equality symbolically, and explicit integer
              matrices of the shapes in ``data["shapes"]`` give a counterexample
              (:mod:`hw7.checker.judge_matrix`).
* ``bigo``    Θ-equivalence for positive variables growing independently, after
              substituting ``data["assume"]`` such as {"M": "D"}; the
              counterexample is a direction of growth (:mod:`hw7.checker.judge_bigo`).
* ``vector``  entry-wise ``expr`` comparison.
* ``choice`` / ``choices``  case- and spelling-tolerant matching of the options
              (:mod:`hw7.checker.judge_choice`).

Answers are parsed only by :mod:`hw7.checker.read_plain`. :func:`judge_limited` runs the
judgement in a forked child with a hard wall-clock limit and a memory limit.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from hw7.errors import InputError, UsageError

KINDS = ("expr", "matrix", "bigo", "choice", "choices", "vector")
DEFAULT_TIMEOUT = 5.0        # seconds per check (wall clock, hard)
DEFAULT_MEMORY_MB = 1024     # extra address space the judging child may use
SEARCH_EXAMPLES = 150        # Hypothesis examples in a counterexample search
HINT_SECONDS = 1.0           # a hint is dropped rather than delay the verdict
REL_TOL = 1e-12              # exact inputs, 30-digit evaluation: differences above this are real
CHECK_FIELDS = ("qid", "title", "question", "check_kind", "expr", "symbols", "options", "choices")
DATA_FIELDS = ("shapes", "bigo_vars", "assume", "domain", "regime")
_DOMAIN_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
               ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


class Unjudgeable(InputError):
    """The answer could not be judged (one line)."""


@dataclass
class Verdict:
    """The outcome of one check.

    status: "correct", "refuted" or "unjudged"; exit code 0, 1, 2.
    message: one line for people.
    method: how it was decided ("symbolic", "numeric", "dominant terms", "option match", ...).
    counterexample: concrete values where the answers differ (refuted answers).
    hint: a cheap diagnosis ("off by a factor of d"), when one was found.
    parsed: the answer as the checker understood it.
    """

    qid: str
    status: str
    message: str
    method: str = ""
    counterexample: dict | None = None
    hint: str | None = None
    parsed: str | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"correct": 0, "refuted": 1}.get(self.status, 2)

    def line(self) -> str:
        """The one line ``hw7 check`` prints."""
        head = {"correct": "correct", "refuted": "refuted", "unjudged": "could not judge"}[self.status]
        out = f"{self.qid}: {head}: {self.message}"
        if self.counterexample and "text" in self.counterexample:
            out += f"; counterexample: {self.counterexample['text']}"
        if self.hint:
            out += f"; hint: {self.hint}"
        return " ".join(out.split())  # one line, whatever the parts contained

    def to_json(self) -> dict:
        return {**asdict(self), "exit_code": self.exit_code}


# ----------------------------------------------------------------------------
# reference entries


def _field(entry, name, default=None):
    if isinstance(entry, dict):
        return entry.get(name, default)
    return getattr(entry, name, default)


def uncheckable_reason(entry) -> str | None:
    """Why ``hw7 check`` cannot judge answers to this entry (dict or Answer); None if it can."""
    kind = _field(entry, "check_kind")
    if kind is None:
        return "the answer has no check_kind"
    if kind not in KINDS:
        return f"unknown check_kind {kind!r} (known: {', '.join(KINDS)})"
    try:
        _reference(_as_entry(entry))
    except Exception as exc:  # noqa: BLE001 - any failure means "not checkable"
        return f"its derived answer cannot be read: {exc}"
    return None


def checkable(entry) -> bool:
    """Whether ``hw7 check`` can judge answers to this entry (dict or Answer).

    True when the entry names a known ``check_kind``, carries what that kind
    needs, and its own reference answer parses with the whitelist parser.
    """
    return uncheckable_reason(entry) is None


def _as_entry(entry) -> dict:
    if isinstance(entry, dict):
        d = {k: entry.get(k) for k in CHECK_FIELDS}
        data = entry.get("data") or {}
    else:
        d = {k: getattr(entry, k, None) for k in CHECK_FIELDS}
        data = getattr(entry, "data", None) or {}
    d["data"] = {k: data[k] for k in DATA_FIELDS if k in data}
    d["symbols"] = dict(d.get("symbols") or {})
    return d


def _source_hash() -> str:
    """Hash of the package's Python sources: derivations change -> cache invalid."""
    from hw7 import __version__

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for sub in ("hw7", "derivations", "numerics"):
        base = root / sub
        if base.is_dir():
            for p in sorted(base.rglob("*.py")):
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:20]


def cache_dir() -> Path:
    env = os.environ.get("HW7_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "hw7-verify"


def _cache_path() -> Path | None:
    try:
        return cache_dir() / f"check-refs-{_source_hash()}.json"
    except OSError:  # unreadable sources: derive every time rather than trust a stale cache
        return None


def _load_cache(path: Path) -> dict:
    # trusted only from a folder and file nobody else can change (hw7core.private): a
    # planted cache would make the checker accept wrong answers
    from hw7core.private import open_private_file

    try:
        with open_private_file(path, "r") as fh:
            data = json.loads(fh.read())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _store_cache(path: Path, cache: dict) -> None:
    from hw7core.atomic import write_text_atomic
    from hw7core.private import ensure_private_dir

    try:
        ensure_private_dir(path.parent)   # created 0700; never written where others can
        write_text_atomic(path, json.dumps(cache, sort_keys=True), mode=0o600)
        for old in path.parent.glob("check-refs-*.json"):
            if old != path:
                old.unlink()
    except OSError:
        pass  # a cache is an optimisation; a read-only home must not break checks


def derive_entry(qid: str, variant=None) -> dict:
    """Run the registered section for ``qid`` derive-only; its checkable fields.

    ``variant``: a :class:`hw7.variants.Variant` to derive for (None: the homework).
    """
    from hw7.registry import Context, select

    secs = select(qid)
    if len(secs) != 1:
        ids = ", ".join(s.qid for s in secs)
        raise UsageError(f"{qid!r} has several answers ({ids}); check one of them")
    try:
        ans = secs[0].run(Context(numeric=False, quiet=True, figures_dir=None, variant=variant))
    except (UsageError, InputError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken section: one line, not a traceback
        raise UsageError(f"the derivation of {secs[0].qid} failed "
                         f"({type(exc).__name__}: {str(exc)[:200]})") from None
    return _as_entry(ans.to_json())


def reference_entry(qid: str, *, use_cache: bool = True, variant=None) -> dict:
    """The derived reference entry for ``qid``, from the cache when its sources are unchanged.

    The cache (under :func:`cache_dir`, keyed by package version and a hash of the
    source files) only holds what the derivations produced; it is written by
    this function, never by hand, and is parsed with the same whitelist parser
    as student answers. A variant's entries are cached under ``qid@<variant digest>``
    (the digest of its settings, :attr:`hw7.variants.Variant.digest`).
    """
    path = _cache_path() if use_cache else None
    cache = _load_cache(path) if path else {}
    key = qid.strip()
    tag = "" if variant is None else f"@{variant.digest}"
    for k in (key, key.lower()):
        if k + tag in cache:
            return cache[k + tag]
    entry = derive_entry(key, variant=variant)
    if path:
        cache[entry["qid"] + tag] = entry
        _store_cache(path, cache)
    return entry


def checkable_ids() -> list[str]:
    """The registered question ids ``hw7 check`` can judge (used by ``hw7 list``).

    Each section runs derive-only once per source version (cached); a section
    whose derivation fails is reported as not checkable rather than breaking the list.
    """
    from hw7.registry import Context, sections

    path = _cache_path()
    cache = _load_cache(path) if path else {}
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
            entry = _as_entry(ans.to_json())
            cache[sec.qid] = entry
            changed = True
        if checkable(entry):
            out.append(sec.qid)
    if changed and path:
        _store_cache(path, cache)
    return out


def entries_from_key(path: str | os.PathLike) -> dict[str, dict]:
    """Checkable entries of an answers.json written by ``hw7 answers``."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        answers = raw["answers"]
        if isinstance(answers, list):
            answers = {a["qid"]: a for a in answers}
        return {q: _as_entry({**a, "qid": a.get("qid", q)}) for q, a in answers.items()}
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} is not an answers.json written by 'hw7 answers'") from None


# ----------------------------------------------------------------------------
# parsing both sides


def _matrix_names(entry) -> dict:
    return dict((entry.get("data") or {}).get("shapes") or {})


def _scalar_symbols(entry) -> list[str]:
    kind = entry["check_kind"]
    names = list(entry.get("symbols") or {})
    if kind == "bigo":
        names = list(dict.fromkeys(names + list(entry["data"].get("bigo_vars") or [])))
    if kind == "matrix":
        mats = _matrix_names(entry)
        names = [n for n in names if n not in mats]
    return names


def _parse(entry, text):
    from hw7.checker.read_plain import parse_answer

    kind = entry["check_kind"]
    return parse_answer(text, kind=kind, symbols=_scalar_symbols(entry),
                        shapes=_matrix_names(entry) if kind == "matrix" else None)


def _reference(entry):
    """The reference, parsed by the same whitelist parser (it fails loudly if bad)."""
    kind = entry["check_kind"]
    if kind in ("choice", "choices"):
        opts, chosen = entry.get("options"), entry.get("choices")
        if not opts or not isinstance(opts, list) or not isinstance(chosen, list):
            raise ValueError("choice entry without options/choices")
        if kind == "choice" and len(chosen) != 1:
            raise ValueError("single-choice entry must select exactly one option")
        from hw7.checker.judge_choice import match_option

        return [match_option(c, opts, strict=True) for c in chosen]
    if not isinstance(entry.get("expr"), str) or not entry["expr"].strip():
        raise ValueError("entry has no expr")
    if kind == "matrix" and not _matrix_names(entry):
        raise ValueError("matrix entry without data['shapes']")
    return _parse(entry, entry["expr"])


def _domain(entry) -> list:
    """``data["domain"]``: conditions such as [["lam", "<", "sigma_i"]] under which the
    derived answer holds (the homework's "small λ"); counterexamples are sought inside."""
    out = []
    for cond in (entry.get("data") or {}).get("domain") or []:
        if not (isinstance(cond, (list, tuple)) and len(cond) == 3 and cond[1] in _DOMAIN_OPS):
            raise ValueError(f"bad domain condition {cond!r} (want [lhs, '<', rhs])")
        lhs, rhs = (_parse({**entry, "check_kind": "expr"}, str(x)).value for x in (cond[0], cond[2]))
        out.append((lhs, cond[1], rhs))
    return out


def _in_domain(domain, vals) -> bool:
    for lhs, op, rhs in domain:
        a, b = _num(lhs, vals), _num(rhs, vals)
        if a is None or b is None or not _DOMAIN_OPS[op](a, b):
            return False
    return True


def _domain_text(domain) -> str:
    import sympy

    return " and ".join(f"{sympy.sstr(a)} {op} {sympy.sstr(b)}" for a, op, b in domain)


# ----------------------------------------------------------------------------
# numeric evaluation at exact points


def _num(expr, vals: dict):
    """30-digit value of ``expr`` at exact ``vals`` or None where undefined."""
    import sympy

    v = expr.xreplace(vals) if hasattr(expr, "xreplace") else expr
    if v.is_Rational:  # exact: polynomials and ratios of them at rational points
        return v
    v = sympy.N(v, 30)
    if v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or not v.is_number:
        return None
    return v


def _differ(a, b) -> bool:
    import sympy

    if a.is_Rational and b.is_Rational:
        return a != b
    scale = max(1, abs(a), abs(b))
    return bool(abs(sympy.N(a - b, 30)) > REL_TOL * scale)


def _value_strategy(sym):
    from hypothesis import strategies as st

    if sym.is_positive:
        return st.one_of(st.integers(1, 30), st.fractions(Fraction(1, 10), 30, max_denominator=10))
    return st.one_of(st.integers(-10, 10), st.fractions(-10, 10, max_denominator=10))


def _find(strategy, condition, n=SEARCH_EXAMPLES):
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample

    # no "explain" phase: it re-runs the condition hundreds of times for a report we do not print
    s = settings(max_examples=n, database=None, derandomize=True, deadline=None,
                 phases=[Phase.explicit, Phase.generate, Phase.shrink],
                 suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    try:
        return find(strategy, condition, settings=s)
    except NoSuchExample:
        return None


def _fmt(v) -> str:
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


def _simple_points(syms):
    """Small exact points (1, 2, 3; and 0, -1 for real symbols), smallest first."""
    import itertools

    import sympy

    pools = [(1, 2, 3) if s.is_positive else (1, 0, -1, 2) for s in syms]
    pts = sorted(itertools.product(*pools),
                 key=lambda p: (sum(abs(x) for x in p), tuple(abs(x) for x in p), tuple(-x for x in p)))
    for p in pts[:64]:
        yield {s: sympy.Integer(x) for s, x in zip(syms, p)}


def _scalar_counterexample(ans, ref, syms, *, search: bool = True, domain=()):
    """Symbol values where ans and ref differ, or None.

    First a few small exact points (cheap, and the counterexample is then simple);
    then, with ``search``, a Hypothesis search (shrunk to a small example).
    """
    import sympy
    from hypothesis import strategies as st

    syms = sorted(syms, key=lambda s: s.name)

    def differs_at(vals):
        if domain and not _in_domain(domain, vals):
            return False
        a, b = _num(ans, vals), _num(ref, vals)
        return a is not None and b is not None and _differ(a, b)

    def found(vals):
        return {s.name: vals[s] for s in syms}, _num(ans, vals), _num(ref, vals)

    for vals in _simple_points(syms):
        if differs_at(vals):
            return found(vals)
    if not search or not syms:
        return None
    strat = st.fixed_dictionaries({s.name: _value_strategy(s) for s in syms})
    by_name = {s.name: s for s in syms}

    def vals_of(ex):
        return {by_name[k]: sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction)
                else sympy.Integer(v) for k, v in ex.items()}

    ex = _find(strat, lambda ex: differs_at(vals_of(ex)))
    return None if ex is None else found(vals_of(ex))


class _OutOfTime(BaseException):
    """Raised by the alarm in :func:`_time_boxed` (a BaseException: SymPy's own
    ``except Exception`` clauses must not swallow it)."""


def _time_boxed(fn, seconds: float):
    """``fn()``, or None when it takes longer than ``seconds`` (hints are optional).

    Uses SIGALRM where it can (main thread, POSIX); elsewhere runs ``fn`` unbounded,
    still inside :func:`judge_limited`'s hard limit.
    """
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn()

    def on_alarm(signum, frame):
        raise _OutOfTime

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    except _OutOfTime:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _factor_hint(ans, ref, syms) -> str | None:
    """Cheap diagnosis: a constant or monomial factor, a sign, or a term that vanishes at 0."""
    import sympy

    try:
        if ref != 0:
            r = sympy.simplify(ans / ref)
            if r.is_Number:
                if r == -1:
                    return "the sign is wrong"
                return f"off by a constant factor: yours = {sympy.sstr(r)} × expected"
            monomial = all((b.is_Symbol or b.is_Number) and e.is_Rational
                           for b, e in r.as_powers_dict().items())
            if r.free_symbols and monomial and sympy.count_ops(r) <= 4:
                return f"off by a factor of {sympy.sstr(r)}"
        for s in sorted(syms, key=lambda s: s.name):
            zero = {s: sympy.Integer(0)}
            a0, r0 = ans.xreplace(zero), ref.xreplace(zero)
            if a0.has(s) or r0.has(s) or (a0 == 0 and r0 == 0):
                continue
            try:
                d0 = sympy.simplify(a0 - r0)
            except Exception:  # noqa: BLE001 - hints are optional
                continue
            if d0 == 0 and len(syms) > 1:
                return f"agrees when {s.name} = 0: look at the terms involving {s.name}"
    except Exception:  # noqa: BLE001 - a hint is never worth a failed check
        return None
    return None


def _judge_scalar(qid, ans, ref, *, parsed_text, reveal=True, domain=()) -> Verdict:
    import sympy

    syms = (ans.free_symbols | ref.free_symbols)
    for lhs, _, rhs in domain:
        syms |= lhs.free_symbols | rhs.free_symbols
    where = f" where {_domain_text(domain)}" if domain else ""

    def correct(method, how="is equivalent to the derived answer"):
        return Verdict(qid, "correct", f"{parsed_text} {how}", method, parsed=parsed_text)

    # 1. structural equality, 2. small exact points (a difference there is a proof, and
    # cheap even where expanding would not be, e.g. (d + sigma + mu + 1)**64),
    # 3. expand / simplify, 4. Hypothesis
    diff = ans - ref
    if diff == 0:
        return correct("symbolic")
    found = _scalar_counterexample(ans, ref, syms, search=False, domain=domain)
    if found is None:
        if sympy.expand(diff) == 0 or sympy.simplify(diff) == 0:
            return correct("symbolic")
        found = _scalar_counterexample(ans, ref, syms, domain=domain)
    if found is None:
        return correct("numeric", f"agrees with the derived answer{where} at {SEARCH_EXAMPLES} "
                                  "generated points (SymPy could not simplify the difference to 0)")
    vals, a, b = found
    at = ", ".join(f"{k} = {_fmt(v)}" for k, v in vals.items())
    text = (f"at {at}: yours = {_fmt(a)}, expected {_fmt(b)}" if reveal and at
            else f"yours = {_fmt(a)}, expected {_fmt(b)}" if reveal
            else f"at {at} the values differ")
    ce = {"values": {k: str(v) for k, v in vals.items()}, "yours": _fmt(a), "text": text}
    if reveal:
        ce["expected"] = _fmt(b)
    hint = _time_boxed(lambda: _factor_hint(ans, ref, syms), HINT_SECONDS) if syms else None
    return Verdict(qid, "refuted", f"{parsed_text} is not equivalent to the derived answer{where}",
                   "numeric counterexample", counterexample=ce, hint=hint, parsed=parsed_text)


# ----------------------------------------------------------------------------
# dispatch


def judge(entry, text) -> Verdict:
    """Judge ``text`` against ``entry`` in this process (no time/memory limit)."""
    import sympy

    from hw7.checker.read_plain import ParseError, ShapeError

    entry = _as_entry(entry)
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
            except ParseError as exc:
                raise UsageError(f"the derived answer for {qid} could not be read: {exc}") from None
            try:
                pa = _parse(entry, text)
            except ShapeError as exc:  # readable, and certainly not the answer
                return _timed(Verdict(qid, "refuted", f"the answer is not a valid matrix expression: "
                                      f"{exc}", "shape"), t0)
            if kind == "matrix":
                from hw7.checker.judge_matrix import judge_matrix

                v = judge_matrix(qid, entry, pa, pr)
            elif kind == "bigo":
                from hw7.checker.judge_bigo import judge_bigo

                v = judge_bigo(qid, entry, pa, pr)
            elif kind == "vector":
                v = _judge_vector(qid, pa, pr)
            else:
                try:
                    domain = _domain(entry)
                except (ValueError, InputError) as exc:
                    raise UsageError(f"the domain of {qid} could not be read: {exc}") from None
                v = _judge_scalar(qid, pa.value, pr.value, parsed_text=sympy.sstr(pa.value),
                                  reveal=bool(pr.value.free_symbols), domain=domain)
    except (InputError, UsageError) as exc:
        v = Verdict(qid, "unjudged", str(exc))
    except (RecursionError, MemoryError, OverflowError):
        v = Verdict(qid, "unjudged", "the answer is too large to judge")
    v.seconds = time.perf_counter() - t0
    return v


def _timed(v: Verdict, t0: float) -> Verdict:
    v.seconds = time.perf_counter() - t0
    return v


def _judge_vector(qid, pa, pr) -> Verdict:
    import sympy

    a, r = pa.value, pr.value
    text = sympy.sstr(a)
    if len(a) != len(r):
        return Verdict(qid, "refuted", f"{text} has {len(a)} entries; the derived answer has {len(r)}",
                       "length", parsed=text)
    wrong = []
    for i, (x, y) in enumerate(zip(a, r), start=1):
        # entries are SymPy objects already (hw7.checker.read_plain builds them node by node)
        v = _judge_scalar(qid, x, y, parsed_text=sympy.sstr(x),
                          reveal=False)
        if v.status != "correct":
            wrong.append(i)
    if not wrong:
        return Verdict(qid, "correct", f"{text} is the derived answer", "entry-wise", parsed=text)
    which = ", ".join(map(str, wrong))
    return Verdict(qid, "refuted", f"{text} is not the derived answer", "entry-wise",
                   counterexample={"wrong_entries": wrong,
                                   "text": f"entr{'ies' if len(wrong) > 1 else 'y'} {which} differ{'' if len(wrong) > 1 else 's'}"},
                   parsed=text)


def _limit_child(timeout: float, memory_mb: int) -> None:
    import resource
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    cpu = int(timeout) + 2
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError):
        pass
    try:
        with open("/proc/self/statm") as fh:
            vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = vm + memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass


def judge_limited(entry, text, *, timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int = DEFAULT_MEMORY_MB) -> Verdict:
    """:func:`judge` in a forked child with a hard wall-clock limit and a memory limit.

    The parent kills the child at the deadline; whatever happens inside it (a
    timeout, exhausted memory, a crash), the result is one :class:`Verdict`.
    """
    import select
    import signal

    entry = _as_entry(entry)
    qid = entry.get("qid") or "?"
    if not hasattr(os, "fork"):  # pragma: no cover - non-POSIX: judge without isolation
        return judge(entry, text)
    t0 = time.perf_counter()
    # Import what the child needs before forking, so its clock is spent judging.
    import hypothesis  # noqa: F401
    import sympy  # noqa: F401

    from hw7.checker import read_plain  # noqa: F401

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(r)
            _limit_child(timeout, memory_mb)
            try:
                v = judge(entry, text)
            except MemoryError:
                v = Verdict(qid, "unjudged", f"the answer needs more than {memory_mb} MB to judge")
            data = json.dumps(v.to_json(), default=str).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(w, view):]
        except BaseException:  # noqa: BLE001 - the child must never escape into the caller
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + timeout, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - t0
    if timed_out:
        return Verdict(qid, "unjudged", f"the check took longer than {timeout:g} s (timed out)",
                       seconds=seconds)
    try:
        d = json.loads(b"".join(chunks).decode())
        d.pop("exit_code", None)
        v = Verdict(**d)
    except (ValueError, TypeError):
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        why = ("it ran out of CPU time" if sig == signal.SIGXCPU
               else "it exceeded the memory limit" if sig in (signal.SIGSEGV, signal.SIGKILL)
               else "the judging process failed")
        v = Verdict(qid, "unjudged", f"the answer could not be judged: {why}")
    v.seconds = seconds
    return v


# ----------------------------------------------------------------------------
# help for ``--show``


def describe(entry) -> list[str]:
    """Lines for ``hw7 check QID --show``: kind, symbols, and an example of the syntax."""
    entry = _as_entry(entry)
    kind = entry["check_kind"]
    qid = entry.get("qid")
    lines = [f"{qid}: {entry.get('question') or ''} {entry.get('title') or ''}".rstrip(),
             f"answer kind: {kind}"]
    if kind in ("choice", "choices"):
        lines.append("options: " + "; ".join(map(str, entry.get("options") or [])))
        opts = [str(o) for o in entry["options"]]
        example = opts[0] if kind == "choice" else ", ".join(opts[:2])
        lines.append(f"example: hw7 check {qid} '{example}'")
        lines.append("matching ignores case, spaces and punctuation and tolerates small typos"
                     + ("; separate several options with commas" if kind == "choices" else ""))
        return lines
    syms = entry.get("symbols") or {}
    shapes = _matrix_names(entry)
    for name in _scalar_symbols(entry):
        if kind == "matrix" and name in {d for s in shapes.values() for d in s}:
            continue
        lines.append(f"  {name}: {syms.get(name) or 'symbol'}")
    for name, (r, c) in shapes.items():
        desc = syms.get(name) or "matrix"
        lines.append(f"  {name}: {desc}" + ("" if f"{r}×{c}" in desc else f" ({r}×{c})"))
    data = entry.get("data") or {}
    if data.get("assume"):
        lines.append("assumed: " + ", ".join(f"{a} ≈ {b}" for a, b in data["assume"].items()))
    if data.get("domain"):
        lines.append("assumed: " + " and ".join(" ".join(map(str, c)) for c in data["domain"]))
    lines.append(f"example of the syntax: hw7 check {qid} '{example_answer(entry)}'")
    lines.append("syntax: + - * / ** (or ^), parentheses, sqrt exp log max min abs"
                 + (", O(...) optional" if kind == "bigo" else "")
                 + (", .T for transpose, * or @ for products" if kind == "matrix" else "")
                 + ("; a list [a, b, c]" if kind == "vector" else ""))
    return lines


def example_answer(entry) -> str:
    """An example in the expected syntax that is *not* the derived answer."""
    entry = _as_entry(entry)
    kind = entry["check_kind"]
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
        names = list(_matrix_names(entry))
        cands = ["W1*X*X.T", "X*X.T*W1.T", "W2.T*X*X.T", "X*X.T*W2", "W1*X*X.T*W1.T",
                 "W2.T*W2", "X.T*X", "X*X.T"] + [f"{a}*{b}.T" for a in names for b in names]
        for c in cands:
            lead = c.split("*")[0]
            for variant in (f"{c} + lam*{lead}", c):
                try:
                    pa = _parse(entry, variant)
                    if pa.shape == pr.shape and judge_matrix("?", entry, pa, pr).status == "refuted":
                        return variant
                except Exception:  # noqa: BLE001 - try the next template
                    continue
        return " + ".join(names)
    names = _scalar_symbols(entry)
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
