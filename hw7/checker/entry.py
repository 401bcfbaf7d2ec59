"""Answer-key entries as the judges see them, and reading both sides with the readers.

An entry is ``Answer.to_json()`` of a registered section (or a dict with the same
fields): ``check_kind``, ``expr``, ``symbols``, ``options``/``choices`` and the
``data`` fields in :data:`DATA_FIELDS`. Sits above the readers and below the judges'
dispatcher (:mod:`hw7.checker.judge`); imports no judge.

>>> e = as_entry({"qid": "q3c", "check_kind": "expr", "expr": "sqrt(d)", "symbols": {"d": "dim"}})
>>> parse(e, "d/sqrt(d)").value
sqrt(d)
"""

from __future__ import annotations

import inspect

from hw7.checker.verdict import KINDS, Unjudgeable

__all__ = ["CHECK_FIELDS", "DATA_FIELDS", "FEATURE_VARS", "NORM2_PREFIX", "as_entry",
           "domain_conditions", "field", "matrix_names", "parse", "parse_reference", "reference_expr",
           "scalar_symbols", "vector_symbols"]

CHECK_FIELDS = ("qid", "title", "question", "check_kind", "expr", "symbols", "options", "choices")
DATA_FIELDS = ("shapes", "bigo_vars", "assume", "domain", "regime", "vectors", "shared_mean_form",
               "kernel", "feature_dim", "causes")
FEATURE_VARS = tuple(f"x{i}" for i in range(1, 9))   # entries of a feature map: x1..x8
NORM2_PREFIX = "norm2_"                              # ‖μ‖² of a declared vector μ: norm2_mu
DOMAIN_OPS = ("<", "<=", ">", ">=")


def field(entry, name, default=None):
    if isinstance(entry, dict):
        return entry.get(name, default)
    return getattr(entry, name, default)


def as_entry(entry) -> dict:
    """The checkable fields of an entry (dict or Answer) as a plain dict."""
    if isinstance(entry, dict):
        d = {k: entry.get(k) for k in CHECK_FIELDS}
        data = entry.get("data") or {}
    else:
        d = {k: getattr(entry, k, None) for k in CHECK_FIELDS}
        data = getattr(entry, "data", None) or {}
    d["data"] = {k: data[k] for k in DATA_FIELDS if k in data}
    d["symbols"] = dict(d.get("symbols") or {})
    return d


def matrix_names(entry) -> dict:
    return dict((entry.get("data") or {}).get("shapes") or {})


def vector_symbols(entry) -> dict:
    """``data["vectors"]``: {name: dimension} of the vectors the question declares (μ ∈ R^d)."""
    return dict((entry.get("data") or {}).get("vectors") or {})


def scalar_symbols(entry) -> list[str]:
    kind = entry["check_kind"]
    names = list(entry.get("symbols") or {})
    if kind == "bigo":
        names = list(dict.fromkeys(names + list(entry["data"].get("bigo_vars") or [])))
    if kind == "matrix":
        mats = matrix_names(entry)
        names = [n for n in names if n not in mats]
    if kind == "feature_map":
        names = list(FEATURE_VARS)
    for v in vector_symbols(entry):  # ‖μ‖² where the question also has the scalar μ (Q3)
        if v in names and NORM2_PREFIX + v not in names:
            names.append(NORM2_PREFIX + v)
    return names


def _reader():
    from hw7.checker.read_plain import parse_answer

    return parse_answer


def label_target(entry) -> str | None:
    """What a gradient answer is the gradient with respect to (``q1b.grad_W1`` -> "W1"),
    so that a label ``∂L/∂W2 =`` on it is refused; None when the id does not say."""
    qid = str(entry.get("qid") or "")
    tail = qid.rsplit(".", 1)[-1]
    if entry.get("check_kind") == "matrix" and tail.startswith("grad_"):
        name = tail[len("grad_"):]
        if name in matrix_names(entry):
            return name
    return None


def parse(entry, text):
    """Read ``text`` for ``entry`` with the readers (never eval/sympify)."""
    from hw7.checker.read_plain import ParseError

    kind = entry["check_kind"]
    parse_answer = _reader()
    kw = {"kind": kind, "symbols": scalar_symbols(entry),
          "shapes": matrix_names(entry) if kind == "matrix" else None}
    try:
        params = inspect.signature(parse_answer).parameters
    except (TypeError, ValueError):
        params = {}
    if "vectors" in params and vector_symbols(entry):
        kw["vectors"] = vector_symbols(entry)
    target = label_target(entry)
    if "target" in params and target is not None:
        kw["target"] = target
    try:
        return parse_answer(text, **kw)
    except ParseError as exc:
        # readers without a feature-map kind: a feature map is a list of entries
        if kind == "feature_map" and "no parser" in str(exc):
            return parse_answer(text, **{**kw, "kind": "vector"})
        raise


_REF_CACHE: dict = {}
_REF_CACHE_MAX = 512


def parse_reference(entry, text):
    """:func:`parse` of a reference-side text (the key's ``expr``, a domain condition, a
    kernel), memoised per (entry, text): a batch judges many answers against one reference,
    and reading it again for each answer was a fifth of the batch's time. SymPy objects are
    immutable, so sharing the result is safe; a failure is not memoised (it raises again)."""
    import json

    try:
        key = (json.dumps(entry, sort_keys=True, default=str), text)
    except (TypeError, ValueError):
        return parse(entry, text)
    hit = _REF_CACHE.get(key)
    if hit is None:
        hit = parse(entry, text)
        if len(_REF_CACHE) >= _REF_CACHE_MAX:
            _REF_CACHE.clear()
        _REF_CACHE[key] = hit
    return hit


def reference_expr(entry):
    """The derived reference of an expression-like entry, read by the same readers."""
    kind = entry["check_kind"]
    if kind not in KINDS or kind in ("choice", "choices"):
        raise ValueError(f"no expression reference for kind {kind!r}")
    if not isinstance(entry.get("expr"), str) or not entry["expr"].strip():
        raise ValueError("entry has no expr")
    if kind == "matrix" and not matrix_names(entry):
        raise ValueError("matrix entry without data['shapes']")
    return parse_reference(entry, entry["expr"])


def domain_conditions(entry) -> list:
    """``data["domain"]``: conditions such as [["lam", "<", "sigma_i"]] under which the
    derived answer holds (the homework's "small λ"), read as (lhs, op, rhs)."""
    out = []
    for cond in (entry.get("data") or {}).get("domain") or []:
        if not (isinstance(cond, (list, tuple)) and len(cond) == 3 and cond[1] in DOMAIN_OPS):
            raise Unjudgeable(f"bad domain condition {cond!r} (want [lhs, '<', rhs])")
        lhs, rhs = (parse_reference({**entry, "check_kind": "expr"}, str(x)).value
                    for x in (cond[0], cond[2]))
        out.append((lhs, cond[1], rhs))
    return out
