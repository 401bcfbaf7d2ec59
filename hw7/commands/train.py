"""``hw7 train {ae,dae,mae}``: the Q1(a) latent-size sweep on synthetic data, the 8×8 digits
or MNIST, with PCA and raw-pixel baselines; writes metrics.json and figures under --out."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

from hw7.errors import UsageError

DEFAULT_LATENTS = {"mnist": "2,4,8,16,32,64", "digits": "2,4,8,16,32", "synthetic": "1,2,4,8,16"}


def register(sub) -> None:
    p = sub.add_parser("train", help="Q1(a): train AE/DAE/MAE over latent sizes, with probes "
                       "and PCA baselines")
    p.add_argument("kind", choices=["ae", "dae", "mae"], help="vanilla, denoising or masked AE")
    p.add_argument("--data", choices=["synthetic", "digits", "mnist"], default="digits",
                   help="digits (default): scikit-learn's bundled 8×8 digits, not MNIST")
    p.add_argument("--mnist-dir", default=None,
                   help="folder with the MNIST IDX files (default: $HW7_MNIST_DIR)")
    p.add_argument("--download", action="store_true",
                   help="fetch the MNIST files into --mnist-dir first (needs a network)")
    p.add_argument("--latent", default=None,
                   help="comma-separated latent sizes (default: "
                   + "; ".join(f"{k}: {v}" for k, v in DEFAULT_LATENTS.items()) + ")")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: artifacts/train/<kind>-<data>)")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty --out folder that holds no earlier 'hw7 train' "
                   "output: metrics.json and figures/ are added beside your files (none of "
                   "yours is ever replaced or deleted; a name clash is still an error)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile", choices=["fast", "full"], default="fast",
                   help="epochs preset for the small datasets (full: longer training)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--hidden", default=None, help="hidden sizes, e.g. 512,256")
    p.add_argument("--noise", choices=["gaussian", "mask"], default=None,
                   help="DAE corruption (default gaussian)")
    p.add_argument("--noise-std", type=float, default=None, help="DAE Gaussian noise std")
    p.add_argument("--mask-ratio", type=float, default=None,
                   help="MAE masked fraction / DAE masking probability, in [0, 1)")
    p.add_argument("--patch", type=int, default=None, help="MAE patch side (1 = pixels)")
    p.add_argument("--loss", choices=["mse", "bce"], default=None,
                   help="reconstruction loss (bce: sigmoid output, pixels in [0, 1])")
    p.set_defaults(func=run)


OUTPUTS = ("metrics.json", "figures/reconstructions.png", "figures/metrics.png")


def _legacy_outputs(folder: Path) -> set[str] | None:
    """The files of a 'hw7 train' output written before manifests existed, if ``folder``
    holds exactly such an output (metrics.json of a sweep and its two figures); else None."""
    import os

    try:
        names = {n for n in os.listdir(folder) if not n.startswith(".hw7-")}
        m = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        figs = set(os.listdir(folder / "figures")) if "figures" in names else set()
    except (OSError, ValueError):
        return None
    if (not isinstance(m, dict) or not {"per_latent", "kind", "figures"} <= set(m)
            or not names <= {"metrics.json", "figures"}
            or (folder / "figures").is_symlink()
            or not figs <= {"reconstructions.png", "metrics.png"}):
        return None
    return {"metrics.json", *(f"figures/{n}" for n in figs)}


def _int_list(text: str, what: str) -> list[int]:
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{what} must be comma-separated integers, got {text!r}") from None
    if not vals:
        raise UsageError(f"{what} is empty")
    return vals


def run(args) -> int:
    from dataclasses import replace

    import torch

    from hw7.budget import budget_for
    from hw7core.device import resolve_device
    from hw7core.outdir import OutputDir
    from hw7core.progress import progress
    from numerics import autoencoders as num
    from numerics import datasets

    resolve_device(args.device)
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    latents = _int_list(args.latent or DEFAULT_LATENTS[args.data], "--latent")
    bar = None if args.quiet else (lambda it, desc="", total=None:
                                   progress(it, desc=desc, total=total, quiet=False))
    if args.download and args.data != "mnist":
        raise UsageError("--download only applies to --data mnist")
    data = datasets.load(args.data, mnist_dir=args.mnist_dir, seed=args.seed,
                         download=args.download, progress=bar)
    for k in latents:
        num.check_latent(k, data.dim)
    cfg = num.default_config(data.name, args.kind, seed=args.seed,
                             small_data_epochs=budget_for(args.profile).q1a_small_data_epochs)
    over = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
            "noise": args.noise, "noise_std": args.noise_std, "mask_ratio": args.mask_ratio,
            "patch": args.patch, "loss": args.loss}
    if args.hidden:
        over["hidden"] = tuple(_int_list(args.hidden, "--hidden"))
    cfg = replace(cfg, **{k: v for k, v in over.items() if v is not None})
    for name in ("lr", "noise_std", "mask_ratio"):
        v = getattr(cfg, name)
        if not math.isfinite(v):
            raise UsageError(f"--{name.replace('_', '-')} must be finite, got {v}")
    cfg.validate(data.dim, data.image_shape)
    out = args.out or Path("artifacts") / "train" / f"{args.kind}-{args.data}"
    print(data.description)
    # the folder is checked (and refused in one line) before the training, and published
    # only when everything is written: only this command's own files are replaced
    with OutputDir(out, "train", force=args.force, legacy=_legacy_outputs,
                   expected=OUTPUTS) as dest:
        t0 = time.perf_counter()
        sw = num.sweep(data, args.kind, latents, base=cfg, device=args.device, progress=bar)
        metrics = sw.metrics()
        metrics["wall_s"] = time.perf_counter() - t0
        metrics["device"] = args.device
        metrics["seed"] = args.seed
        metrics["torch_threads"] = torch.get_num_threads()
        if data.source is not None:
            metrics["data_source"] = data.source
        figs = dest.stage / "figures"
        figs.mkdir()
        num.plot_reconstructions(sw, figs / "reconstructions.png")
        num.plot_metrics(sw, figs / "metrics.png")
        metrics["figures"] = ["figures/reconstructions.png", "figures/metrics.png"]
        (dest.stage / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n",
                                                 encoding="utf-8")
    _print_table(sw, data.dim)
    print(f"wrote {out}/metrics.json and figures/ ({metrics['wall_s']:.1f} s)")
    sys.stdout.flush()
    return 0


def _print_table(sw, dim: int) -> None:
    pca = {p.k: p for p in sw.pca}
    name = sw.kind.upper()
    print(f"{'k':>4} {name + ' MSE':>10} {'PCA MSE':>10} {name + ' probe':>10} "
          f"{'PCA probe':>10} {'train s':>8}")
    for r in sw.rows:
        print(f"{r.k:>4} {r.test_mse:>10.5f} {pca[r.k].test_mse:>10.5f} {r.probe_acc:>10.4f} "
              f"{pca[r.k].probe.accuracy:>10.4f} {r.seconds:>8.1f}")
    print(f"raw-pixel probe ({dim} pixels): {sw.raw_probe.accuracy:.4f}")
