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
import tempfile
import threading
from pathlib import Path

from hw7core.atomic import _publishable

_lock = threading.Lock()
_loaded: dict[str, ctypes.CDLL | None] = {}
_reasons: dict[str, str] = {}

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


def _build(source: Path, cc: str) -> Path:
    text = source.read_bytes()
    version = _compiler_version(cc)
    key = hashlib.sha256(b"\0".join([text, version.encode(), " ".join(FLAGS).encode(),
                                     _cpu_signature().encode()])).hexdigest()[:16]
    folder = cache_dir()
    target = folder / f"{source.stem}-{key}.so"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        errors = ""
        for flags in (FLAGS, FALLBACK_FLAGS):   # a compiler without -march=native
            res = subprocess.run([cc, *flags, "-o", tmp, str(source)], capture_output=True,
                                 text=True, timeout=300)
            if res.returncode == 0:
                _publishable(tmp, directory=True)   # rwx under the umask, as a linker leaves it
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
            lib = ctypes.CDLL(str(_build(source, cc)))
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            _reasons[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            lib = None
        _loaded[name] = lib
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
