"""Q1(a) benchmark: AE / DAE / MAE with linear probes on real MNIST, beside PCA and the
raw-pixel probe, all measured in one run (CPU by default).

    python benchmarks/bench_autoencoders.py [--mnist-dir DIR] [--profile fast|full]
                                            [--device cpu] [--seed 0] [--json OUT]

fast: k = 16 only (the targets); full: k = 2, 4, 8, 16, 32, 64 for every model.
With only the t10k files (as in ../shared/data/mnist) it trains on the first 8,000 test
images and evaluates on the last 2,000. Targets (issue 5):
  * vanilla AE, k = 16: trains in < 60 s, probe ≥ 0.915, test MSE/pixel < PCA's at k = 16;
  * the better of DAE and MAE at k = 16: probe ≥ 0.925 and above the raw-pixel probe,
    trained within 180 s.
Exit status 1 when a target is missed (the table is printed either way).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from hw7core.atomic import write_text_atomic  # noqa: E402
from numerics import autoencoders as num  # noqa: E402
from numerics import datasets  # noqa: E402

AE_SECONDS, AE_PROBE = 60.0, 0.915
BEST_PROBE, BEST_SECONDS = 0.925, 180.0


def _default_dir() -> str | None:
    env = os.environ.get(datasets.MNIST_ENV)
    if env:
        return env
    cand = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    return str(cand) if cand.is_dir() else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist-dir", default=_default_dir())
    ap.add_argument("--profile", choices=["fast", "full"], default="fast")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    if not args.mnist_dir:
        print("bench_autoencoders: no MNIST folder (pass --mnist-dir or set HW7_MNIST_DIR)",
              file=sys.stderr)
        return 2
    data = datasets.mnist(args.mnist_dir)
    print(data.description)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, "
          f"seed {args.seed}")
    ks = [16] if args.profile == "fast" else [2, 4, 8, 16, 32, 64]
    rows: dict[tuple[str, int], num.SweepRow] = {}
    for kind in ("ae", "dae", "mae"):
        for k in ks:
            cfg = num.default_config("mnist", kind, seed=args.seed, latent=k)
            tr = num.train_autoencoder(data.x_train, cfg, image_shape=data.image_shape,
                                       device=args.device)
            rows[kind, k] = row = num.evaluate(tr, data)
            print(f"  {kind} k={k}: {row.seconds:.1f} s, probe {row.probe_acc:.4f}, "
                  f"test MSE {row.test_mse:.5f}", flush=True)
    t0 = time.perf_counter()
    pca = {k: num.pca_baseline(data.x_train, data.y_train, data.x_test, data.y_test, k,
                               seed=args.seed) for k in ks}
    t_pca = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = num.raw_pixel_probe(data, seed=args.seed)
    t_raw = time.perf_counter() - t0

    print(f"\n{'model':<6}{'k':>4}{'test MSE/px':>13}{'probe acc':>11}{'train s':>9}  config")
    for k in ks:
        for kind in ("ae", "dae", "mae"):
            r = rows[kind, k]
            cfg = num.default_config("mnist", kind)
            extra = {"ae": "", "dae": f"gaussian σ={cfg.noise_std}",
                     "mae": f"mask ratio {cfg.mask_ratio}, patch {cfg.patch}"}[kind]
            print(f"{kind.upper():<6}{k:>4}{r.test_mse:>13.5f}{r.probe_acc:>11.4f}"
                  f"{r.seconds:>9.1f}  {cfg.epochs} ep {extra}")
        print(f"{'PCA':<6}{k:>4}{pca[k].test_mse:>13.5f}{pca[k].probe.accuracy:>11.4f}{'':>9}")
    print(f"raw-pixel probe (784 px): {raw.accuracy:.4f} (C={raw.C:g}; {t_raw:.1f} s); "
          f"PCA total {t_pca:.1f} s")

    ae = rows["ae", 16]
    best_kind = max(("dae", "mae"), key=lambda kd: rows[kd, 16].probe_acc)
    best = rows[best_kind, 16]
    targets = [
        (f"AE k=16 trains in < {AE_SECONDS:g} s", ae.seconds, ae.seconds < AE_SECONDS),
        (f"AE k=16 probe ≥ {AE_PROBE}", ae.probe_acc, ae.probe_acc >= AE_PROBE),
        ("AE k=16 test MSE < PCA k=16 (ratio AE/PCA)", ae.test_mse / pca[16].test_mse,
         ae.test_mse < pca[16].test_mse),
        (f"best of DAE/MAE k=16 ({best_kind.upper()}) probe ≥ {BEST_PROBE}", best.probe_acc,
         best.probe_acc >= BEST_PROBE),
        (f"{best_kind.upper()} k=16 probe above the raw-pixel probe ({raw.accuracy:.4f})",
         best.probe_acc - raw.accuracy, best.probe_acc > raw.accuracy),
        (f"{best_kind.upper()} k=16 trains within {BEST_SECONDS:g} s", best.seconds,
         best.seconds <= BEST_SECONDS),
    ]
    print("\ntargets:")
    for what, val, ok in targets:
        print(f"  [{'ok' if ok else 'MISSED'}] {what}: {val:.4g}")
    if args.json:
        write_text_atomic(args.json, json.dumps({
            "description": data.description, "profile": args.profile, "seed": args.seed,
            "rows": [r.as_dict() for r in rows.values()],
            "pca": {k: {"test_mse": p.test_mse, "probe": p.probe.accuracy} for k, p in pca.items()},
            "raw_probe": raw.accuracy,
            "targets": [{"what": w, "value": v, "ok": o} for w, v, o in targets]}, indent=2))
    return 0 if all(ok for *_, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
