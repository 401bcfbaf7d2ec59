"""Progress bars for long work (tqdm on stderr), silenced by ``quiet``."""

from __future__ import annotations

import os
import sys


def progress(iterable, desc: str = "", total: int | None = None, quiet: bool = False):
    quiet = quiet or os.environ.get("HW7_QUIET") == "1"
    if quiet:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr,
                dynamic_ncols=True, disable=None)
