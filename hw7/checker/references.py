"""Derived reference entries for ``hw7 check``: run a section derive-only, cache the result.

The cache (under :func:`cache_dir`, keyed by package version and a hash of the source
files) only holds what the derivations produced; it is written here, never by hand, and
is read with the same whitelist readers as student answers. Imports no judge.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from hw7.checker.entry import as_entry
from hw7.errors import InputError, UsageError

__all__ = ["cache_dir", "cache_path", "derive_entry", "entries_from_key", "load_cache",
           "reference_entry", "store_cache"]


def _source_hash() -> str:
    """Hash of the package's Python sources: derivations change -> cache invalid."""
    from hw7 import __version__

    root = Path(__file__).resolve().parent.parent.parent
    h = hashlib.sha256(__version__.encode())
    for sub in ("hw7", "hw7core", "derivations", "numerics"):
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


def cache_path() -> Path | None:
    try:
        return cache_dir() / f"check-refs-{_source_hash()}.json"
    except OSError:  # unreadable sources: derive every time rather than trust a stale cache
        return None


def load_cache(path: Path) -> dict:
    # trusted only from a folder and file nobody else can change (hw7core.private): a
    # planted cache would make the checker accept wrong answers
    from hw7core.private import open_private_file

    try:
        with open_private_file(path, "r") as fh:
            data = json.loads(fh.read())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def store_cache(path: Path, cache: dict) -> None:
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
    return as_entry(ans.to_json())


def reference_entry(qid: str, *, use_cache: bool = True, variant=None) -> dict:
    """The derived reference entry for ``qid``, from the cache when its sources are unchanged.

    A variant's entries are cached under ``qid@<variant digest>`` (the digest of its
    settings, :attr:`hw7.variants.Variant.digest`).
    """
    path = cache_path() if use_cache else None
    cache = load_cache(path) if path else {}
    key = qid.strip()
    tag = "" if variant is None else f"@{variant.digest}"
    for k in (key, key.lower()):
        if k + tag in cache:
            return cache[k + tag]
    entry = derive_entry(key, variant=variant)
    if path:
        cache[entry["qid"] + tag] = entry
        store_cache(path, cache)
    return entry


def entries_from_key(path: str | os.PathLike) -> dict[str, dict]:
    """Checkable entries of an answers.json written by ``hw7 answers``."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        answers = raw["answers"]
        if isinstance(answers, list):
            answers = {a["qid"]: a for a in answers}
        return {q: as_entry({**a, "qid": a.get("qid", q)}) for q, a in answers.items()}
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} is not an answers.json written by 'hw7 answers'") from None
