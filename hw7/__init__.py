"""hw7-verify: derive (SymPy), confirm (numpy/torch) and property-test (Hypothesis)
the answers of EECS 182 Homework 7.

Layout: ``derivations/<result>.py`` derives, ``numerics/<result>.py`` confirms,
``hw7/questions/<result>.py`` glues both into answer-key entries, and
``proofs_tests/test_<result>.py`` property-tests them.

From Python (e.g. a notebook), :func:`check` judges an answer as ``hw7 check`` does.
Importing :mod:`hw7` imports nothing heavy: the checker loads on the first call.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "check"]


def check(qid: str, answer: str, *, timeout: float | None = None, key: str | None = None,
          variant=None):
    """Judge ``answer`` to question ``qid`` (``hw7 check QID ANSWER`` from Python; issue 12).

    qid: a checkable question id (``hw7 list`` marks them), e.g. ``"q3c"``.
    answer: the answer as text (plain, or the notations the readers accept); it is
        hostile input: read by the whitelist readers, never evaluated.
    timeout: hard wall-clock limit of the judgement in seconds (default 5); it runs
        in a forked child with a memory limit, like the command.
    key: judge against this ``answers.json`` (written by ``hw7 answers``) instead of
        the derivations.
    variant: judge against a homework variant: a TOML file's path (see ``variants/``)
        or a :class:`hw7.variants.Variant` (not together with ``key``).

    Returns the :class:`~hw7.checker.judge.Verdict` (``status`` "correct", "refuted"
    or "unjudged"; ``exit_code`` 0/1/2; ``message``; ``counterexample``; how the
    answer was read). In Jupyter it displays the answer as read, the verdict and
    the counterexample as rendered math. An answer that cannot be judged is a
    verdict with status "unjudged"; an unknown or uncheckable ``qid`` raises
    :class:`hw7core.errors.InputError` (one line).

    >>> import hw7
    >>> v = hw7.check("q3c", "sqrt(d)")
    >>> v.status, v.exit_code
    ('correct', 0)
    >>> hw7.check("q3c", "d/2").status
    'refuted'
    """
    from hw7.checker import judge
    from hw7.checker.batch import Resolver
    from hw7.checker.formats import shown
    from hw7.errors import InputError, UsageError

    if not isinstance(qid, str) or not isinstance(answer, str):
        raise InputError("hw7.check(qid, answer): both must be strings")
    t = judge.DEFAULT_TIMEOUT if timeout is None else float(timeout)
    if not 0 < t <= 600:
        raise InputError(f"timeout must be between 0 and 600 seconds, got {timeout}")
    if variant is not None:
        from hw7 import variants

        if key is not None:
            raise InputError("give key or variant, not both (a key file names its own variant)")
        variant = variants.for_run(variant)
    try:
        entry = Resolver(key, variant)(qid)
    except UsageError as exc:
        raise InputError(str(exc)) from None
    return shown(judge.judge_limited(entry, answer, timeout=t), entry)
