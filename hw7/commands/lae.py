"""``hw7 lae --data X.npy --k K [--lam L]``: fit the closed-form (regularised) linear
autoencoder of Q1(b)/Q2 to your data and verify it (gradient ≈ 0, predicted loss)."""

from __future__ import annotations

import json
from pathlib import Path

from hw7.errors import InputError, UsageError


def register(sub) -> None:
    p = sub.add_parser("lae", help="closed-form linear autoencoder (Q1b/Q2) on your data")
    p.add_argument("--data", required=True, help=".npy (or .txt/.csv) file with X, m×n")
    p.add_argument("--k", type=int, required=True, help="latent size, 1 ≤ k < m")
    p.add_argument("--lam", type=float, default=0.0, help="ℓ2 weight λ ≥ 0 (default 0)")
    p.add_argument("--center", action="store_true", help="subtract the row means of X first")
    p.add_argument("--out", default=None, help="write W1, W2 to this .npz (atomic)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run)


def _load(path: str):
    import numpy as np

    p = Path(path)
    if not p.is_file():
        raise UsageError(f"data file not found: {path}")
    try:
        if p.suffix == ".npy":
            return np.load(p, allow_pickle=False)
        return np.loadtxt(p, delimiter="," if p.suffix == ".csv" else None, ndmin=2)
    except ValueError as exc:
        raise InputError(f"cannot read {path}: {str(exc).splitlines()[0]}") from None


def run(args) -> int:
    import io

    import numpy as np

    from hw7core.atomic import write_bytes_atomic
    from hw7core.device import resolve_device
    from numerics.linear_autoencoder import as_data, autograd_gradients
    from numerics.regularized_linear_autoencoder import closed_form, loss

    resolve_device(args.device)
    X = as_data(_load(args.data))
    if args.center:
        X = X - X.mean(axis=1, keepdims=True)
    cf = closed_form(X, args.k, args.lam)
    g1, g2 = autograd_gradients(X, cf.W1, cf.W2, lam=cf.lam, device=args.device)
    s1 = max(float(cf.pca.sigma[0]), np.finfo(float).tiny)
    grad = float(max(np.abs(g1).max(), np.abs(g2).max()) / s1)
    measured = loss(X, cf.W1, cf.W2, cf.lam)
    rel = abs(measured - cf.loss) / max(abs(cf.loss), np.finfo(float).tiny)
    ok = grad < 1e-9 and rel < 1e-9
    summary = {
        "m": X.shape[0], "n": X.shape[1], "k": cf.k, "lam": cf.lam,
        "top_eigenvalues": cf.pca.sigma[: cf.k + 1].tolist(),
        "singular_values_W2": cf.d.tolist(), "predicted_loss": cf.loss,
        "measured_loss": measured, "max_grad_over_sigma1": grad, "verified": ok,
        "issues": cf.issues,
    }
    if args.out:
        buf = io.BytesIO()
        np.savez(buf, W1=cf.W1, W2=cf.W2, sigma=cf.pca.sigma)
        write_bytes_atomic(args.out, buf.getvalue())
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"m={summary['m']} n={summary['n']} k={cf.k} λ={cf.lam:g}")
        print("singular values of W2: " + ", ".join(f"{v:.6g}" for v in cf.d))
        print(f"optimal loss {cf.loss:.10g} (measured {measured:.10g}); "
              f"max |∇L|/σ1 = {grad:.2e}: {'verified' if ok else 'NOT verified'}")
        for line in cf.issues:
            print(f"note: {line}")
    return 0 if ok else 1
