"""Q1(a) data: the synthetic manifold, the bundled 8×8 digits, and the MNIST IDX loader
(gzip/raw, magic, size and checksum verification; the t10k-only split; --download offline)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import struct
import urllib.error

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw7.errors import InputError
from numerics import datasets as ds


def _idx_bytes(arr: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _write(path, data: bytes, gz: bool):
    path.write_bytes(gzip.compress(data) if gz else data)


# ----------------------------------------------------------------------------- synthetic
@given(st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_synthetic_shapes_range_and_determinism(d, seed):
    a = ds.synthetic(60, 20, intrinsic_dim=d, seed=seed)
    b = ds.synthetic(60, 20, intrinsic_dim=d, seed=seed)
    assert a.x_train.shape == (60, 64) and a.x_test.shape == (20, 64)
    assert a.intrinsic_dim == d and a.image_shape == (8, 8)
    assert 0 <= a.x_train.min() and a.x_train.max() <= 1
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)


@given(st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_synthetic_noise_free_data_lie_on_a_d_dimensional_manifold(d, seed):
    """With noise 0 every point is embed(t) for its latent t ∈ R^d, and the embedding's
    Jacobian has full rank d there (central differences): the manifold is d-dimensional."""
    data = ds.synthetic(40, 5, intrinsic_dim=d, noise=0.0, seed=seed)
    _, embed = ds.synthetic_embedding(d, 8, 5, np.random.default_rng(seed))
    ttr, _ = data.latents
    np.testing.assert_allclose(data.x_train, embed(ttr), atol=1e-6)   # float32 storage
    h = 1e-5
    for t in ttr[:5]:
        J = np.stack([(embed(t + h * e) - embed(t - h * e)) / (2 * h) for e in np.eye(d)], 1)
        sv = np.linalg.svd(J, compute_uv=False)
        assert J.shape == (64, d) and sv[-1] > 1e-3 * sv[0], sv


def test_synthetic_bad_input():
    with pytest.raises(InputError, match="intrinsic dimension"):
        ds.synthetic(intrinsic_dim=64)
    with pytest.raises(InputError, match="noise"):
        ds.synthetic(noise=-1)


def test_digits_is_labelled_as_not_mnist():
    d = ds.digits(seed=0)
    assert "not MNIST" in d.description
    assert d.x_train.shape[1] == 64 and len(d.x_train) + len(d.x_test) == 1797
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1 and d.n_classes == 10


# ----------------------------------------------------------------------------- IDX files
@pytest.mark.parametrize("gz", [False, True])
def test_idx_roundtrip_structure_only_for_unknown_names(tmp_path, gz):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    p = tmp_path / ("custom-images.gz" if gz else "custom-images")
    _write(p, _idx_bytes(arr, ds.IMAGE_MAGIC), gz)
    got, how = ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC, expected_count=7)
    np.testing.assert_array_equal(got, arr)
    assert "structure only" in how


@pytest.mark.parametrize("gz", [False, True])
def test_idx_rejects_wrong_magic_truncation_and_bad_gzip(tmp_path, gz):
    arr = np.zeros((5, 28, 28), np.uint8)
    good = _idx_bytes(arr, ds.IMAGE_MAGIC)
    p = tmp_path / ("x.gz" if gz else "x")
    _write(p, _idx_bytes(arr, ds.LABEL_MAGIC + 7), gz)
    with pytest.raises(InputError, match="magic number"):
        ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC)
    _write(p, good[:-10], gz)
    with pytest.raises(InputError, match="truncated"):
        ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC)
    _write(p, good + b"\0", gz)
    with pytest.raises(InputError, match="longer than"):
        ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC)
    _write(p, good, gz)
    with pytest.raises(InputError, match="holds 5 items"):
        ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC, expected_count=10)
    if gz:
        p.write_bytes(gzip.compress(good)[:-20])
        with pytest.raises(InputError, match="gzip"):
            ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC)


def test_checksum_mismatch_on_a_canonical_name_fails(tmp_path):
    """A structurally valid file named like a canonical MNIST file but with other content
    is rejected by its SHA-256 (the error names the file)."""
    arr = np.zeros((10_000, 28, 28), np.uint8)
    for gz in (True, False):
        name = "t10k-images-idx3-ubyte" + (".gz" if gz else "")
        p = tmp_path / name
        _write(p, _idx_bytes(arr, ds.IMAGE_MAGIC), gz)
        with pytest.raises(InputError, match="SHA-256") as exc:
            ds.read_idx(p, expected_magic=ds.IMAGE_MAGIC, expected_count=10_000)
        assert name in str(exc.value) and "\n" not in str(exc.value)
        p.unlink()


def test_mnist_folder_errors(tmp_path, monkeypatch):
    monkeypatch.delenv(ds.MNIST_ENV, raising=False)
    with pytest.raises(InputError, match="HW7_MNIST_DIR"):
        ds.mnist(None)
    with pytest.raises(InputError, match="does not exist"):
        ds.mnist(tmp_path / "nope")
    with pytest.raises(InputError, match="lacks t10k-images"):
        ds.mnist(tmp_path)


def test_download_offline_fails_with_one_line(tmp_path, monkeypatch):
    def no_net(*a, **k):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("urllib.request.urlopen", no_net)
    with pytest.raises(InputError, match="could not download") as exc:
        ds.load("mnist", mnist_dir=tmp_path, download=True)
    assert "\n" not in str(exc.value)
    assert not any(tmp_path.iterdir())          # nothing half-written


def test_download_rejects_a_corrupt_mirror(tmp_path, monkeypatch):
    class Resp:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self):
            return b"not mnist"

    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: Resp())
    with pytest.raises(InputError, match="checksum mismatch"):
        ds.download_mnist(tmp_path)
    assert not any(tmp_path.iterdir())


# ----------------------------------------------------------------------------- real MNIST
@pytest.mark.mnist
def test_real_t10k_only_split(mnist_path, tmp_path):
    src = {p.name for p in mnist_path.iterdir()}
    if any(n.startswith("train-") for n in src):
        pytest.skip("this folder holds the full MNIST; the t10k-only layout is tested on a copy")
    d = ds.mnist(mnist_path)
    assert d.x_train.shape == (8000, 784) and d.x_test.shape == (2000, 784)
    assert "first 8000" in d.description and "last 2000" in d.description
    assert "SHA-256 matches" in d.description
    assert d.n_classes == 10 and 0 <= d.x_train.min() and d.x_train.max() <= 1


@pytest.mark.mnist
def test_real_t10k_raw_files_verify_by_content_hash(mnist_path, tmp_path):
    """Decompressed (raw IDX) canonical files pass by their content SHA-256; the same split
    comes back as from the gzip files."""
    for stem in ds.MNIST_FILES["t10k"]:
        gz = mnist_path / f"{stem}.gz"
        if not gz.exists():
            pytest.skip("gzip t10k files not present")
        raw = gzip.decompress(gz.read_bytes())
        assert hashlib.sha256(raw).hexdigest() == ds.MNIST_RAW_SHA256[stem]
        (tmp_path / stem).write_bytes(raw)
    a, b = ds.mnist(tmp_path), ds.mnist(mnist_path)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    np.testing.assert_array_equal(a.y_train, b.y_train)


@pytest.mark.mnist
def test_real_file_with_one_flipped_byte_is_rejected(mnist_path, tmp_path):
    for stem in ds.MNIST_FILES["t10k"]:
        shutil.copy(mnist_path / f"{stem}.gz", tmp_path / f"{stem}.gz")
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(p.read_bytes()))
    raw[100] = (raw[100] + 1) % 10                 # a different, still valid label
    p.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(InputError, match="SHA-256"):
        ds.mnist(tmp_path)


# ----------------------------------------------------------------------------- folder layouts
_IDX_CACHE: dict = {}


def _mnist_file(split: str, kind: str, state: str) -> bytes:
    """Bytes of a structurally valid (or corrupt) gzip IDX file for ``split``/``kind``."""
    key = (split, kind, state)
    if key not in _IDX_CACHE:
        n = ds.MNIST_COUNTS[split]
        rng = np.random.default_rng(len(split) + len(kind))
        if kind == "images":
            raw = _idx_bytes(np.zeros((n, 28, 28), np.uint8), ds.IMAGE_MAGIC)
        else:
            raw = _idx_bytes(rng.integers(0, 10, n).astype(np.uint8), ds.LABEL_MAGIC)
        if state == "corrupt":
            raw = raw[: len(raw) // 2]               # a truncated download
        _IDX_CACHE[key] = gzip.compress(raw, compresslevel=1)
    return _IDX_CACHE[key]


FILES = [(split, kind) for split in ("t10k", "train") for kind in ("images", "labels")]


def _stem(split, kind):
    return ds.MNIST_FILES[split][0 if kind == "images" else 1]


@pytest.mark.parametrize("states", [
    (a, b, c, d) for a in ("absent", "valid", "corrupt") for b in ("absent", "valid", "corrupt")
    for c in ("absent", "valid", "corrupt") for d in ("absent", "valid", "corrupt")])
def test_every_folder_layout_is_used_truthfully_or_refused_naming_the_file(tmp_path, states):
    """All 81 layouts of the four MNIST files (absent / valid / corrupt): the loader uses
    the standard split only when both train files are valid, the t10k-only split only when
    no train file is there at all, and otherwise fails with one line naming the file at
    fault (a corrupt file, or a lone train file) — never a silent fall-back. The dataset
    records exactly the files it read."""
    present = {}
    for (split, kind), state in zip(FILES, states):
        if state != "absent":
            name = _stem(split, kind) + ".gz"
            (tmp_path / name).write_bytes(_mnist_file(split, kind, state))
            present[name] = state
    t10k_names = {_stem("t10k", k) + ".gz" for k in ("images", "labels")}
    train_names = {_stem("train", k) + ".gz" for k in ("images", "labels")}
    t10k_ok = all(present.get(n) == "valid" for n in t10k_names)
    train_present = train_names & set(present)
    if not t10k_names <= set(present):
        with pytest.raises(InputError, match="lacks"):
            ds.mnist(tmp_path, verify_checksum=False)
        return
    if not t10k_ok or train_present and (len(train_present) == 1 or any(
            present[n] == "corrupt" for n in train_present)):
        with pytest.raises(InputError) as exc:
            ds.mnist(tmp_path, verify_checksum=False)
        msg = str(exc.value)
        at_fault = {n for n, s in present.items() if s == "corrupt"}
        if len(train_present) == 1:
            at_fault |= train_present
        assert "\n" not in msg and any(n in msg for n in at_fault), (msg, at_fault)
        return
    d = ds.mnist(tmp_path, verify_checksum=False)
    assert set(d.source["files"]) == set(present)
    if train_present:
        assert d.source["split"] == "standard" and len(d.x_train) == 60_000
        assert "standard split" in d.description
    else:
        assert d.source["split"] == "t10k-only" and len(d.x_train) == ds.T10K_TRAIN
        assert "no train files are present" in d.description


@pytest.mark.mnist
@pytest.mark.parametrize("lone", ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
@pytest.mark.parametrize("corrupt", [False, True])
def test_cli_real_t10k_with_a_lone_train_file_is_an_error(mnist_path, tmp_path, capsys, lone,
                                                          corrupt):
    """Issue 11: the real t10k files plus a lone (or corrupt) train file trained with exit 0
    and metrics.json claimed only the t10k files were there."""
    from hw7.cli import main

    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem in ds.MNIST_FILES["t10k"]:
        shutil.copy(mnist_path / f"{stem}.gz", folder / f"{stem}.gz")
    split, kind = "train", "images" if "images" in lone else "labels"
    (folder / lone).write_bytes(b"\x1f\x8b garbage" if corrupt else _mnist_file(split, kind,
                                                                                 "valid"))
    out = tmp_path / "out"
    rc = main(["train", "ae", "--data", "mnist", "--mnist-dir", str(folder), "--latent", "2",
               "--epochs", "1", "--hidden", "16", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and lone in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.mnist
def test_cli_real_t10k_only_metrics_describe_the_folder(mnist_path, tmp_path, monkeypatch):
    import json

    from hw7.cli import main

    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem in ds.MNIST_FILES["t10k"]:
        shutil.copy(mnist_path / f"{stem}.gz", folder / f"{stem}.gz")
    real = ds.mnist

    def small(*a, **k):          # the folder is read in full; training uses a slice (speed)
        d = real(*a, **k)
        d.x_train, d.y_train, d.x_test, d.y_test = (d.x_train[:300], d.y_train[:300],
                                                    d.x_test[:100], d.y_test[:100])
        return d

    monkeypatch.setattr(ds, "mnist", small)
    out = tmp_path / "out"
    assert main(["train", "ae", "--data", "mnist", "--mnist-dir", str(folder), "--latent", "2",
                 "--epochs", "1", "--hidden", "16", "--out", str(out), "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    src = m["data_source"]
    assert src["split"] == "t10k-only" and src["folder"] == str(folder)
    assert set(src["files"]) == {f"{s}.gz" for s in ds.MNIST_FILES["t10k"]}
    assert all("SHA-256 matches" in v for v in src["files"].values())
    assert (src["n_train"], src["n_test"]) == (8000, 2000)
    assert "no train files are present" in m["description"]


@pytest.mark.parametrize("content", [b"", b"my own notes", b"\x1f\x8b\x08 truncated"])
def test_download_never_replaces_a_file_it_did_not_write(tmp_path, monkeypatch, content):
    """--download over a folder with a non-canonical file under a canonical name: one line
    naming it, the file untouched, nothing fetched."""
    calls = []
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: calls.append(a))
    name = next(iter(ds.MNIST_GZ_SHA256))
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match="is never replaced") as exc:
        ds.download_mnist(tmp_path)
    assert name in str(exc.value) and "\n" not in str(exc.value)
    assert (tmp_path / name).read_bytes() == content and not calls
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
