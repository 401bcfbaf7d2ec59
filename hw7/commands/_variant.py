"""``--variant FILE``, shared by the subcommands that derive (answers, check, derive, verify).

The file is read and validated by :func:`hw7.variants.load` before the command does
anything else, so a bad file is one line ``hw7: error: …`` (exit 2) and nothing is
written or derived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only (hw7.variants imports SymPy)
    from hw7.variants import Variant


def add_argument(parser, help: str) -> None:
    """Add ``--variant FILE`` (default None: the homework as printed) to ``parser``."""
    parser.add_argument("--variant", metavar="FILE", default=None, help=help)


def load(args) -> Variant | None:
    """The variant named by ``args.variant`` (:func:`hw7.variants.for_run`: validated,
    InputError in one line; None for none, or for the homework's own settings)."""
    path = getattr(args, "variant", None)
    if path is None:
        return None
    from hw7.variants import for_run

    return for_run(path)
