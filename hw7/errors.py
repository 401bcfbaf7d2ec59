"""Errors that carry one clear line for the user.

Library code raises :class:`InputError` (a ``ValueError``) for bad input; the CLI
turns it, and :class:`UsageError`, into ``hw7: error: <message>`` and exit code 2.
"""


class InputError(ValueError):
    """Bad input to a library routine: the message names the problem in one line."""


class UsageError(Exception):
    """Bad command-line usage (unknown id, unavailable device, unwritable path...)."""
