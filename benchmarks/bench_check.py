"""Benchmark: `hw7 check` latency over the test corpus (issue 7; target median < 0.5 s).

Usage: python benchmarks/bench_check.py [--cli N] [--timeout S]

Judges every answer of the corpus in proofs_tests/test_answer_check.py (equivalent
forms, wrong answers, the hostile corpus against four question kinds) plus the
registered sections' own answers, each through ``judge_limited`` (forked child,
hard time limit: exactly what the command does after start-up), and prints the
median, 90th percentile and max per verdict and per kind. With ``--cli N`` it
also times N whole ``python -m hw7 check`` processes (interpreter start-up and
imports included, reference entries from the cache).
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
    spec = importlib.util.spec_from_file_location("tac", ROOT / "proofs_tests" / "test_answer_check.py")
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
    args = ap.parse_args()
    from sympy.core.cache import clear_cache

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


if __name__ == "__main__":
    main()
