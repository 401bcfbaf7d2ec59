"""Benchmark: `hw7 check` latency, start-up and batch throughput (issues 7, 12).

Usage: python benchmarks/bench_check.py [--cli N] [--timeout S] [--fresh N]
       python benchmarks/bench_check.py --startup N [--baseline REV] [--no-latency]
       python benchmarks/bench_check.py --batch [--jobs J] [--class-size S] [--no-latency]

Latency (default): judges every answer of the corpus in proofs_tests/test_check.py
(equivalent forms, wrong answers, the hostile corpus against four question kinds)
plus the registered sections' own answers, each through ``judge_limited`` (forked
child, hard time limit: exactly what the command does after start-up), and prints
the median, 90th percentile and max per verdict and per kind. With ``--cli N`` it
also times N whole ``python -m hw7 check`` processes.

``--startup N`` (issue 12 target: median < 0.5 s): N whole processes
``python -m hw7 check q3c 'sqrt(d)'`` (interpreter start-up, imports, reference,
judgement, exit), wall time and CPU time (user + sys of the process and its
children; the CPU time is what a loaded machine inflates least). With
``--baseline REV`` the same command also runs from an export of git revision REV
(``git archive``, in a temporary folder), interleaved run by run with a snapshot of
the working tree, so the before/after ratio is measured in one run. Each uses its
own private, pre-filled reference cache.

``--batch`` (issue 12 target: >= 100 judgements/s on the 2-core machine): whole
``hw7 check --batch FILE --quiet --out FILE`` processes on two batches built from
the notation corpus proofs_tests/check_corpus.jsonl: *distinct* (every corpus
answer once: each is a separate judgement) and *class* (``--class-size`` students
each answering every checkable question with an answer drawn, seeded, from that
question's corpus answers: repeated answers are judged once, as in a real class).
Prints answers/s and distinct judgements/s (wall), start-up included, and distinct
judgements per CPU second of the whole process tree (a loaded machine inflates it least).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _corpus():
    spec = importlib.util.spec_from_file_location("tac", ROOT / "proofs_tests" / "test_check.py")
    t = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "proofs_tests"))
    spec.loader.exec_module(t)
    items = [(e, text) for e, text in t.CORRECT]
    items += [(t.Q3C, "d"), (t.Q3C, "d**2"), (t.Q3C, "2*sqrt(d)"), (t.Q3C, "-sqrt(d)"),
              (t.VAR, "d*sigma**4"), (t.VAR, "sigma**4 + 2*mu**2*sigma**2"),
              (t.GRAD, "W2.T*(W2*W1*X - X)*X.T + lam*W1"), (t.GRAD, "2*W2.T*(W2*W1*X - X)*X.T"),
              (t.Q5C, "N*D**2"), (t.Q5C, "N**2*D"), (t.Q5D, "N**2*D"), (t.VEC, "[1, 4, 2]"),
              (t.LOSS, "cross entropy"), (t.NEEDED, "weight decay, dropout")]
    global _N_HOSTILE
    n0 = len(items)
    for ref in (t.Q3C, t.GRAD, t.Q5C, t.VEC):
        items += [(ref, h.replace("{sentinel}", "/nonexistent/x")) for h in t.HOSTILE]
    _N_HOSTILE = len(items) - n0
    return items


_N_HOSTILE = 0


def _registered():
    from hw7.checker import judge as ac
    from hw7.registry import sections

    out = []
    for qid in ac.checkable_ids():
        e = ac.reference_entry(qid)
        own = e["expr"] if e["check_kind"] not in ("choice", "choices") else ", ".join(e["choices"])
        out.append((e, own))
    return out, len(sections())


_FRESH = """
import json, sys, time
from hw7.checker import judge as ac
import hypothesis, numpy, sympy
entry, text, timeout = json.load(sys.stdin)
t0 = time.perf_counter()
v = ac.judge_limited(entry, text, timeout=timeout)
print(v.status, time.perf_counter() - t0)
"""


def main() -> None:
    from hw7.checker import judge as ac

    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", type=int, default=5, help="whole-process runs to time (0: none)")
    ap.add_argument("--timeout", type=float, default=ac.DEFAULT_TIMEOUT)
    ap.add_argument("--fresh", type=int, default=30,
                    help="also judge this many corpus answers each in a fresh process, timing the "
                         "judgement after imports (lazy first-use costs included)")
    ap.add_argument("--warm", action="store_true",
                    help="keep SymPy's cache between answers (default: cleared, as in a fresh process)")
    ap.add_argument("--no-latency", action="store_true", help="skip the per-answer latency table")
    ap.add_argument("--startup", type=int, default=0, metavar="N",
                    help="time N whole `hw7 check q3c sqrt(d)` processes (wall and CPU)")
    ap.add_argument("--baseline", default=None, metavar="REV",
                    help="with --startup: also time git revision REV, interleaved")
    ap.add_argument("--batch", action="store_true", help="time `hw7 check --batch` throughput")
    ap.add_argument("--jobs", type=int, default=None, help="--jobs of the batch runs")
    ap.add_argument("--class-size", type=int, default=100,
                    help="students in the simulated class batch (default 100)")
    args = ap.parse_args()
    if not args.no_latency:
        _latency(args)
    if args.startup:
        _startup(args)
    if args.batch:
        _throughput(args)


def _latency(args) -> None:
    from sympy.core.cache import clear_cache

    from hw7.checker import judge as ac

    items = _corpus()
    hostile_ids = {id(it) for it in items[-_N_HOSTILE:]}
    reg, n_sections = _registered()
    items += reg
    ac.judge_limited(items[0][0], items[0][1])  # warm the imports once, as one process would
    by_status, by_kind, all_t = defaultdict(list), defaultdict(list), []
    for entry, text in items:
        if not args.warm:
            clear_cache()  # the forked child then starts cold, like `hw7 check` in a new process
        t0 = time.perf_counter()
        v = ac.judge_limited(entry, text, timeout=args.timeout)
        dt = time.perf_counter() - t0
        all_t.append(dt)
        by_status[v.status].append(dt)
        by_kind[entry["check_kind"]].append(dt)

    def row(name, ts):
        ts = sorted(ts)
        p90 = ts[min(len(ts) - 1, int(0.9 * len(ts)))]
        print(f"  {name:<12} {len(ts):5d} {statistics.median(ts):9.3f} {p90:9.3f} {max(ts):9.3f}")

    print(f"hw7 check latency, judge_limited per answer (s), SymPy cache "
          f"{'warm' if args.warm else 'cleared before each'}; {len(items)} answers, "
          f"{len(reg)} of them the {n_sections} registered sections' own answers")
    print(f"  {'group':<12} {'n':>5} {'median':>9} {'p90':>9} {'max':>9}")
    row("all", all_t)
    for k, ts in sorted(by_status.items()):
        row(k, ts)
    for k, ts in sorted(by_kind.items()):
        row(k, ts)
    med = statistics.median(all_t)
    print(f"target median < 0.5 s: {'met' if med < 0.5 else 'NOT met'} ({med:.3f} s)")

    if args.fresh:
        # stratified: the equivalent and wrong answers first, then some hostile ones
        plain = [it for it in items if id(it) not in hostile_ids]
        hostile = [it for it in items if id(it) in hostile_ids]
        n_plain = min(len(plain), max(1, (2 * args.fresh) // 3))
        step = max(1, len(plain) // n_plain)
        sample = plain[::step][:n_plain]
        sample += hostile[:: max(1, len(hostile) // max(1, args.fresh - len(sample)))][: args.fresh - len(sample)]
        ts, statuses = [], defaultdict(int)
        for entry, text in sample:
            r = subprocess.run([sys.executable, "-c", _FRESH], cwd=ROOT, capture_output=True,
                               text=True, input=json.dumps([entry, text, args.timeout]))
            status, dt = r.stdout.split()
            statuses[status] += 1
            ts.append(float(dt))
        print(f"fresh process per answer ({len(sample)} answers: "
              + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items()))
              + f"), judgement after imports: median {statistics.median(ts):.3f} s, "
              f"max {max(ts):.3f} s")

    if args.cli and reg:
        entry, text = reg[0]
        cmd = [sys.executable, "-m", "hw7", "check", entry["qid"], text]
        subprocess.run(cmd, cwd=ROOT, capture_output=True)  # fill the reference cache
        ts = []
        for _ in range(args.cli):
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True)
            ts.append(time.perf_counter() - t0)
        print(f"whole process `hw7 check {entry['qid']} ...` ({args.cli} runs, cached reference): "
              f"median {statistics.median(ts):.3f} s, max {max(ts):.3f} s")


# ---------------------------------------------------------------- start-up (issue 12)

def _run_timed(cmd, cwd, env):
    """(wall seconds, CPU seconds of the process and its children, returncode)."""
    import os

    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode


def _export(rev: str, dest: Path) -> None:
    """The tree of git revision ``rev`` in ``dest`` (git archive: the repository is untouched)."""
    arch = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True,
                          check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)


def _snapshot(tmp: Path) -> Path:
    """A copy of the working tree's packages (the reference cache is keyed by a hash of the
    sources, so a tree that changes under the benchmark would derive on every run)."""
    import shutil

    work = tmp / "working"
    for sub in ("hw7", "hw7core", "derivations", "numerics"):
        shutil.copytree(ROOT / sub, work / sub, ignore=shutil.ignore_patterns("__pycache__"))
    return work


def _startup(args) -> None:
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hw7-bench-") as tmp:
        # snapshots: the reference cache is keyed by a hash of the sources, so a tree that
        # changes under the benchmark (someone editing) would derive on every run
        work = _snapshot(Path(tmp))
        trees = {"working tree (snapshot)": work}
        if args.baseline:
            base = Path(tmp) / "baseline"
            base.mkdir()
            _export(args.baseline, base)
            trees[f"baseline {args.baseline}"] = base
        cmd = [sys.executable, "-m", "hw7", "check", "q3c", "sqrt(d)"]
        envs = {}
        for name, tree in trees.items():  # one private cache each (a tree may evict others' files)
            envs[name] = dict(os.environ, HW7_CACHE_DIR=str(tree / ".cache"), HW7_QUIET="1",
                              PYTHONPATH=str(tree))
            for _ in range(2):  # fill its reference cache (and the OS file cache)
                _run_timed(cmd, tree, envs[name])
        walls = {name: [] for name in trees}
        cpus = {name: [] for name in trees}
        codes = {name: set() for name in trees}
        for _ in range(args.startup):  # interleaved: a load spike hits both alike
            for name, tree in trees.items():
                w, c, rc = _run_timed(cmd, tree, envs[name])
                walls[name].append(w)
                cpus[name].append(c)
                codes[name].add(rc)
        print(f"whole process `hw7 check q3c 'sqrt(d)'`, {args.startup} runs each, interleaved "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print(f"  {'tree':<28} {'wall median':>12} {'wall min':>9} {'CPU median':>11} {'exit':>5}")
        for name in trees:
            print(f"  {name:<28} {statistics.median(walls[name]):11.3f}s "
                  f"{min(walls[name]):8.3f}s {statistics.median(cpus[name]):10.3f}s "
                  f"{','.join(map(str, sorted(codes[name]))):>5}")
        if args.baseline:
            a, b = list(trees)
            print(f"  ratio working/baseline: wall {statistics.median(walls[a]) / statistics.median(walls[b]):.2f}, "
                  f"CPU {statistics.median(cpus[a]) / statistics.median(cpus[b]):.2f}")
        med = statistics.median(walls["working tree (snapshot)"])
        print(f"target median < 0.5 s: {'met' if med < 0.5 else 'NOT met'} ({med:.3f} s wall; "
              f"{statistics.median(cpus['working tree (snapshot)']):.3f} s CPU)")


# ---------------------------------------------------------------- batch throughput (issue 12)

def _corpus_rows() -> list[tuple[str, str]]:
    rows = []
    for line in (ROOT / "proofs_tests" / "check_corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append((d["qid"], d["answer"]))
    return rows


def _throughput(args) -> None:
    import os
    import random
    import tempfile

    corpus = _corpus_rows()
    distinct = list(dict.fromkeys(corpus))
    by_q = defaultdict(list)
    for q, a in distinct:
        by_q[q].append(a)
    rng = random.Random(0)  # seeded: the class batch is the same every run
    klass = [(f"s{i:04d}", q, rng.choice(answers)) for i in range(args.class_size)
             for q, answers in sorted(by_q.items())]
    batches = {"distinct": [(f"s{i:04d}", q, a) for i, (q, a) in enumerate(distinct)],
               "class": klass}
    print(f"hw7 check --batch throughput (whole process, start-up included; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"  {'batch':<10} {'answers':>8} {'distinct':>9} {'wall':>8} {'answers/s':>10} "
          f"{'judgements/s':>13} {'CPU':>8} {'judg./CPU-s':>9}  verdicts")
    with tempfile.TemporaryDirectory(prefix="hw7-bench-") as tmp:
        tree = _snapshot(Path(tmp))
        env = dict(os.environ, HW7_CACHE_DIR=str(tree / ".cache"), HW7_QUIET="1",
                   PYTHONPATH=str(tree))
        warm = Path(tmp) / "warm.jsonl"  # fills the snapshot's reference cache first
        warm.write_text("".join(json.dumps({"student": "w", "qid": q, "answer": a}) + "\n"
                                for q, a in ((q, answers[0]) for q, answers in by_q.items())),
                        encoding="utf-8")
        _run_timed([sys.executable, "-m", "hw7", "check", "--batch", str(warm), "--quiet",
                    "--out", str(Path(tmp) / "warm.out")], tree, env)
        for name, rows in batches.items():
            src = Path(tmp) / f"{name}.jsonl"
            src.write_text("".join(json.dumps({"student": s, "qid": q, "answer": a}) + "\n"
                                   for s, q, a in rows), encoding="utf-8")
            out = Path(tmp) / f"{name}.out.jsonl"
            cmd = [sys.executable, "-m", "hw7", "check", "--batch", str(src), "--quiet",
                   "--out", str(out)]
            if args.jobs:
                cmd += ["--jobs", str(args.jobs)]
            wall, cpu, rc = _run_timed(cmd, tree, env)
            if rc != 0:
                print(f"  {name}: failed (exit {rc})")
                continue
            recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
            n_distinct = len({(q, " ".join(a.split())) for _, q, a in rows})
            counts = defaultdict(int)
            for x in recs:
                counts[x["status"]] += 1
            print(f"  {name:<10} {len(rows):8d} {n_distinct:9d} {wall:7.1f}s {len(rows) / wall:10.1f} "
                  f"{n_distinct / wall:13.1f} {cpu:7.1f}s {n_distinct / cpu:9.1f}  "
                  + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    print("target >= 100 judgements/s: see the rows above (answers/s counts every answer of the "
          "batch; judgements/s only the distinct ones actually judged; judg./CPU-s: distinct "
          "judgements per CPU second of the whole process tree, start-up included — on an idle "
          "machine the throughput is about that times the CPUs used)")


if __name__ == "__main__":
    main()
