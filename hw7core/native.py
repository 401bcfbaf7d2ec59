"""Build-on-first-use C kernels, loaded with ctypes (no Python C API, no torch headers).

A kernel source is compiled once per machine with the system C compiler into a cache
folder and reused afterwards; the file name carries a hash of the source, the compiler's
version, the flags and the CPU, so an edit, a new compiler or another machine (``-march=
native``) gets a fresh build. The library is written to a temporary file and renamed into
place, so concurrent first uses never load a half-written file.

Environment:

* ``HW7_NATIVE=0`` — never build or load native kernels (callers fall back to torch).
* ``CC`` — the compiler (default: ``cc``, then ``gcc``, then ``clang`` on PATH).
* ``HW7_CACHE_DIR`` — cache folder (default ``$XDG_CACHE_HOME/hw7-verify`` or
  ``~/.cache/hw7-verify``); ``native/`` inside it holds the libraries.

Trust: a library is loaded only from a folder and file that nobody but the current user
can change (the rule of :mod:`hw7core.private`, as ssh treats its keys: every folder on the
way owned by the user or root and not writable by others unless sticky; the cache folder
and the library owned by the user and not writable by group or others). Missing cache
folders are created with mode 0700. When the cache fails the rule (e.g. ``HW7_CACHE_DIR``
on a shared, world-writable folder, where anyone could plant a library under the predicted
name), nothing is loaded from it: the kernel is built in a fresh private temporary folder
for this process instead, with a one-line notice on stderr; if that fails too, :func:`load`
returns ``None`` (callers use the torch path). The compiler that is run must pass the same
folder rule.

Failures (no compiler, a compile error, an unwritable cache) are not errors here:
:func:`load` returns ``None`` and :func:`unavailable_reason` says why in one line.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from hw7core.private import (
    UntrustedPath,
    ensure_private_dir,
    untrusted_dir_reason,
    untrusted_file_reason,
)

_lock = threading.Lock()
_loaded: dict[str, ctypes.CDLL | None] = {}
_reasons: dict[str, str] = {}
_notices: dict[str, str] = {}   # why a library was built privately instead of cached

# -march=native: the library is built for, and cached per, the CPU it runs on
FLAGS = ("-O3", "-march=native", "-std=gnu11", "-shared", "-fPIC", "-Wall")
FALLBACK_FLAGS = ("-O3", "-std=gnu11", "-shared", "-fPIC", "-Wall")


def enabled() -> bool:
    return os.environ.get("HW7_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


def compiler() -> str | None:
    cc = os.environ.get("CC")
    if cc:
        return shutil.which(cc)
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _untrusted_program_reason(path: str) -> str | None:
    """Why the program at ``path`` must not be run (its folders fail the trust rule)."""
    for p in (os.path.abspath(path), os.path.realpath(path)):
        reason = untrusted_dir_reason(os.path.dirname(p))
        if reason:
            return reason
        st = os.stat(p)
        if st.st_uid not in (0, os.geteuid()) or st.st_mode & 0o022:
            return f"{p} is writable by group or others, or owned by another user"
    return None


def cache_dir() -> Path:
    root = os.environ.get("HW7_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "hw7-verify")
    return Path(root) / "native"


def _cpu_signature() -> str:
    sig = platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "flags", "Features")):
                sig += "|" + line
                if line.startswith(("flags", "Features")):
                    break
    return sig


def _compiler_version(cc: str) -> str:
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"cannot run the C compiler {cc}: {exc}") from exc
    return out.stdout.splitlines()[0] if out.stdout else cc


def library_name(source: str | os.PathLike, cc: str) -> str:
    """The cached library's file name: the source's stem and a hash of the source, the
    compiler's version, the flags and the CPU (anyone can predict it: hence the trust rule)."""
    source = Path(source)
    key = hashlib.sha256(b"\0".join([source.read_bytes(), _compiler_version(cc).encode(),
                                     " ".join(FLAGS).encode(),
                                     _cpu_signature().encode()])).hexdigest()[:16]
    return f"{source.stem}-{key}.so"


def _build(source: Path, cc: str, folder: Path) -> Path:
    """The library of ``source`` in the private ``folder``: the cached one if it passes the
    trust rule, else a fresh build (a cached file that fails the rule is never loaded)."""
    target = folder / library_name(source, cc)
    if os.path.lexists(target):
        reason = untrusted_file_reason(target)
        if reason is None:
            return target
        raise UntrustedPath(f"cached library not trusted: {reason}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        errors = ""
        for flags in (FLAGS, FALLBACK_FLAGS):   # a compiler without -march=native
            res = subprocess.run([cc, *flags, "-o", tmp, str(source)], capture_output=True,
                                 text=True, timeout=300)
            if res.returncode == 0:
                os.chmod(tmp, 0o700)                # private: only the user may change it
                os.replace(tmp, target)
                return target
            errors = (res.stderr or res.stdout).strip().splitlines()
        first = next((ln for ln in errors if "error" in ln), errors[0] if errors else "")
        raise RuntimeError(f"{Path(cc).name} could not compile {source.name}: {first}")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def load(source: str | os.PathLike) -> ctypes.CDLL | None:
    """The compiled library of ``source`` (built on first use), or None if unavailable.

    The result is remembered per ``source`` as given (pass an absolute path)."""
    name = os.fspath(source)
    lib = _loaded.get(name, False)     # the common case, without the lock
    if lib is not False:
        return lib
    source = Path(source)
    with _lock:
        if name in _loaded:
            return _loaded[name]
        lib = None
        try:
            if not enabled():
                raise RuntimeError("native kernels are disabled (HW7_NATIVE=0)")
            cc = compiler()
            if cc is None:
                raise RuntimeError("no C compiler found (set CC, or install gcc)")
            why = _untrusted_program_reason(cc)
            if why:
                raise RuntimeError(f"the C compiler {cc} is not trusted: {why}")
            lib = _load_trusted(source, cc)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            _reasons[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            lib = None
        _loaded[name] = lib
        return lib


def _load_trusted(source: Path, cc: str) -> ctypes.CDLL:
    """Load from the cache when it passes the trust rule; else build privately, with a notice."""
    try:
        folder = ensure_private_dir(cache_dir())
        return ctypes.CDLL(str(_build(source, cc, folder)))
    except UntrustedPath as exc:
        problem = str(exc)
    private = tempfile.mkdtemp(prefix="hw7-native-")          # 0700, owned by us
    try:
        why = untrusted_dir_reason(private)
        if why:
            raise RuntimeError(f"native cache not trusted ({problem}) and no private "
                               f"temporary folder ({why})")
        lib = ctypes.CDLL(str(_build(source, cc, Path(private))))
    finally:
        shutil.rmtree(private, ignore_errors=True)            # the mapping outlives the file
    sys.stderr.write(f"hw7: notice: not using the native cache ({problem}); built "
                     f"{source.name} in a private temporary folder instead\n")
    _notices[os.fspath(source)] = problem
    return lib


def unavailable_reason(source: str | os.PathLike) -> str | None:
    """Why :func:`load` returned None for ``source`` (None if it loaded or was not tried)."""
    return _reasons.get(os.fspath(source))


def forget(source: str | os.PathLike) -> None:
    """Drop the memo for ``source`` so the next :func:`load` tries again (tests)."""
    name = os.fspath(source)
    with _lock:
        _loaded.pop(name, None)
        _reasons.pop(name, None)
        _notices.pop(name, None)
