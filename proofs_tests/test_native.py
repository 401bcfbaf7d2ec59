"""hw7core.native: C kernels built on first use, cached per source/compiler/CPU, loaded with
ctypes; failures are reported in one line and leave nothing half-written."""

from __future__ import annotations

import ctypes
import shutil
import threading

import pytest

from hw7core import native

needs_cc = pytest.mark.skipif(native.compiler() is None, reason="no C compiler")

SOURCE = """
long hw7_test_square(long x) { return x * x; }
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HW7_NATIVE", raising=False)
    src = tmp_path / "square.c"
    src.write_text(SOURCE)
    yield src
    native.forget(src)


def _square(lib, x):
    fn = lib.hw7_test_square
    fn.restype, fn.argtypes = ctypes.c_long, [ctypes.c_long]
    return fn(x)


@needs_cc
def test_builds_once_and_reuses_the_cached_library(cache, monkeypatch):
    lib = native.load(cache)
    assert _square(lib, 12) == 144
    built = list((cache.parent / "cache" / "native").iterdir())
    assert [p.suffix for p in built] == [".so"]            # no temporary file left behind
    assert native.load(cache) is lib                         # remembered in the process
    native.forget(cache)
    # a new process (here: a forgotten memo) finds the library without compiling
    calls = []
    real_run = native.subprocess.run

    def spy(cmd, *a, **kw):
        calls.append(cmd)
        return real_run(cmd, *a, **kw)
    monkeypatch.setattr(native.subprocess, "run", spy)
    assert _square(native.load(cache), 7) == 49
    assert not any("-shared" in c for c in calls)


@needs_cc
def test_an_edited_source_gets_a_new_build(cache):
    native.load(cache)
    native.forget(cache)
    cache.write_text(SOURCE + "long hw7_test_cube(long x) { return x * x * x; }\n")
    lib = native.load(cache)
    assert len(list((cache.parent / "cache" / "native").glob("*.so"))) == 2
    lib.hw7_test_cube.restype, lib.hw7_test_cube.argtypes = ctypes.c_long, [ctypes.c_long]
    assert lib.hw7_test_cube(3) == 27


@needs_cc
def test_compile_error_is_one_line_and_leaves_nothing(cache):
    cache.write_text("this is not C;\n")
    assert native.load(cache) is None
    reason = native.unavailable_reason(cache)
    assert "could not compile square.c" in reason and "\n" not in reason
    folder = cache.parent / "cache" / "native"
    assert not folder.exists() or not any(folder.iterdir())


def test_missing_compiler_is_reported(cache, monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-hw7")
    assert native.load(cache) is None
    assert native.unavailable_reason(cache).startswith("no C compiler found")


def test_disabled_by_environment(cache, monkeypatch):
    monkeypatch.setenv("HW7_NATIVE", "0")
    assert native.load(cache) is None
    assert "HW7_NATIVE=0" in native.unavailable_reason(cache)


@needs_cc
def test_concurrent_first_use_builds_one_library(cache):
    libs = []
    threads = [threading.Thread(target=lambda: libs.append(native.load(cache)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(libs) == 4 and all(lib is libs[0] for lib in libs) and libs[0] is not None
    assert len(list((cache.parent / "cache" / "native").iterdir())) == 1


@needs_cc
def test_unwritable_cache_is_reported(cache, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HW7_CACHE_DIR", str(blocker))       # a file where a folder must go
    assert native.load(cache) is None
    assert native.unavailable_reason(cache)


def test_compiler_lookup_prefers_CC(monkeypatch):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    monkeypatch.setenv("CC", cc)
    assert native.compiler() == cc
