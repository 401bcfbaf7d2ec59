"""``hw7 check --batch FILE``: judge many answers in one process (issue 12, autograders).

A batch is a CSV file with a header row, or JSON Lines, with the fields
``student``, ``qid`` and ``answer`` (other columns/keys are ignored). Every row
is hostile input:

* the file is read with a size cap (:data:`MAX_BATCH_BYTES`) and a row cap
  (:data:`MAX_ROWS`), strictly as UTF-8;
* a student name becomes a folder name in Gradescope output, so it must pass
  :func:`check_student` (no path separators, no ``..``, no hidden or reserved
  names, no control/format characters);
* a structural fault — a missing file, a wrong header, a line that is not JSON,
  a bad student name, a second answer of one student to one question — is one
  :class:`~hw7.errors.UsageError` naming the line (``hw7: error: ...``, exit 2),
  raised before anything is judged or written;
* a fault of one answer — an unknown or uncheckable question id, an answer over
  :data:`MAX_ANSWER` characters, an answer the checker cannot read — is that
  row's verdict (status ``"unjudged"``, a *format error*), and the rest of the
  batch is judged.

Each distinct (question, answer) pair (equal up to runs of white space) is judged
once, by :func:`hw7.checker.judge.judge` in one of ``jobs`` worker processes forked
after the imports, which judge answer after answer (no start-up, no fork per
answer). Every judgement keeps the bounds of a single ``hw7 check``: a hard
wall-clock limit (the parent kills the worker and forks a fresh one), a CPU-time
limit per answer and a memory limit; a worker that dies costs only its answer.

Example (a CSV batch)::

    student,qid,answer
    alice,q3c,sqrt(d)
    bob,q3c,d/2
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from dataclasses import dataclass

from hw7.errors import UsageError

__all__ = ["MAX_ANSWER", "MAX_BATCH_BYTES", "MAX_ROWS", "FIELDS", "Row", "Result", "Resolver",
           "check_student", "read_batch", "judge_rows", "default_jobs"]

FIELDS = ("student", "qid", "answer")
MAX_BATCH_BYTES = 64 * 2**20   # a class of 1000 with 30 answers each is ~3 MB
MAX_ROWS = 200_000
MAX_ANSWER = 4096              # characters; the readers refuse far shorter answers anyway
MAX_STUDENT = 100              # characters of a student name
_NAME_PUNCT = set(" ._-@+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


@dataclass(frozen=True)
class Row:
    """One answer of a batch: ``line`` is its line number in the file (1-based)."""

    line: int
    student: str
    qid: str
    answer: str


@dataclass
class Result:
    """A row and its :class:`~hw7.checker.judge.Verdict`."""

    row: Row
    verdict: object
    title: str | None = None


def check_student(name: object, where: str = "") -> str:
    """``name`` if it is a safe student name, else :class:`UsageError` (one line).

    Safe: a string of 1..100 letters, digits, combining marks and ``space . _ - @ +``,
    not starting or ending with a space or a dot, not ``.``/``..``, not a
    reserved device name (``CON``, ``NUL``, ...). Student names become folder
    names, so separators, hidden names and invisible characters are refused.

    >>> check_student("alice@berkeley.edu")
    'alice@berkeley.edu'
    >>> check_student("../etc")
    Traceback (most recent call last):
    ...
    hw7.errors.UsageError: student name '../etc' is not allowed: '/' is not a letter, digit or one of space . _ - @ +
    """
    pre = f"{where}: " if where else ""
    if not isinstance(name, str):
        raise UsageError(f"{pre}the student must be a string, not {type(name).__name__}")
    shown = ascii(name) if len(name) <= 40 else ascii(name[:40])[:-1] + "...'"
    if not name:
        raise UsageError(f"{pre}the student name is empty")
    if len(name) > MAX_STUDENT:
        raise UsageError(f"{pre}student name {shown} is longer than {MAX_STUDENT} characters")
    for ch in name:
        if ch in _NAME_PUNCT or unicodedata.category(ch)[0] in "LNM":
            continue
        what = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
        raise UsageError(f"{pre}student name {shown} is not allowed: {what} is not a letter, "
                         "digit or one of space . _ - @ +")
    if name[0] in " ." or name[-1] in " .":
        raise UsageError(f"{pre}student name {shown} is not allowed: it starts or ends with a "
                         "space or a dot (hidden and relative names are refused)")
    if name.split(".")[0].strip().upper() in _RESERVED:
        raise UsageError(f"{pre}student name {shown} is not allowed: it is a reserved device name")
    return name


# ----------------------------------------------------------------------------
# reading


def _read_bytes(path: str) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BATCH_BYTES + 1)
        name = "standard input"
    else:
        try:
            with open(path, "rb") as fh:  # a FIFO or /dev/zero is read up to the cap too
                data = fh.read(MAX_BATCH_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"batch file {path} does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"batch file {path} is a folder, not a CSV or JSONL file") from None
        except OSError as exc:
            raise UsageError(f"cannot read batch file {path}: {exc.strerror or exc}") from None
        name = path
    if len(data) > MAX_BATCH_BYTES:
        raise UsageError(f"batch {name} is larger than {MAX_BATCH_BYTES // 2**20} MiB; "
                         "split it into several batches")
    return data


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{name}: line {line}: not UTF-8 text (byte {exc.start}); "
                         "save the batch as UTF-8") from None


def _kind(path: str, text: str) -> str:
    low = path.lower()
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "jsonl" if text.lstrip()[:1] == "{" else "csv"


def _rows_csv(text: str, name: str):
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = None
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            if header is None:
                header = [c.strip().lower() for c in cells]
                dup = sorted({h for h in header if header.count(h) > 1 and h})
                if dup:
                    raise UsageError(f"{name}: line {reader.line_num}: the header names "
                                     f"{', '.join(dup)} twice")
                missing = [f for f in FIELDS if f not in header]
                if missing:
                    raise UsageError(f"{name}: line {reader.line_num}: the header row must name the "
                                     f"columns {', '.join(FIELDS)} (missing: {', '.join(missing)}; "
                                     f"found: {', '.join(map(repr, cells[:8]))})")
                idx = [header.index(f) for f in FIELDS]
                continue
            if len(cells) != len(header):
                raise UsageError(f"{name}: line {reader.line_num}: {len(cells)} fields, but the "
                                 f"header has {len(header)} (quote answers that contain commas)")
            yield reader.line_num, *(cells[i] for i in idx)
    except csv.Error as exc:
        raise UsageError(f"{name}: line {reader.line_num}: not valid CSV ({exc})") from None
    if header is None:
        raise UsageError(f"{name} is empty (want a header row: {','.join(FIELDS)})")


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs):
    """A JSON object whose keys are distinct (json keeps the last of two silently)."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _rows_jsonl(text: str, name: str):
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKey as exc:
            raise UsageError(f"{name}: line {n}: the key {exc.args[0]!r} appears twice (which "
                             "value is meant cannot be known)") from None
        except RecursionError:
            raise UsageError(f"{name}: line {n}: JSON nested too deeply") from None
        except ValueError as exc:
            msg = str(exc).split(":")[0]
            raise UsageError(f"{name}: line {n}: not valid JSON ({msg})") from None
        if not isinstance(obj, dict):
            raise UsageError(f"{name}: line {n}: want a JSON object with keys "
                             f"{', '.join(FIELDS)}, got {type(obj).__name__}")
        missing = [f for f in FIELDS if f not in obj]
        if missing:
            raise UsageError(f"{name}: line {n}: missing key{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)}")
        for f in FIELDS:
            if not isinstance(obj[f], str):
                raise UsageError(f"{name}: line {n}: {f} must be a JSON string, "
                                 f"not {type(obj[f]).__name__}")
        yield n, obj["student"], obj["qid"], obj["answer"]


def read_batch(path: str) -> list[Row]:
    """The rows of a batch file (CSV with a header row, or JSON Lines), validated.

    ``path`` ``"-"`` reads standard input. The format is chosen by the suffix
    (``.csv``; ``.jsonl``/``.ndjson``/``.json``), otherwise by the first
    character (``{``: JSON Lines). Raises :class:`UsageError` (one line naming
    the line number) for structural faults; see the module docstring.
    """
    data = _read_bytes(path)
    name = "standard input" if path == "-" else os.path.basename(path) or path
    text = _decode(data, name)
    kind = _kind(path, text)
    rows: list[Row] = []
    first: dict[tuple[str, str], int] = {}
    source = _rows_csv(text, name) if kind == "csv" else _rows_jsonl(text, name)
    for line, student, qid, answer in source:
        if len(rows) >= MAX_ROWS:
            raise UsageError(f"{name} has more than {MAX_ROWS} answers; split it into several batches")
        check_student(student, f"{name}: line {line}")
        key = (unicodedata.normalize("NFC", student).casefold(), qid.strip().lower())
        if key in first:
            raise UsageError(f"{name}: line {line}: a second answer of student {student!r} to "
                             f"{qid.strip()!r} (the first is on line {first[key]}); keep one")
        first[key] = line
        rows.append(Row(line, student, qid, answer))
    if not rows:
        raise UsageError(f"{name} holds no answers")
    return rows


# ----------------------------------------------------------------------------
# judging


class Resolver:
    """Reference entries by question id (from the answers.json ``key``, derived for a
    homework ``variant``, or the homework's own: shipped, cached or derived).

    ``Resolver(key)(qid)`` is the checkable entry for ``qid`` or :class:`UsageError`
    (one line: unknown id, or an id whose answer is not checkable, naming its parts).
    """

    def __init__(self, key: str | None, variant=None):
        if key is not None and variant is not None:
            raise UsageError("give --key or --variant, not both (a key file names its own variant)")
        self.key = key
        self.variant = variant  # a hw7.variants.Variant: references derived for it
        self._key_entries = None

    def entries(self) -> dict:
        from hw7.checker import judge as ac

        if self._key_entries is None:
            self._key_entries = ac.entries_from_key(self.key)
        return self._key_entries

    def _entry(self, qid: str) -> dict:
        from hw7.checker import judge as ac

        if self.variant is not None:
            return ac.reference_entry(qid, variant=self.variant)
        if self.key is None:
            from hw7.checker.shipped import shipped

            entry = shipped(qid)  # the generated entries shipped with the package, when fresh
            return entry if entry is not None else ac.reference_entry(qid)
        entries = self.entries()
        q = qid.strip()
        for k in (q, q.lower()):
            if k in entries:
                return entries[k]
        checkable = ", ".join(k for k, e in entries.items() if ac.checkable(e))
        raise UsageError(f"unknown question id {qid!r} in {self.key}; checkable ids: {checkable}")

    def parts(self, qid: str) -> list[str]:
        """Checkable sub-answers of ``qid`` (q5c -> q5c.time, q5c.space); [] if none."""
        return self._sub_answers(qid)

    def _sub_answers(self, qid: str) -> list[str]:
        """Checkable sub-answers of ``qid`` (q5c -> q5c.time, q5c.space)."""
        from hw7.checker import judge as ac

        prefix = qid.strip().lower() + "."
        if self.variant is not None:
            return [q for q in ac.checkable_ids() if q.lower().startswith(prefix)]
        if self.key is not None:
            return [q for q, e in self.entries().items()
                    if q.lower().startswith(prefix) and ac.checkable(e)]
        from hw7.checker.shipped import shipped_ids

        ids = shipped_ids()
        return [q for q in (ac.checkable_ids() if ids is None else ids)
                if q.lower().startswith(prefix)]

    def __call__(self, qid: str) -> dict:
        """The checkable entry for ``qid``, or UsageError (one line)."""
        from hw7.checker import judge as ac

        if not qid.strip():
            raise UsageError("the question id is empty")
        entry = self._entry(qid)
        why = ac.uncheckable_reason(entry)
        if why is not None:
            q = entry.get("qid") or qid
            subs = self._sub_answers(q)
            if subs:
                raise UsageError(f"{q} has no checkable answer itself; check one of its parts: "
                                 + ", ".join(subs))
            raise UsageError(f"{q} has no checkable answer ({why}); 'hw7 list' marks the checkable ids")
        return entry



_TASKS: list = []          # (entry, text) for the workers (inherited through fork)
TASKS_PER_WORKER = 200     # a worker is replaced after this many judgements (bounded drift)


def _work(i: int, timeout: float) -> dict:
    """One task without a worker (no fork available): judge_limited as a single check."""
    from hw7.checker.judge import judge_limited

    entry, text = _TASKS[i]
    return judge_limited(entry, text, timeout=timeout).to_json()


def _verdict_from(d: dict):
    from hw7.checker.judge import Verdict

    d = dict(d)
    d.pop("exit_code", None)
    return Verdict(**d)


def _format_error(qid: str, message: str):
    from hw7.checker.judge import Verdict

    return Verdict(qid, "unjudged", message, "format")


def _prewarm() -> None:
    """Import what judging needs once, before the workers fork (each then starts warm)."""
    import importlib

    import sympy  # noqa: F401

    for name in ("hypothesis", "hw7.checker.judge", "hw7.checker.read_plain",
                 "hw7.checker.judge_expr", "hw7.checker.judge_feature_map", "hw7.checker.judge_bigo",
                 "hw7.checker.judge_choice", "hw7.checker.judge_matrix"):
        try:
            importlib.import_module(name)
        except ImportError:  # a judge that does not exist (any more): nothing to warm
            pass


def _prewarm_references(entries) -> None:
    """Read each question's reference once, before the workers fork: the readers memoise
    it (:func:`hw7.checker.entry.parse_reference`), so no worker reads it per answer. A
    reference that fails to read is left to the judgement, which reports it per answer."""
    from hw7.checker.judge import uncheckable_reason

    for entry in entries:
        if isinstance(entry, dict):
            uncheckable_reason(entry)  # reads (and so memoises) the reference; never raises


def default_jobs() -> int:
    """Worker processes: one per available CPU, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def judge_rows(rows: list[Row], resolve, *, timeout: float = 5.0, jobs: int | None = None,
               quiet: bool = False) -> list[Result]:
    """Judge every row; one :class:`Result` per row, in the rows' order.

    ``resolve(qid) -> entry`` gives a question's reference entry or raises
    :class:`UsageError`/:class:`~hw7.errors.InputError` (that row is then a
    format error). Identical (question, answer) pairs — equal up to runs of white
    space — are judged once, in ``jobs`` worker processes (default :func:`default_jobs`)
    with a hard time limit, a CPU and a memory limit per answer (:func:`_run_tasks`).
    """
    from hw7.errors import InputError

    entries: dict[str, object] = {}
    verdicts: list = [None] * len(rows)
    tasks: list = []
    index: dict[tuple[str, str], int] = {}
    pending: list[tuple[int, int]] = []  # (row position, task index)
    for pos, row in enumerate(rows):
        qkey = row.qid.strip()
        if qkey not in entries:
            try:
                entries[qkey] = resolve(qkey)
            except (UsageError, InputError) as exc:
                entries[qkey] = str(exc) or f"unknown question id {qkey!r}"
        entry = entries[qkey]
        if isinstance(entry, str):
            verdicts[pos] = _format_error(qkey, entry)
            continue
        if len(row.answer) > MAX_ANSWER:
            verdicts[pos] = _format_error(entry.get("qid") or qkey,
                                          f"the answer is longer than {MAX_ANSWER} characters")
            continue
        # runs of white space never change a reading: "sqrt( d )" and "sqrt(d )" are one task
        key = (entry.get("qid") or qkey, " ".join(row.answer.split()))
        if key not in index:
            index[key] = len(tasks)
            tasks.append((entry, row.answer))
        pending.append((pos, index[key]))

    _prewarm_references(entries.values())
    outcomes = _run_tasks(tasks, timeout=timeout, jobs=jobs or default_jobs(), quiet=quiet)
    for pos, t in pending:
        verdicts[pos] = _verdict_from(outcomes[t])
    def title(row):
        e = entries.get(row.qid.strip())
        if not isinstance(e, dict):
            return None
        return " ".join(x for x in (e.get("question"), e.get("title")) if x) or None

    return [Result(row, v, title(row)) for row, v in zip(rows, verdicts)]


def _run_tasks(tasks: list, *, timeout: float, jobs: int, quiet: bool,
               memory_mb: int | None = None) -> list[dict]:
    """Verdicts (``to_json`` dicts) of ``tasks`` = [(entry, text)], in order.

    ``jobs`` worker processes, forked once after the imports, judge answer after answer
    in-process (SymPy's caches stay warm; no fork per answer). Each judgement keeps a
    hard bound: the parent kills a worker whose answer is not judged within ``timeout``
    seconds (that answer: "timed out") and forks a fresh one; a worker has an address-
    space limit of its size plus ``memory_mb`` and a CPU-time limit per answer, and a
    worker that dies (memory, CPU, crash) costs only the answer it was judging.
    Measured on the notation corpus: about 2.5x less CPU per judgement than a fork per
    answer (benchmarks/bench_check.py --batch).
    """
    from hw7.checker.judge import DEFAULT_MEMORY_MB
    from hw7core.progress import progress

    global _TASKS
    if not tasks:
        return []
    _prewarm()
    _TASKS = tasks
    mem = DEFAULT_MEMORY_MB if memory_mb is None else memory_mb
    if not (quiet or os.environ.get("HW7_QUIET") == "1"):
        from tqdm import std

        std.tqdm.monitor_interval = 0  # no monitor thread: workers are forked while it runs
    bar = progress(range(len(tasks)), desc="hw7 check", total=len(tasks), quiet=quiet)
    try:
        if not hasattr(os, "fork"):  # pragma: no cover - non-POSIX
            return [_work(i, timeout) for i in bar]
        return _Pool(min(jobs, len(tasks)), timeout, mem).run(len(tasks), bar)
    finally:
        _TASKS = []
        if hasattr(bar, "close"):
            bar.close()


def _serve(rfd: int, wfd: int, timeout: float, memory_mb: int) -> None:
    """A worker: read task indices, one per line; write one verdict (JSON) per line."""
    import resource
    import signal
    import time

    from hw7.checker import judge as judge_mod
    from hw7.checker.judge import Verdict

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        with open("/proc/self/statm") as fh:
            vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = vm + memory_mb * 2**20
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass
    inp = os.fdopen(rfd, "rb", buffering=0)
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = inp.read(4096)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        entry, text = _TASKS[int(line)]
        qid = entry.get("qid") or "?"
        try:  # this answer's CPU budget (SIGXCPU ends the worker; the parent says so)
            used = resource.getrusage(resource.RUSAGE_SELF)
            cpu = int(used.ru_utime + used.ru_stime + timeout) + 2
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            if hard == resource.RLIM_INFINITY or cpu < hard:
                resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
        except (OSError, ValueError):
            pass
        t0 = time.perf_counter()
        last = False
        try:
            v = judge_mod.judge(entry, text)
        except MemoryError:
            v, last = Verdict(qid, "unjudged", f"the answer needs more than {memory_mb} MB to "
                                               "judge"), True
        except Exception:  # noqa: BLE001 - one answer's failure is that answer's verdict
            v, last = Verdict(qid, "unjudged", "the answer could not be judged: the judging "
                                               "process failed"), True
        v.seconds = time.perf_counter() - t0
        data = (json.dumps({**v.to_json(), "__last": last}, default=str) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(wfd, view):]
        if last:  # after a MemoryError or a crash the worker's state is suspect: a fresh one
            return


_PARENT_FDS: set[int] = set()   # the parent's ends of every live worker's pipes


class _Worker:
    def __init__(self, timeout: float, memory_mb: int):
        import signal

        r1, w1 = os.pipe()   # tasks: parent -> worker
        r2, w2 = os.pipe()   # verdicts: worker -> parent
        pid = os.fork()
        if pid == 0:  # worker
            code = 0
            try:
                # a forked worker inherits the parent's ends of the other workers' pipes:
                # holding a sibling's task pipe open, it would keep that sibling from ever
                # seeing end-of-file when the parent retires it (the batch hung there)
                for fd in (w1, r2, *_PARENT_FDS):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                _serve(r1, w2, timeout, memory_mb)
            except BaseException:  # noqa: BLE001 - never return into the caller's code
                code = 3
            finally:
                os._exit(code)
        os.close(r1)
        os.close(w2)
        _PARENT_FDS.update((w1, r2))
        self.pid, self.tx, self.rx = pid, w1, r2
        self.buf, self.task, self.deadline, self.done = b"", None, 0.0, 0
        self._signal = signal

    def send(self, i: int, deadline: float) -> None:
        self.task, self.deadline = i, deadline
        os.write(self.tx, f"{i}\n".encode())

    def stop(self, kill: bool = False) -> int | None:
        """End the worker; its wait status (None if already reaped). A worker asked to end
        (its task pipe closed) that has not exited within a second is killed: stopping
        never waits unboundedly."""
        import time

        for fd in (self.tx, self.rx):
            _PARENT_FDS.discard(fd)
            try:
                os.close(fd)
            except OSError:
                pass
        if kill:
            self._kill()
        try:
            deadline = time.monotonic() + 1.0
            while True:
                pid, status = os.waitpid(self.pid, 0 if kill else os.WNOHANG)
                if pid:
                    return status
                if time.monotonic() >= deadline:
                    self._kill()
                    return os.waitpid(self.pid, 0)[1]
                time.sleep(0.005)
        except ChildProcessError:
            return None

    def _kill(self) -> None:
        try:
            os.kill(self.pid, self._signal.SIGKILL)
        except ProcessLookupError:
            pass


class _Pool:
    """Worker processes with a hard per-answer deadline (see :func:`_run_tasks`)."""

    def __init__(self, jobs: int, timeout: float, memory_mb: int):
        self.jobs, self.timeout, self.memory_mb = max(1, jobs), timeout, memory_mb

    def _failed(self, i: int, status: int | None) -> dict:
        import signal

        from hw7.checker.judge import Verdict

        qid = _TASKS[i][0].get("qid") or "?"
        sig = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
        why = ("it ran out of CPU time" if sig == signal.SIGXCPU
               else "it exceeded the memory limit" if sig in (signal.SIGSEGV, signal.SIGKILL)
               else "the judging process failed")
        return Verdict(qid, "unjudged", f"the answer could not be judged: {why}").to_json()

    def run(self, n: int, bar) -> list[dict]:
        import select
        import time

        from hw7.checker.judge import Verdict

        results: list = [None] * n
        todo = list(range(n - 1, -1, -1))  # popped from the end: in order
        workers: list[_Worker] = []
        ticks = iter(bar)
        try:
            workers = [_Worker(self.timeout, self.memory_mb) for _ in range(self.jobs)]
            left = n
            while left:
                for k, w in enumerate(workers):
                    if w.task is None and todo:
                        if w.done >= TASKS_PER_WORKER:
                            w.stop()
                            w = workers[k] = _Worker(self.timeout, self.memory_mb)
                        w.send(todo.pop(), time.monotonic() + self.timeout)
                busy = [w for w in workers if w.task is not None]
                wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                ready, _, _ = select.select([w.rx for w in busy], [], [], wait)
                now = time.monotonic()
                for k, w in enumerate(workers):
                    if w.task is None:
                        continue
                    i = w.task
                    if w.rx in ready:
                        chunk = os.read(w.rx, 1 << 16)
                        if chunk:
                            w.buf += chunk
                            if b"\n" not in w.buf:
                                continue
                            line, w.buf = w.buf.split(b"\n", 1)
                            results[i] = json.loads(line)
                            w.task, w.done = None, w.done + 1
                            if results[i].pop("__last", False):  # it ends itself: replace it
                                w.stop()
                                workers[k] = _Worker(self.timeout, self.memory_mb)
                        else:  # the worker died with the answer: that answer's verdict
                            results[i] = self._failed(i, w.stop())
                            workers[k] = _Worker(self.timeout, self.memory_mb)
                    elif now >= w.deadline:
                        w.stop(kill=True)
                        qid = _TASKS[i][0].get("qid") or "?"
                        results[i] = Verdict(qid, "unjudged", f"the check took longer than "
                                             f"{self.timeout:g} s (timed out)",
                                             seconds=self.timeout).to_json()
                        workers[k] = _Worker(self.timeout, self.memory_mb)
                    else:
                        continue
                    left -= 1
                    next(ticks, None)
            return results
        finally:
            for w in workers:
                w.stop(kill=True)
