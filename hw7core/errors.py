"""The error every library routine raises for bad input: one clear line for the user.

Library code (``derivations/``, ``numerics/``, ``hw7core``) raises :class:`InputError`
(a ``ValueError``); the CLI turns it into ``hw7: error: <message>`` and exit code 2.
"""

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input to a library routine: the message names the problem in one line."""
