"""The examples/ scripts run from a clean checkout as ``python examples/NAME.py`` and exit 0.

Each is a derivation script written only against the public API (README, "Public API");
running it here is what keeps that API honest. A script that fails its own checks exits 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))


def test_examples_exist():
    assert {"correlated_dot_product.py", "q2_mean_convention.py",
            "cubic_kernel_attention.py"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_and_passes(name):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
