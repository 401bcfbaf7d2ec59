"""Datasets for Q1(a): a synthetic manifold with known intrinsic dimension, scikit-learn's
bundled 8×8 digits (the default: works on a fresh machine with no files), and MNIST from the
standard IDX files (gzip or raw) with magic, size and checksum verification.

Every loader returns a :class:`Dataset` with pixels in [0, 1] (float32), integer labels, the
image shape for plots and a one-line ``description`` that outputs quote (so the 8×8 digits
are never mistaken for MNIST, and the t10k-only split says what it trained on).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw7core.errors import InputError

MNIST_ENV = "HW7_MNIST_DIR"

# IDX magic numbers: 0x00000803 (unsigned byte, 3 dims) for images, 0x00000801 for labels.
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
MNIST_COUNTS = {"train": 60_000, "t10k": 10_000}
MNIST_FILES = {
    split: (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte") for split in MNIST_COUNTS
}
# SHA-256 of the canonical gzip archives, as published by tensorflow-datasets
# (tensorflow_datasets/image_classification/mnist.py, _CHECKSUMS); the two t10k values were
# re-computed here from the canonical files.
MNIST_GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# SHA-256 of the decompressed (raw IDX) canonical files, computed from the canonical t10k
# archives. No published value for the raw train files is embedded: those are checked for
# magic and size only, and the loader says so in the dataset description.
MNIST_RAW_SHA256 = {
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
# With only the t10k files: train on the first 8,000 images, evaluate on the last 2,000.
T10K_TRAIN = 8_000


@dataclass
class Dataset:
    """A train/test split with pixels in [0, 1] (float32) and integer labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    description: str
    intrinsic_dim: int | None = None  # known for the synthetic data only
    noise_var: float | None = None    # synthetic: variance of the added pixel noise
    latents: tuple | None = None      # synthetic: the latent points (train, test)
    source: dict | None = None        # MNIST: the folder, the split used, each file read

    @property
    def dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max()) + 1)


# --------------------------------------------------------------------------- synthetic
def synthetic(n_train: int = 2000, n_test: int = 500, *, intrinsic_dim: int = 4,
              side: int = 8, n_classes: int = 5, noise: float = 0.02, seed: int = 0) -> Dataset:
    """Labelled clusters on a smooth ``intrinsic_dim``-dimensional manifold in R^(side²).

    Latent t ~ mixture of ``n_classes`` Gaussians in R^d (one per class); a fixed random
    smooth map x = sigmoid(A tanh(B t + b) + a) embeds it into [0, 1]^m, and i.i.d.
    N(0, noise²) pixel noise is added (then clipped to [0, 1]). With noise = 0 the data lie
    exactly on a d-dimensional manifold, so the effect of the latent size k can be read
    against the true intrinsic dimension d.
    """
    m = side * side
    if not 1 <= intrinsic_dim < m:
        raise InputError(f"intrinsic dimension must be in [1, {m - 1}], got {intrinsic_dim}")
    if n_train < 2 or n_test < 1 or n_classes < 2:
        raise InputError("synthetic data needs n_train ≥ 2, n_test ≥ 1 and n_classes ≥ 2")
    if noise < 0:
        raise InputError(f"noise must be ≥ 0, got {noise}")
    rng = np.random.default_rng(seed)
    centres, embed = synthetic_embedding(intrinsic_dim, side, n_classes, rng)

    def draw(n):
        y = rng.integers(0, n_classes, size=n)
        t = centres[y] + rng.normal(0, 0.6, size=(n, intrinsic_dim))
        clean = embed(t)
        x = np.clip(clean + noise * rng.normal(size=clean.shape), 0, 1)
        return x.astype(np.float32), y.astype(np.int64), t

    xtr, ytr, ttr = draw(n_train)
    xte, yte, tte = draw(n_test)
    desc = (f"synthetic: {n_classes} labelled clusters on a {intrinsic_dim}-dimensional manifold "
            f"in R^{m} (pixel noise σ={noise}), {n_train} train / {n_test} test, seed {seed}")
    return Dataset("synthetic", xtr, ytr, xte, yte, (side, side), desc, intrinsic_dim,
                   noise_var=noise**2, latents=(ttr, tte))


def synthetic_embedding(intrinsic_dim: int, side: int, n_classes: int, rng):
    """Class centres in R^d and the smooth map t ↦ sigmoid(A tanh(B t + b) + a) ∈ (0, 1)^m."""
    m = side * side
    hidden = 32
    centres = rng.normal(0, 1.5, size=(n_classes, intrinsic_dim))
    B = rng.normal(0, 1 / np.sqrt(intrinsic_dim), size=(hidden, intrinsic_dim))
    b = rng.normal(0, 0.5, size=hidden)
    A = rng.normal(0, 2 / np.sqrt(hidden), size=(m, hidden))
    a = rng.normal(0, 0.5, size=m)

    def embed(t):
        return 1 / (1 + np.exp(-(np.tanh(np.asarray(t) @ B.T + b) @ A.T + a)))

    return centres, embed


# --------------------------------------------------------------------------- digits
def digits(seed: int = 0, test_fraction: float = 0.25) -> Dataset:
    """scikit-learn's bundled 8×8 handwritten digits (1,797 images, values 0..16 → [0, 1]),
    split stratified with ``seed``. This is *not* MNIST; outputs say so."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_fraction, random_state=seed,
                                          stratify=y)
    desc = (f"scikit-learn bundled 8×8 digits (not MNIST): {len(xtr)} train / {len(xte)} test, "
            f"stratified split seed {seed}")
    return Dataset("digits", xtr, ytr, xte, yte, (8, 8), desc)


# --------------------------------------------------------------------------- MNIST (IDX)
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _find(folder: Path, stem: str) -> Path | None:
    """The file for ``stem`` (gzip preferred), or None; anything else under that name (a
    folder, a dangling link) is an error naming it rather than silently absent."""
    for cand in (folder / f"{stem}.gz", folder / stem):
        if cand.is_file():
            return cand
        if os.path.lexists(cand):
            raise InputError(f"MNIST file {cand} is not a readable regular file")
    return None


def read_idx(path: str | os.PathLike, *, expected_magic: int, expected_count: int | None = None,
             verify_checksum: bool = True) -> tuple[np.ndarray, str]:
    """Read one IDX file (gzip or raw) into a uint8 array, verifying it.

    Checks, each failing with one line naming the file: readable gzip; magic number;
    header dimensions (and the item count when given); payload size (truncated or padded
    files); SHA-256 against the canonical value when one is known for that file name.
    Returns the array and a word on how its checksum was verified.
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read MNIST file {path}: {exc.strerror or exc}") from None
    file_sha = _sha256(blob)
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(blob)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path} is not a readable gzip file ({exc})") from None
    else:
        raw = blob
    if len(raw) < 8:
        raise InputError(f"{path} is truncated: {len(raw)} bytes, shorter than an IDX header")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != expected_magic:
        raise InputError(f"{path} has magic number {magic:#010x}, expected {expected_magic:#010x} "
                         f"({'images' if expected_magic == IMAGE_MAGIC else 'labels'} IDX file)")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise InputError(f"{path} is truncated inside its header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    if expected_count is not None and dims[0] != expected_count:
        raise InputError(f"{path} holds {dims[0]} items, expected {expected_count}")
    if ndim == 3 and dims[1:] != (28, 28):
        raise InputError(f"{path} holds images of size {dims[1]}×{dims[2]}, expected 28×28")
    need = int(np.prod(dims))
    got = len(raw) - header
    if got != need:
        kind = "truncated" if got < need else "longer than its header says"
        raise InputError(f"{path} is {kind}: {got} payload bytes, header says {need}")
    how = "structure only (no canonical checksum embedded for this file)"
    if verify_checksum:
        name = path.name
        raw_name = name[:-3] if name.endswith(".gz") else name
        ok_gz = MNIST_GZ_SHA256.get(name) == file_sha if name.endswith(".gz") else False
        known_raw = MNIST_RAW_SHA256.get(raw_name)
        ok_raw = known_raw is not None and _sha256(raw) == known_raw
        known = (name.endswith(".gz") and name in MNIST_GZ_SHA256) or known_raw is not None
        if ok_gz or ok_raw:
            how = "SHA-256 matches the canonical file"
        elif known:
            raise InputError(f"{path} fails its SHA-256 check: not the canonical MNIST file "
                             f"(got {file_sha[:16]}…)")
    arr = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    return arr, how


def mnist_dir_from(arg: str | os.PathLike | None) -> Path:
    """The MNIST folder: the argument, else $HW7_MNIST_DIR; one clear line when neither."""
    chosen = arg if arg else os.environ.get(MNIST_ENV)
    if not chosen:
        raise InputError(f"MNIST needs a folder of IDX files: pass --mnist-dir DIR or set "
                         f"{MNIST_ENV} (or use --download, or --data digits)")
    p = Path(chosen).expanduser()
    if not p.is_dir():
        raise InputError(f"MNIST folder {p} does not exist")
    return p


def mnist(folder: str | os.PathLike | None = None, *, verify_checksum: bool = True) -> Dataset:
    """MNIST from the standard IDX files in ``folder`` (or $HW7_MNIST_DIR).

    With all four files: the standard 60,000/10,000 split. With only the two t10k files
    (a valid layout, and no train file at all): train on the first 8,000 test-split images,
    evaluate on the last 2,000, and the description says so. A train split that is present
    but unusable — a lone train-images or train-labels file, or either one corrupt — is an
    :class:`InputError` naming the file, never a silent fall-back to the t10k split.
    ``Dataset.source`` records the folder, the split used and every file read with how it
    was verified.
    """
    folder = mnist_dir_from(folder)
    found = {split: tuple(_find(folder, stem) for stem in MNIST_FILES[split])
             for split in MNIST_COUNTS}
    have = {split: all(p is not None for p in paths) for split, paths in found.items()}
    if not have["t10k"]:
        missing = [s for s, p in zip(MNIST_FILES["t10k"], found["t10k"]) if p is None]
        raise InputError(f"MNIST folder {folder} lacks {', '.join(m + '[.gz]' for m in missing)}")
    lone = [p for p in found["train"] if p is not None]
    if lone and not have["train"]:
        missing = next(s for s, p in zip(MNIST_FILES["train"], found["train"]) if p is None)
        raise InputError(f"MNIST folder {folder} has {lone[0].name} but no {missing}[.gz]: the "
                         f"train split is incomplete (add the missing file, or remove "
                         f"{lone[0].name} to train on the t10k split alone)")
    files: dict[str, str] = {}

    def load(split):
        imgs_p, labs_p = found[split]
        n = MNIST_COUNTS[split]
        imgs, h1 = read_idx(imgs_p, expected_magic=IMAGE_MAGIC, expected_count=n,
                            verify_checksum=verify_checksum)
        labs, h2 = read_idx(labs_p, expected_magic=LABEL_MAGIC, expected_count=n,
                            verify_checksum=verify_checksum)
        if labs.max() > 9:
            raise InputError(f"{labs_p} holds label {int(labs.max())}; MNIST labels are 0..9")
        files[imgs_p.name], files[labs_p.name] = h1, h2
        x = (imgs.reshape(n, -1).astype(np.float32) / 255.0)
        return x, labs.astype(np.int64), {h1, h2}

    xte, yte, how = load("t10k")
    if have["train"]:
        xtr, ytr, how_tr = load("train")
        how |= how_tr
        desc = f"MNIST from {folder}: standard split, 60000 train / 10000 test"
    else:
        xtr, ytr = xte[:T10K_TRAIN], yte[:T10K_TRAIN]
        xte, yte = xte[T10K_TRAIN:], yte[T10K_TRAIN:]
        desc = (f"MNIST from {folder}: no train files are present, only the t10k files, so "
                f"training uses its first {T10K_TRAIN} images and evaluation its last "
                f"{10_000 - T10K_TRAIN}")
    desc += "; checksums: " + "; ".join(sorted(how))
    source = {"folder": str(folder), "split": "standard" if have["train"] else "t10k-only",
              "n_train": int(len(xtr)), "n_test": int(len(xte)), "files": files}
    return Dataset("mnist", xtr, ytr, xte, yte, (28, 28), desc, source=source)


def download_mnist(folder: str | os.PathLike, *, timeout: float = 30.0,
                   progress=None) -> Path:
    """Fetch the four canonical gzip files into ``folder`` (explicit ``--download`` only).

    Each file is checked against its SHA-256 before it is written (atomically); existing
    valid files are kept, and an existing file that is not the canonical one is an error
    naming it (never replaced). Without a network this fails with one line.
    """
    import urllib.error
    import urllib.request

    from hw7core.atomic import write_bytes_atomic

    folder = Path(folder).expanduser()
    names = list(MNIST_GZ_SHA256)
    it = progress(names, desc="download MNIST") if progress else names
    for name in it:
        dest = folder / name
        if dest.is_file() and _sha256(dest.read_bytes()) == MNIST_GZ_SHA256[name]:
            continue
        if os.path.lexists(dest):   # never replace a file it did not write
            raise InputError(f"{dest} exists and is not the canonical {name}; move it away "
                             f"to download a fresh copy (it is never replaced)")
        errors = []
        for base in MNIST_MIRRORS:
            try:
                with urllib.request.urlopen(base + name, timeout=timeout) as resp:
                    blob = resp.read()
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{base}: {getattr(exc, 'reason', exc)}")
                continue
            if _sha256(blob) != MNIST_GZ_SHA256[name]:
                errors.append(f"{base}: checksum mismatch")
                continue
            write_bytes_atomic(dest, blob)
            break
        else:
            raise InputError(f"could not download {name} (no network? tried "
                             f"{len(MNIST_MIRRORS)} mirrors; first error: {errors[0]})")
    return folder


def load(name: str, *, mnist_dir: str | os.PathLike | None = None, seed: int = 0,
         download: bool = False, progress=None, **synthetic_kw) -> Dataset:
    """Load a dataset by name: "synthetic", "digits" (default elsewhere) or "mnist"."""
    if name == "synthetic":
        return synthetic(seed=seed, **synthetic_kw)
    if name == "digits":
        return digits(seed=seed)
    if name == "mnist":
        if download:
            target = mnist_dir or os.environ.get(MNIST_ENV)
            if not target:
                raise InputError(f"--download needs a target folder: --mnist-dir DIR or {MNIST_ENV}")
            download_mnist(target, progress=progress)
            return mnist(target)
        return mnist(mnist_dir)
    raise InputError(f"unknown dataset {name!r}: use synthetic, digits or mnist")
