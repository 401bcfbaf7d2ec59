"""Times of the Q6 (debugging) answer-key sections in the fast and full profiles.

Run: python benchmarks/bench_debugging.py [--fast-only]
"""

import sys
import tempfile
import time
from pathlib import Path

from hw7.registry import Context, get, sections

QIDS = [q for q in ("q6a", "q6b", "q6c") if any(s.qid == q for s in sections())]


def main() -> None:
    profiles = ["fast"] if "--fast-only" in sys.argv else ["fast", "full"]
    print(f"{'profile':8} {'section':8} {'seconds':>8} passed")
    for prof in profiles:
        total = 0.0
        with tempfile.TemporaryDirectory() as d:
            for q in QIDS:
                t0 = time.perf_counter()
                ans = get(q).run(Context(profile=prof, figures_dir=Path(d), quiet=True))
                dt = time.perf_counter() - t0
                total += dt
                print(f"{prof:8} {q:8} {dt:8.2f} {ans.passed}")
        print(f"{prof:8} {'total':8} {total:8.2f}")


if __name__ == "__main__":
    main()
