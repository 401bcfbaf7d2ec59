"""Variants of the homework: a TOML file that changes the problem, not the answers.

Course staff reuse these problems with changes. A variant file names the changes;
``hw7 answers --variant FILE`` derives the whole key for them and ``hw7 check
--variant FILE`` judges against that key. Nothing in a variant is an answer: it is
problem data (Q4's instance, Q5's kernel) or a convention (Q2's reconstruction term,
Q3's scaling), and every answer is derived from it.

Schema (every table and field optional; a missing one keeps the homework's value)::

    name = "degree-3"                 # names the variant in the key's header and meta
    description = "free text"
    [q2]
    convention = "sum"                # eq. (3) as printed, or "mean": 1/n on the
                                      # reconstruction term (σ_i: eigenvalues of XXᵀ/n)
    [q3]
    convention = "divide"             # the score is qᵀk/s, or "multiply": s·qᵀk
    [q4]
    keys = [[1, 2, 0], [0, 3, 4], [5, 0, 0], [0, 0, 1]]    # N×D integers
    values = [[2, 0, 1], [1, 4, 3], [0, -1, 4], [1, 0, -1]]  # N×M integers
    query = [1, 1, 2]                                      # D integers
    [q5]
    degree = 2                        # p ≥ 1 in sim(q, k) = (qᵀk + c)^p
    offset = 1                        # c ≥ 0

Any other key, a wrong shape, a non-numeric or out-of-range entry, a tie for the
largest argmax score, or unreadable TOML raises :class:`hw7core.errors.InputError`
with one line naming the problem (the CLI: ``hw7: error: …``, exit 2, nothing written).

Q4's entries are integers: the key claims exact scores and an exact output (float64
represents them exactly), and Q4(b) needs a unique winner (a strictly largest score).

>>> v = parse('name = "cubic"\\n[q5]\\ndegree = 3\\noffset = 1\\n')
>>> v.name, v.q5.degree, v.q5.offset, v.is_default
('cubic', 3, 1, False)
>>> parse(to_toml(v)) == v
True
>>> parse("[q5]\\ndegree = 0\\n")
Traceback (most recent call last):
...
hw7core.errors.InputError: variant: q5.degree must be at least 1, got 0
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from hw7core.errors import InputError

try:  # Python ≥ 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10 (pyproject: tomli there)
    import tomli as tomllib

__all__ = [
    "DEFAULT", "MAX_BYTES", "MAX_DEGREE", "for_run", "Q2Variant", "Q3Variant", "Q4Variant", "Q5Variant",
    "Variant", "active", "load", "parse", "to_toml",
]

MAX_BYTES = 64 * 1024          # a variant file is a few lines
MAX_DEGREE = 5                 # the key's full-map checks hold D^p entries: at p = 6 a
                               # build needed 24 GB (a tester's finding); p = 5 takes 1.8 GB
MAX_Q4 = {"N": 8, "D": 6, "M": 6}   # Q4(b) computes softmax limits and Jacobians symbolically
MAX_ENTRY = 10**6
MAX_OFFSET = 10**6

# The homework's Q4 instance (problem data, restored in the project notes)
HOMEWORK_KEYS = ((1, 2, 0), (0, 3, 4), (5, 0, 0), (0, 0, 1))
HOMEWORK_VALUES = ((2, 0, 1), (1, 4, 3), (0, -1, 4), (1, 0, -1))
HOMEWORK_QUERY = (1, 1, 2)


@dataclass(frozen=True)
class Q2Variant:
    """Q2's objective: ``"sum"`` (eq. (3) as printed) or ``"mean"`` (1/n on the
    reconstruction term; the σ_i are then the eigenvalues of XXᵀ/n)."""

    convention: str = "sum"


@dataclass(frozen=True)
class Q3Variant:
    """Q3(c)'s scaling: ``"divide"`` (score qᵀk/s) or ``"multiply"`` (score s·qᵀk)."""

    convention: str = "divide"


@dataclass(frozen=True)
class Q4Variant:
    """Q4's instance: keys (N×D), values (N×M), query (D), integer entries."""

    keys: tuple[tuple[int, ...], ...] = HOMEWORK_KEYS
    values: tuple[tuple[int, ...], ...] = HOMEWORK_VALUES
    query: tuple[int, ...] = HOMEWORK_QUERY


@dataclass(frozen=True)
class Q5Variant:
    """Q5's polynomial kernel sim(q, k) = (qᵀk + c)^p: degree p ≥ 1, offset c ≥ 0
    (an exact SymPy number: an integer or the decimal written in the file)."""

    degree: int = 2
    offset: sp.Rational = sp.Integer(1)


@dataclass(frozen=True)
class Variant:
    """A homework variant. ``source`` is the file it was read from (None: built in)."""

    name: str = "default"
    description: str = ""
    q2: Q2Variant = field(default_factory=Q2Variant)
    q3: Q3Variant = field(default_factory=Q3Variant)
    q4: Q4Variant = field(default_factory=Q4Variant)
    q5: Q5Variant = field(default_factory=Q5Variant)
    source: str | None = field(default=None, compare=False)

    def settings(self) -> dict:
        """The problem settings as plain JSON data (no name, description or source)."""
        off = self.q5.offset
        return {"q2": {"convention": self.q2.convention},
                "q3": {"convention": self.q3.convention},
                "q4": {"keys": [list(r) for r in self.q4.keys],
                       "values": [list(r) for r in self.q4.values],
                       "query": list(self.q4.query)},
                "q5": {"degree": self.q5.degree, "offset": sp.sstr(off)}}

    @property
    def digest(self) -> str:
        """SHA-256 (hex, 16 digits) of the canonical settings: equal settings, equal digest."""
        text = json.dumps(self.settings(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def is_default(self) -> bool:
        """True when the settings are the homework's own."""
        return self.settings() == DEFAULT.settings()

    def meta(self) -> dict:
        """What answers.json's meta records about the variant."""
        return {"name": self.name, "file": self.source, "digest": self.digest,
                "settings": self.settings()}


DEFAULT = Variant()


def active(ctx) -> Variant:
    """The variant a section works on: ``ctx.variant``, or the homework's defaults."""
    v = getattr(ctx, "variant", None)
    return DEFAULT if v is None else v


# ---------------------------------------------------------------- reading

def for_run(source) -> Variant | None:
    """The variant a run uses: ``source`` is None, a file's path or a :class:`Variant`;
    None (the homework) also for settings that are the homework's own
    (variants/default.toml), so that their key is the default key whatever the file's
    name. A file is read and validated by :func:`load` (InputError, one line)."""
    if source is None:
        return None
    v = source if isinstance(source, Variant) else load(source)
    return None if v.is_default else v


def load(path: str | Path) -> Variant:
    """Read and validate a variant file (InputError with one line on any problem)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read variant file {p}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"variant file {p} is larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")   # a byte-order mark (some editors write one) is dropped
    except UnicodeDecodeError:
        raise InputError(f"variant file {p} is not UTF-8 text") from None
    return parse(text, origin=str(p), default_name=p.stem)


def parse(text: str, *, origin: str = "variant", default_name: str = "variant") -> Variant:
    """Validate TOML text as a variant (see the module docstring for the schema)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{origin}: not valid TOML ({_one_line(exc)})") from None
    err = _Err(origin)
    _only(doc, {"name", "description", "q2", "q3", "q4", "q5"}, "", err)
    name = doc.get("name", default_name)
    if not isinstance(name, str) or not name.strip() or len(name) > 80 or "\n" in name:
        err("name must be a one-line string of 1–80 characters")
    if not all(ch.isalnum() or ch in " ._-+()," for ch in name):
        # the name goes into the key's Markdown and HTML headers and its file names
        err(f"name may hold letters, digits, spaces and . _ - + ( ) , only, got {name!r}"[:200])
    desc = doc.get("description", "")
    if not isinstance(desc, str) or len(desc) > 2000:
        err("description must be a string of at most 2000 characters")
    q2 = Q2Variant(_choice(_table(doc, "q2", {"convention"}, err), "q2.convention",
                           ("sum", "mean"), Q2Variant.convention, err))
    q3 = Q3Variant(_choice(_table(doc, "q3", {"convention"}, err), "q3.convention",
                           ("divide", "multiply"), Q3Variant.convention, err))
    q4 = _q4(_table(doc, "q4", {"keys", "values", "query"}, err), err)
    q5 = _q5(_table(doc, "q5", {"degree", "offset"}, err), err)
    return Variant(name=name.strip(), description=desc, q2=q2, q3=q3, q4=q4, q5=q5,
                   source=None if origin == "variant" else origin)


class _Err:
    def __init__(self, origin: str):
        self.origin = origin

    def __call__(self, msg: str):
        raise InputError(f"{self.origin}: {msg}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _only(table: dict, allowed: set, prefix: str, err: _Err) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        where = f" in [{prefix}]" if prefix else ""
        err(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f"{where}; allowed: {', '.join(sorted(allowed))}")


def _table(doc: dict, name: str, allowed: set, err: _Err) -> dict:
    t = doc.get(name, {})
    if not isinstance(t, dict):
        err(f"{name} must be a table ([{name}]), got {_kind(t)}")
    _only(t, allowed, name, err)
    return t


def _kind(x) -> str:
    return {bool: "a boolean", str: "a string", list: "an array", dict: "a table",
            float: "a float", int: "an integer"}.get(type(x), type(x).__name__)


def _choice(t: dict, where: str, options: tuple, default: str, err: _Err) -> str:
    v = t.get(where.split(".")[1], default)
    if v not in options:
        err(f"{where} must be one of {', '.join(map(repr, options))}, got {v!r}")
    return v


def _integer(x, where: str, err: _Err) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        err(f"{where} must be a number, got {_kind(x)} {x!r}"[:200])
    if isinstance(x, float):
        err(f"{where} must be an integer (Q4's scores and output are exact), got {x!r}")
    if abs(x) > MAX_ENTRY:
        err(f"{where} must be at most {MAX_ENTRY} in absolute value, got {x}")
    return int(x)


def _matrix(x, where: str, err: _Err, rows_max: int, cols_max: int) -> tuple:
    if not isinstance(x, list) or not x:
        err(f"{where} must be a non-empty array of rows, got {_kind(x)}")
    if len(x) > rows_max:
        err(f"{where} has {len(x)} rows; at most {rows_max} are supported")
    out = []
    for r, row in enumerate(x):
        if not isinstance(row, list) or not row:
            err(f"{where}[{r}] must be a non-empty array (a row), got {_kind(row)}")
        if len(row) != len(x[0]):
            err(f"{where} must be rectangular: row 0 has {len(x[0])} entries, "
                f"row {r} has {len(row)}")
        out.append(tuple(_integer(e, f"{where}[{r}][{c}]", err) for c, e in enumerate(row)))
    if len(out[0]) > cols_max:
        err(f"{where} has {len(out[0])} columns; at most {cols_max} are supported")
    return tuple(out)


def _q4(t: dict, err: _Err) -> Q4Variant:
    base = Q4Variant()
    given = [k for k in ("keys", "values", "query") if k in t]
    if given and len(given) < 3:
        # a partial instance would be completed from the printed homework without a word
        missing = [k for k in ("keys", "values", "query") if k not in t]
        err(f"q4 gives {', '.join(given)} but not {', '.join(missing)}: a Q4 instance "
            "needs keys, values and query together")
    keys = _matrix(t["keys"], "q4.keys", err, MAX_Q4["N"], MAX_Q4["D"]) if "keys" in t \
        else base.keys
    values = _matrix(t["values"], "q4.values", err, MAX_Q4["N"], MAX_Q4["M"]) \
        if "values" in t else base.values
    if "query" in t:
        q = t["query"]
        if not isinstance(q, list) or not q:
            err(f"q4.query must be a non-empty array of numbers, got {_kind(q)}")
        query = tuple(_integer(e, f"q4.query[{j}]", err) for j, e in enumerate(q))
    else:
        query = base.query
    n, d = len(keys), len(keys[0])
    if len(values) != n:
        err(f"q4.values has {len(values)} rows but q4.keys has {n}: one value per key")
    if len(query) != d:
        err(f"q4.query has {len(query)} entries but the keys have {d} columns")
    if n < 2:
        err("q4.keys needs at least 2 keys (argmax over one key is trivial)")
    scores = [sum(a * b for a, b in zip(k, query)) for k in keys]
    best = max(scores)
    tied = [j for j, s in enumerate(scores) if s == best]
    if len(tied) > 1:
        names = ", ".join(f"k{j + 1}" for j in tied)
        err(f"q4: keys {names} tie for the largest score qᵀk = {best}; the homework's argmax "
            "has no tie rule and Q4(b) needs a unique winner: change the query or the keys")
    return Q4Variant(keys=keys, values=values, query=query)


def _q5(t: dict, err: _Err) -> Q5Variant:
    p = t.get("degree", Q5Variant.degree)
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        err(f"q5.degree must be an integer, got {_kind(p)} {p!r}"[:200])
    if isinstance(p, float):
        err(f"q5.degree must be an integer, got {p!r}")
    if p < 1:
        err(f"q5.degree must be at least 1, got {p}")
    if p > MAX_DEGREE:
        err(f"q5.degree must be at most {MAX_DEGREE} (the full feature map has D^p entries), "
            f"got {p}")
    if p == 1:
        # φ = (√c, x): every multinomial weight is 1, so Q5(b)'s mutation (the map without
        # its weights) is the map itself and no check can refute it
        err("q5.degree must be at least 2: at p = 1 the kernel qᵀk + c is linear and its "
            "feature map (√c, x) has no weights for Q5(b) to check")
    c = t.get("offset", 1)
    if isinstance(c, bool) or not isinstance(c, (int, float)):
        err(f"q5.offset must be a number, got {_kind(c)} {c!r}"[:200])
    if isinstance(c, float) and not math.isfinite(c):
        err(f"q5.offset must be finite, got {c!r}")
    if c < 0:
        err(f"q5.offset must be ≥ 0 (the feature map has √c-weighted entries), got {c!r}")
    if c > MAX_OFFSET:
        err(f"q5.offset must be at most {MAX_OFFSET}, got {c!r}")
    if p % 2 == 1 and c < 1:
        # (qᵀk + c)^p with p odd is negative where qᵀk < −c: with c = 0 on half the inputs,
        # and below c = 1 often enough on the key's random q, k (|qᵀk| of order 1) that
        # eq. (6)'s normaliser is ≤ 0 or cancels and Q5(b)'s attention cannot be confirmed
        # (p = 5, c = 0.5 failed its checks)
        err(f"q5: an odd degree (p = {p}) needs an offset c ≥ 1, got {c!r}: (qᵀk + c)^{p} is "
            "negative where qᵀk < −c, and the key's confirmations need a positive normaliser")
    # the decimal as written (repr is the shortest string that reads back to the float)
    off = sp.Integer(c) if isinstance(c, int) else sp.Rational(repr(c))
    return Q5Variant(degree=int(p), offset=off)


# ---------------------------------------------------------------- writing

def to_toml(v: Variant) -> str:
    """The variant as TOML text that :func:`parse` reads back to an equal variant."""
    def num(x) -> str:
        return str(int(x)) if x == int(x) else repr(float(x))

    def arr(xs) -> str:
        return "[" + ", ".join(str(int(e)) for e in xs) + "]"

    def string(x: str) -> str:   # a TOML basic string (JSON escapes, plus DEL)
        return json.dumps(x, ensure_ascii=False).replace("\x7f", "\\u007f")

    lines = [f"name = {string(v.name)}"]
    if v.description:
        lines.append(f"description = {string(v.description)}")
    lines += ["", "[q2]", f'convention = "{v.q2.convention}"',
              "", "[q3]", f'convention = "{v.q3.convention}"',
              "", "[q4]",
              "keys = [" + ", ".join(arr(r) for r in v.q4.keys) + "]",
              "values = [" + ", ".join(arr(r) for r in v.q4.values) + "]",
              f"query = {arr(v.q4.query)}",
              "", "[q5]", f"degree = {v.q5.degree}", f"offset = {num(v.q5.offset)}", ""]
    return "\n".join(lines)
