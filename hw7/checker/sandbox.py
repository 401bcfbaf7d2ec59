"""Run one judgement in a forked child with a hard wall-clock limit and a memory limit.

Generic: :func:`run_limited` takes the judging function, so this module imports no
judge (the dispatcher :mod:`hw7.checker.judge` passes its own ``judge``). Whatever
happens in the child — a timeout, exhausted memory, a crash — the result is one
:class:`~hw7.checker.verdict.Verdict`.
"""

from __future__ import annotations

import json
import os
import time

from hw7.checker.verdict import Verdict

__all__ = ["run_limited"]


def _limit_child(timeout: float, memory_mb: int) -> None:
    import resource
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    cpu = int(timeout) + 2
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError):
        pass
    try:
        with open("/proc/self/statm") as fh:
            vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = vm + memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass


def run_limited(fn, entry, text, *, qid: str, timeout: float, memory_mb: int) -> Verdict:
    """``fn(entry, text)`` in a forked child killed at ``timeout`` seconds, with
    ``memory_mb`` MB of extra address space; the child's Verdict, or an "unjudged" one."""
    import select
    import signal

    if not hasattr(os, "fork"):  # pragma: no cover - non-POSIX: judge without isolation
        return fn(entry, text)
    t0 = time.perf_counter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(r)
            _limit_child(timeout, memory_mb)
            try:
                v = fn(entry, text)
            except MemoryError:
                v = Verdict(qid, "unjudged", f"the answer needs more than {memory_mb} MB to judge")
            data = json.dumps(v.to_json(), default=str).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(w, view):]
        except BaseException:  # noqa: BLE001 - the child must never escape into the caller
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + timeout, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - t0
    if timed_out:
        return Verdict(qid, "unjudged", f"the check took longer than {timeout:g} s (timed out)",
                       seconds=seconds)
    try:
        d = json.loads(b"".join(chunks).decode())
        d.pop("exit_code", None)
        v = Verdict(**d)
    except (ValueError, TypeError):
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        why = ("it ran out of CPU time" if sig == signal.SIGXCPU
               else "it exceeded the memory limit" if sig in (signal.SIGSEGV, signal.SIGKILL)
               else "the judging process failed")
        v = Verdict(qid, "unjudged", f"the answer could not be judged: {why}")
    v.seconds = seconds
    return v
