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

Usable: a trusted library is used only if it loads and exports what the caller needs
(``symbols``) and the ABI it declares (``abi``; by default read from the source: a
definition ``long NAME_abi(void) { return N; }`` requires ``NAME_abi()`` to return N).
A cached library that fails to load or to pass that check (a stale or foreign build under
the predicted name, a truncated file) is never used: it is rebuilt in place (only that
cache file, ours by the trust rule, is replaced) and, if that does not help, built in a
private temporary folder; each with a one-line notice on stderr. If nothing usable results,
:func:`load` returns ``None`` (the caller's torch path), never a traceback.

Failures (no compiler, a compile error, an unwritable cache) are not errors here:
:func:`load` returns ``None`` and :func:`unavailable_reason` says why in one line.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
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


def _build(source: Path, cc: str, folder: Path, *, replace: bool = False) -> Path:
    """The library of ``source`` in the private ``folder``: the cached one if it passes the
    trust rule, else a fresh build (a cached file that fails the rule is never loaded).
    ``replace``: build afresh and replace the cached file (it passed the trust rule: it is
    ours), e.g. because it could not be used."""
    target = folder / library_name(source, cc)
    if os.path.lexists(target):
        reason = untrusted_file_reason(target)
        if reason is not None:
            raise UntrustedPath(f"cached library not trusted: {reason}")
        if not replace:
            return target
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


_ABI_RE = re.compile(r"^\s*long\s+(\w+_abi)\s*\(\s*void\s*\)\s*\{\s*return\s+(-?\d+)\s*;\s*\}",
                     re.MULTILINE)


def declared_abi(source: str | os.PathLike) -> tuple[str, int] | None:
    """The ABI a kernel source declares: ``(NAME_abi, N)`` for a definition
    ``long NAME_abi(void) { return N; }`` (the first one), else None.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
    ...     _ = f.write("long hw7_x_abi(void) { return 3; }\\n")
    >>> declared_abi(f.name)
    ('hw7_x_abi', 3)
    >>> os.unlink(f.name)
    """
    try:
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = _ABI_RE.search(text)
    return (m.group(1), int(m.group(2))) if m else None


class _Unusable(Exception):
    """A trusted library that cannot be used (fails to load, lacks or mismatches symbols)."""


def _close(lib: ctypes.CDLL) -> None:
    """Unload ``lib`` (so a rebuilt file under the same path is really opened afresh)."""
    with contextlib.suppress(Exception):
        import _ctypes

        _ctypes.dlclose(lib._handle)


def _open_checked(path: Path, symbols: tuple[str, ...], abi: tuple[str, int] | None
                  ) -> ctypes.CDLL:
    """``ctypes.CDLL(path)`` if it loads and exports ``symbols`` and the ``abi`` function
    returning its number; else :class:`_Unusable` (one line; the library is unloaded)."""
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise _Unusable(f"{path.name} does not load "
                        f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                        ) from None
    need = list(symbols) + ([abi[0]] if abi else [])
    missing = [name for name in need if not _has(lib, name)]
    if missing:
        _close(lib)
        raise _Unusable(f"{path.name} lacks the symbol{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing[:3])}")
    if abi:
        fn = getattr(lib, abi[0])
        fn.restype, fn.argtypes = ctypes.c_long, []
        got = fn()
        if got != abi[1]:
            _close(lib)
            raise _Unusable(f"{path.name} has ABI {abi[0]}() = {got}, expected {abi[1]}")
    return lib


def _has(lib: ctypes.CDLL, name: str) -> bool:
    try:
        getattr(lib, name)
    except AttributeError:
        return False
    return True


def load(source: str | os.PathLike, *, symbols: Iterable[str] = (),
         abi: tuple[str, int] | None = None) -> ctypes.CDLL | None:
    """The compiled library of ``source`` (built on first use), or None if unavailable.

    symbols: names the library must export (else it is unusable: rebuilt, see the module
    doc). abi: ``(function, number)``: ``function()`` (``long(void)``) must return
    ``number``; default :func:`declared_abi` of the source. Never raises for a library
    problem: None and :func:`unavailable_reason` instead.
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
            need = (tuple(symbols), abi if abi is not None else declared_abi(source))
            lib = _load_trusted(source, cc, *need)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            _reasons[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            lib = None
        _loaded[name] = lib
        return lib


def _notice(text: str) -> None:
    sys.stderr.write(f"hw7: notice: {text}\n")


def _load_trusted(source: Path, cc: str, symbols: tuple[str, ...] = (),
                  abi: tuple[str, int] | None = None) -> ctypes.CDLL:
    """Load from the cache when it passes the trust rule and is usable (an unusable cached
    library is rebuilt in place, once); else build privately, with a notice."""
    try:
        folder = ensure_private_dir(cache_dir())
        try:
            return _open_checked(_build(source, cc, folder), symbols, abi)
        except _Unusable as exc:
            stale = str(exc)
        lib = None
        with contextlib.suppress(_Unusable):
            lib = _open_checked(_build(source, cc, folder, replace=True), symbols, abi)
        if lib is not None:
            _notice(f"the cached native library was unusable ({stale}); rebuilt it")
            _notices[os.fspath(source)] = stale
            return lib
        problem = f"cached library unusable: {stale}"
    except UntrustedPath as exc:
        problem = str(exc)
    private = tempfile.mkdtemp(prefix="hw7-native-")          # 0700, owned by us
    try:
        why = untrusted_dir_reason(private)
        if why:
            raise RuntimeError(f"native cache not trusted ({problem}) and no private "
                               f"temporary folder ({why})")
        try:
            lib = _open_checked(_build(source, cc, Path(private)), symbols, abi)
        except _Unusable as exc:
            _notice(f"native kernel {source.name} unusable ({exc}); using the torch path")
            raise RuntimeError(f"native library unusable: {exc}") from None
    finally:
        shutil.rmtree(private, ignore_errors=True)            # the mapping outlives the file
    _notice(f"not using the native cache ({problem}); built {source.name} in a private "
            f"temporary folder instead")
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
