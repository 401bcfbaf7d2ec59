"""Trust checks for files the toolkit loads or executes from a user, cache or temp path.

The rule is the one ssh applies to its keys (``StrictModes``): a file is trusted only if it
sits in a folder that nobody but the current user can change, and is itself owned by the
user and not writable by group or others. Concretely:

* every folder on the way to it (each component of the path as given *and* of its
  resolved real path) is owned by the user or by root, and is not writable by group or
  others unless it has the sticky bit (like ``/tmp``: others cannot rename or delete
  entries they do not own there);
* the folder that holds the file is owned by the user and not writable by group or others
  at all (a sticky, world-writable folder would let anyone *create* the predicted name);
* the file is a regular file (not a symbolic link), owned by the user, not writable by
  group or others.

"The user" is the effective uid. The checks read ownership and mode bits only, so they mean
the same when running as root (who bypasses permission checks but not these).

Example::

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()            # mkdtemp creates a 0700 folder owned by us
    >>> untrusted_dir_reason(d) is None
    True
    >>> os.chmod(d, 0o777)
    >>> untrusted_dir_reason(d).endswith("is writable by group or others")
    True
    >>> os.rmdir(d)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["untrusted_dir_reason", "untrusted_file_reason", "ensure_private_dir",
           "open_private_file", "UntrustedPath"]


class UntrustedPath(OSError):
    """A path the toolkit must not load from or build into; the message is one line."""


def _prefixes(path: str) -> list[str]:
    parts = Path(path).parts
    return [os.path.join(*parts[: i + 1]) for i in range(len(parts))]


def _component_reason(p: str, *, final: bool) -> str | None:
    try:
        st = os.stat(p)
    except OSError as exc:
        return f"{p} cannot be inspected ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return f"{p} is not a folder"
    me = os.geteuid()
    if final:
        if st.st_uid != me:
            return f"{p} is owned by uid {st.st_uid}, not by the current user (uid {me})"
        if st.st_mode & 0o022:
            return f"{p} is writable by group or others"
        return None
    if st.st_uid not in (me, 0):
        return f"{p} is owned by uid {st.st_uid}, neither root nor the current user (uid {me})"
    if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        return f"{p} is writable by group or others"
    return None


def untrusted_dir_reason(path: str | os.PathLike) -> str | None:
    """None if ``path`` is a folder only the current user can change; else one line why.

    Checks every component of the absolute path as given and of its resolved real path
    (see the module docstring for the rule)."""
    given = os.path.abspath(os.fspath(path))
    real = os.path.realpath(given)
    for chain in (_prefixes(given), _prefixes(real)):
        for i, p in enumerate(chain):
            reason = _component_reason(p, final=i == len(chain) - 1)
            if reason:
                return reason
    return None


def _file_stat_reason(st: os.stat_result, path: str) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return f"{path} is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file"
    if st.st_uid != os.geteuid():
        return f"{path} is owned by uid {st.st_uid}, not by the current user (uid {os.geteuid()})"
    if st.st_mode & 0o022:
        return f"{path} is writable by group or others"
    return None


def untrusted_file_reason(path: str | os.PathLike) -> str | None:
    """None if ``path`` is a regular file the toolkit may load (the rule above); else why."""
    path = os.path.abspath(os.fspath(path))
    reason = untrusted_dir_reason(os.path.dirname(path))
    if reason:
        return reason
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"{path} cannot be inspected ({exc.strerror or exc})"
    return _file_stat_reason(st, path)


def ensure_private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (missing components with mode 0700) and check it is private.

    Raises :class:`UntrustedPath` (one line) when the folder, or a folder above it, could
    be changed by someone else; existing folders' modes are never changed."""
    path = Path(os.path.abspath(os.fspath(path)))
    missing = []
    p = path
    while not os.path.lexists(p) and p != p.parent:
        missing.append(p)
        p = p.parent
    for q in reversed(missing):
        try:
            os.mkdir(q, 0o700)
        except FileExistsError:
            pass
    reason = untrusted_dir_reason(path)
    if reason:
        raise UntrustedPath(reason)
    return path


def open_private_file(path: str | os.PathLike, mode: str = "rb"):
    """Open ``path`` for reading only if it passes :func:`untrusted_file_reason`.

    The file is opened without following a final symbolic link and re-checked on the open
    descriptor, so it cannot be swapped between the check and the read."""
    path = os.path.abspath(os.fspath(path))
    reason = untrusted_dir_reason(os.path.dirname(path))
    if reason:
        raise UntrustedPath(reason)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        reason = _file_stat_reason(os.fstat(fd), path)
        if reason:
            raise UntrustedPath(reason)
        return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))
    except BaseException:
        os.close(fd)
        raise
