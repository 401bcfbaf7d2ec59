"""Errors of the command line, above the core layer.

:class:`InputError` lives in :mod:`hw7core.errors` (library code raises it);
:class:`UsageError` is the CLI's own. The CLI turns both into
``hw7: error: <message>`` and exit code 2.
"""

from hw7core.errors import InputError

__all__ = ["InputError", "UsageError"]


class UsageError(Exception):
    """Bad command-line usage (unknown id, unwritable path...)."""
