"""Shared test set-up: Hypothesis profiles, the ``gpu`` marker, devices, MNIST.

Profiles (select with HYPOTHESIS_PROFILE=...):
  ci        default; derandomised, few examples, no deadline — fast and repeatable.
  thorough  many examples, random seeds — for long runs before a release.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HW7_QUIET", "1")

settings.register_profile(
    "ci", max_examples=15, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory):
    """Derived reference entries go to a throw-away cache, not the user's (module scope:
    the references are derived once per test module). Use with
    ``pytestmark = pytest.mark.usefixtures("private_cache")``."""
    old = os.environ.get("HW7_CACHE_DIR")
    os.environ["HW7_CACHE_DIR"] = str(tmp_path_factory.mktemp("hw7-cache"))
    yield
    if old is None:
        os.environ.pop("HW7_CACHE_DIR", None)
    else:
        os.environ["HW7_CACHE_DIR"] = old


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:  # pragma: no cover
        return False


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="CUDA not available")
    has_cuda = _cuda()
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip_gpu)


# Parametrise torch checks over devices; the CUDA case carries the gpu marker.
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES, scope="session")
def device(request):
    return request.param


def mnist_dir() -> Path | None:
    """The real MNIST folder: $HW7_MNIST_DIR, else ../shared/data/mnist beside the repo."""
    env = os.environ.get("HW7_MNIST_DIR")
    cands = [Path(env)] if env else []
    cands.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
    for c in cands:
        if (c / "t10k-images-idx3-ubyte.gz").exists() or (c / "t10k-images-idx3-ubyte").exists():
            return c
    return None


@pytest.fixture
def mnist_path():
    p = mnist_dir()
    if p is None:
        pytest.skip("real MNIST files not found (set HW7_MNIST_DIR)")
    return p
