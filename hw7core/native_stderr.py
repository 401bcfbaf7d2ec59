"""Silence C++ log lines written straight to file descriptor 2.

torch's profiler (kineto) prints ``USDT: ... profiler_start`` / ``profiler_stop`` lines
on stderr every time a profile starts or stops; they are not errors and no log level
turns them off. Python exceptions raised inside the block still propagate (and are
printed after the descriptor is restored).
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def silenced_native_stderr():
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # pytest capture, notebooks: nothing to do
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, fd)
    finally:
        os.close(saved)
