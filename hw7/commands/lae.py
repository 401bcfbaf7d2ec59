"""``hw7 lae --data X.npy --k K [--lam L]``: fit the closed-form (regularised) linear
autoencoder of Q1(b)/Q2 to your data and verify it (gradient ≈ 0, predicted loss)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hw7.errors import InputError, UsageError


def register(sub) -> None:
    p = sub.add_parser("lae", help="closed-form linear autoencoder (Q1b/Q2) on your data")
    p.add_argument("--data", required=True, help=".npy (or .txt/.csv) file with X, m×n")
    p.add_argument("--k", type=int, required=True, help="latent size, 1 ≤ k < m")
    p.add_argument("--lam", type=float, default=0.0, help="ℓ2 weight λ ≥ 0 (default 0)")
    p.add_argument("--center", action="store_true", help="subtract the row means of X first")
    p.add_argument("--out", default=None,
                   help="write W1, W2 to this .npz (atomic; a new file in an existing "
                        "folder, or one an earlier 'hw7 lae' wrote — never another file; "
                        "no folders are created)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run)


def _load(path: str):
    """X from a .npy (no pickles) or a text/.csv file; one line naming the problem for a
    missing path, a folder, something that is not a regular file, or a file the loaders
    cannot read or only read with a warning (e.g. an empty CSV: no two-line UserWarning)."""
    import stat
    import warnings

    import numpy as np

    if not path:
        raise UsageError("--data must name a file, got an empty string")
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"data file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"--data {path} is a folder, not a data file (.npy, .txt or .csv)")
    if not stat.S_ISREG(mode):
        raise UsageError(f"--data {path} is not a regular file")
    if p.suffix == ".npy":
        with open(p, "rb") as fh:
            if fh.read(6) != b"\x93NUMPY":
                raise InputError(f"cannot read {path}: not a .npy file (no NumPy header)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")        # a loader's warning is this one line
            if p.suffix == ".npy":
                return np.load(p, allow_pickle=False)
            return np.loadtxt(p, delimiter="," if p.suffix == ".csv" else None, ndmin=2)
    except (ValueError, EOFError, Warning) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read {path}: {first}") from None


OUT_MARKER = "hw7_lae_output"   # an array in every .npz this command writes


def check_out_target(path: str) -> None:
    """Refuse ``--out`` unless it names a file that is new or a plain file an earlier
    ``hw7 lae`` wrote, in a folder that exists.

    The command never replaces what it did not write: an existing file qualifies only
    if it is a regular file (not a link) holding an .npz with :data:`OUT_MARKER`. It
    creates no folders: a missing parent folder is refused. An empty name, or one ending
    in a path separator (a folder), is refused too.
    Raises :class:`UsageError` (one line) otherwise.
    """
    import zipfile

    if not path:
        raise UsageError("--out must name a file (.npz), got an empty string")
    if path.endswith(("/", os.sep)) or os.path.basename(path) in ("", ".", ".."):
        raise UsageError(f"--out {path} names a folder; give a file name such as "
                         f"{path.rstrip('/' + os.sep) or '.'}/W.npz")
    p = Path(path)
    if p.is_symlink() or (p.exists() and not p.is_file()):
        raise UsageError(f"--out {path} exists and is not a file 'hw7 lae' wrote; "
                         "choose a new file name")
    parent = p.parent
    if not parent.is_dir():
        what = ("is not a folder" if os.path.lexists(parent)
                else "does not exist ('hw7 lae' creates no folders)")
        raise UsageError(f"--out {path}: {parent} {what}; choose a file in an existing folder")
    if not p.exists():
        return
    try:
        with zipfile.ZipFile(p) as z:
            ours = f"{OUT_MARKER}.npy" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        ours = False
    if not ours:
        raise UsageError(f"--out {path} exists and is not an earlier 'hw7 lae' output; "
                         "it is left untouched: choose a new file name")


def jsonable(obj):
    """``obj`` with every value made strict-JSON serialisable, whatever the data gave.

    numpy scalars and arrays become Python numbers and lists, numpy bools Python bools,
    non-finite floats the strings "inf", "-inf", "nan" (strict JSON has no such numbers),
    tuples lists, mapping keys strings, anything else its ``str``.
    """
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else ("nan" if obj != obj else ("inf" if obj > 0 else "-inf"))
    if isinstance(obj, complex):
        return str(obj)
    return str(obj)


def scaled_number(value: float, scale: float) -> float | str:
    """value·scale² as a float when float64 holds it, else in decimal as a string
    (e.g. "2.0000000000e+400" for a loss of data scaled by 2^664)."""
    import math

    import numpy as np

    with np.errstate(over="ignore", under="ignore"):
        plain = float((np.float64(value) * scale) * scale)
    if value == 0 or (math.isfinite(plain) and plain != 0 and abs(plain) >= np.finfo(float).tiny):
        return plain
    lg = math.log10(abs(value)) + 2 * math.log10(scale)
    e = math.floor(lg)
    return f"{'-' if value < 0 else ''}{10 ** (lg - e):.10f}e{e:+d}"


def run(args) -> int:
    import io

    import numpy as np

    from hw7core.atomic import write_bytes_atomic
    from hw7core.device import resolve_device
    from numerics.linear_autoencoder import as_data, autograd_gradients, objective
    from numerics.regularized_linear_autoencoder import check_lam, closed_form

    resolve_device(args.device)
    if args.out is not None:
        check_out_target(args.out)   # before any work: never replace what we did not write
    X = as_data(_load(args.data), f"data in {args.data}")
    lam = check_lam(args.lam)
    if args.center:
        X = X - X.mean(axis=1, keepdims=True)
    cf = closed_form(X, args.k, lam)
    # verify on X̃ = X/s, λ̃ = λ/s² (s a power of two: exact), where nothing over- or
    # underflows; the optimum and the relative checks are the same as for X itself
    s = cf.pca.scale
    Xs, lam_s = X / s, cf.lam_scaled
    g1, g2 = autograd_gradients(Xs, cf.W1, cf.W2, lam=lam_s, device=args.device)
    s1 = max(float(cf.pca.sigma_scaled[0]), np.finfo(float).tiny)
    grad = float(max(np.abs(g1).max(), np.abs(g2).max()) / s1)
    measured_s = float(objective(Xs, cf.W1, cf.W2, lam_s))
    # round-off is judged against the size of the terms L̃ sums, ‖X̃‖²_F + λ̃(‖W1‖² + ‖W2‖²),
    # not against the loss itself (an exact fit has loss ≈ 0 and relative error ≈ 1)
    terms = float(np.sum(Xs * Xs) + lam_s * (np.sum(cf.W1 ** 2) + np.sum(cf.W2 ** 2)))
    gap = abs(measured_s - cf.loss_scaled) / max(terms, np.finfo(float).tiny)
    ok = bool(grad < 1e-9 and gap < 1e-9)
    predicted, measured = scaled_number(cf.loss_scaled, s), scaled_number(measured_s, s)
    summary = {
        "m": X.shape[0], "n": X.shape[1], "k": cf.k, "lam": cf.lam,
        "top_eigenvalues": [scaled_number(v, s) for v in cf.pca.sigma_scaled[: cf.k + 1]],
        "singular_values_W2": cf.d.tolist(), "predicted_loss": predicted,
        "measured_loss": measured, "loss_gap_over_terms": gap,
        "max_grad_over_sigma1": grad, "verified": ok, "data_scale": s,
        "issues": cf.issues,
    }
    if args.out is not None:
        check_out_target(args.out)   # again: the folder may have gone during the run
        buf = io.BytesIO()
        np.savez(buf, W1=cf.W1, W2=cf.W2, sigma=cf.pca.sigma, **{OUT_MARKER: np.array(1)})
        write_bytes_atomic(args.out, buf.getvalue())
    if args.json:
        print(json.dumps(jsonable(summary), indent=2, allow_nan=False))
    else:
        def fmt(v):
            return v if isinstance(v, str) else f"{v:.10g}"
        print(f"m={summary['m']} n={summary['n']} k={cf.k} λ={cf.lam:g}")
        print("singular values of W2: " + ", ".join(f"{v:.6g}" for v in cf.d))
        print(f"optimal loss {fmt(predicted)} (measured {fmt(measured)}; gap {gap:.1e} of "
              f"‖X‖²_F + λ‖W‖²); max |∇L|/σ1 = {grad:.2e}: "
              f"{'verified' if ok else 'NOT verified'}")
        for line in cf.issues:
            print(f"note: {line}")
    return 0 if ok else 1
