"""Atomic file and directory writes: a failed run never leaves half-written output."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def _read_umask() -> int:
    # the only way to read it is to set it; done once, at import, before any threads write
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _publishable(path: str | os.PathLike, directory: bool = False) -> None:
    # mkstemp/mkdtemp create 0600/0700 entries; published files should get the
    # permissions an ordinary open()/mkdir() would give them under the user's umask
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


def write_text_atomic(path: str | os.PathLike, text: str, mode: int | None = None) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, then rename.

    ``mode``: the file's permission bits (default: what ``open()`` gives under the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if mode is None:
            _publishable(tmp)
        else:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _publishable(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike):
    """Yield a fresh staging directory; on success it replaces ``target`` whole.

    The staging folder is a sibling of ``target`` (same filesystem, so the final
    rename is atomic). On any exception the staging folder is removed and
    ``target`` is left exactly as it was.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    _publishable(stage, directory=True)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.parent / f".{target.name}.old-{os.getpid()}"
        if backup.exists():
            shutil.rmtree(backup)
        os.replace(target, backup)
    try:
        os.replace(stage, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
