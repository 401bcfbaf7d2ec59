"""Derived reference entries shipped with the package: ``hw7 check`` derives nothing (issue 12).

``shipped_references.json`` beside this module holds, for every registered section, the
entry :func:`hw7.checker.references.derive_entry` returns (what ``hw7 check``
judges against; a section whose derivation fails is listed without an entry, and
derived at check time as before). It is **generated**, never typed::

    python -m hw7.checker.shipped          # rewrite shipped_references.json
    python -m hw7.checker.shipped --check  # exit 1 if it differs from a fresh derivation

It records :func:`sources_hash`, a SHA-256 over the package version and every
``.py`` file of ``hw7/``, ``hw7core/``, ``derivations/`` and ``numerics/``. When
the sources change, the file is *stale* and :func:`shipped` ignores it (the
checker then derives, through its cache) until it is regenerated — so a stale
file can cost time, never a wrong reference. ``proofs_tests/test_check_batch.py``
re-derives every entry and compares it with the file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path

from hw7.errors import UsageError

__all__ = ["PATH", "sources_hash", "shipped", "shipped_ids", "generate"]

PATH = Path(__file__).with_name("shipped_references.json")
_ROOT = Path(__file__).resolve().parents[2]
_TREES = ("hw7", "hw7core", "derivations", "numerics")


@lru_cache(maxsize=1)
def sources_hash() -> str:
    """SHA-256 (hex, 24 digits) of the version and the sources the entries come from."""
    from hw7 import __version__

    h = hashlib.sha256(__version__.encode())
    for sub in _TREES:
        base = _ROOT / sub
        if base.is_dir():
            for p in sorted(base.rglob("*.py")):
                h.update(p.relative_to(_ROOT).as_posix().encode() + b"\0")
                h.update(p.read_bytes())
                h.update(b"\0")
    return h.hexdigest()[:24]


@lru_cache(maxsize=1)
def _load() -> dict | None:
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
        if not (isinstance(data, dict) and isinstance(data.get("entries"), dict)
                and isinstance(data.get("ids"), list)):
            return None
        if data.get("sources") != sources_hash():
            return None  # stale: the sources changed since it was generated
        return data
    except (OSError, ValueError):
        return None


def shipped(qid: str) -> dict | None:
    """The shipped entry for ``qid`` (case-insensitive); None when the file is stale or
    missing; :class:`UsageError` (one line, the known ids) for an id no section has."""
    data = _load()
    if data is None:
        return None
    entries = data["entries"]
    q = qid.strip()
    for k in (q, q.lower()):
        if k in entries:
            return dict(entries[k])
    low = {k.lower(): k for k in data["ids"]}
    if q.lower() in low:
        e = entries.get(low[q.lower()])
        return None if e is None else dict(e)  # listed without an entry: derive it
    raise UsageError(f"unknown question id {q!r}; known ids: {', '.join(data['ids'])}")


def shipped_ids() -> list[str] | None:
    """The checkable ids (``hw7 list``'s ``[check]``), or None when the file is stale."""
    data = _load()
    return None if data is None else list(data.get("checkable", []))


def generate() -> dict:
    """Derive every registered section's entry (derive-only runs, no cache)."""
    from hw7.checker import judge
    from hw7.checker.references import derive_entry
    from hw7.registry import sections

    entries, ids, checkable = {}, [], []
    for sec in sections():
        ids.append(sec.qid)
        try:
            e = derive_entry(sec.qid)
        except Exception as exc:  # noqa: BLE001 - a broken section is not shipped, and said so
            print(f"hw7: {sec.qid} not shipped: {exc}", file=sys.stderr)
            continue
        entries[sec.qid] = e
        if judge.checkable(e):
            checkable.append(sec.qid)
    return {"generated_by": "python -m hw7.checker.shipped", "sources": sources_hash(),
            "ids": ids, "checkable": checkable, "entries": entries}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from hw7core.atomic import write_text_atomic

    ap = argparse.ArgumentParser(prog="python -m hw7.checker.shipped",
                                 description="regenerate (or --check) the shipped reference entries")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if shipped_references.json differs from a fresh derivation")
    args = ap.parse_args(argv)
    data = generate()
    # keys in the derivation's order, not sorted: readers may depend on it (the order of
    # data["vectors"] names the symbol of a dot product)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        ok = PATH.is_file() and PATH.read_text(encoding="utf-8") == text
        print(f"{PATH}: {'fresh' if ok else 'STALE: run python -m hw7.checker.shipped'}")
        return 0 if ok else 1
    write_text_atomic(PATH, text)
    print(f"wrote {PATH}: {len(data['entries'])} entries, {len(data['checkable'])} checkable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
