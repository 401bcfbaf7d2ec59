"""``hw7 check QID ANSWER``: is a student's answer equivalent to the derived one? (issue 7)

Exit codes: 0 correct, 1 refuted (with a counterexample where one exists),
2 the answer could not be judged (unparsable, unknown symbol, disallowed
construct, too large, timed out) — always one line, never a traceback.
ANSWER ``-`` reads the answer from standard input (for autograders).
"""

from __future__ import annotations

import json
import sys

from hw7.errors import InputError, UsageError

MAX_STDIN = 4096


def register(sub) -> None:
    p = sub.add_parser("check", help="judge an answer against the derived one (exit 0/1/2)")
    p.add_argument("qid", help="question id, e.g. q3c (see 'hw7 list')")
    p.add_argument("answer", nargs="?", default=None,
                   help="the answer, e.g. 'sqrt(d)'; '-' reads it from standard input "
                        "(an answer that starts with '-' goes after '--': hw7 check q3c -- -sqrt(d))")
    p.add_argument("--show", action="store_true",
                   help="print the symbols the question uses and an example of the syntax")
    p.add_argument("--json", action="store_true", help="print a machine-readable verdict")
    p.add_argument("--timeout", type=float, default=None,
                   help="hard time limit per check in seconds (default 5)")
    p.add_argument("--key", default=None, metavar="ANSWERS_JSON",
                   help="judge against this answers.json (from 'hw7 answers') instead of deriving")
    p.add_argument("--variant", metavar="FILE", default=None,
                   help="judge against the key derived for this homework variant (TOML)")
    p.set_defaults(func=run)


def _entry(qid: str, key: str | None, variant=None) -> dict:
    from hw7.checker import judge as ac

    if key is None:
        return ac.reference_entry(qid, variant=variant)
    entries = ac.entries_from_key(key)
    q = qid.strip()
    for k in (q, q.lower()):
        if k in entries:
            return entries[k]
    checkable = ", ".join(k for k, e in entries.items() if ac.checkable(e))
    raise UsageError(f"unknown question id {qid!r} in {key}; checkable ids: {checkable}")


def _sub_answers(qid: str, key: str | None) -> list[str]:
    """Checkable sub-answers of ``qid`` (q5c -> q5c.time, q5c.space)."""
    from hw7.checker import judge as ac

    prefix = qid.strip().lower() + "."
    if key is not None:
        return [q for q, e in ac.entries_from_key(key).items()
                if q.lower().startswith(prefix) and ac.checkable(e)]
    return [q for q in ac.checkable_ids() if q.lower().startswith(prefix)]


def run(args) -> int:
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal must not turn "×" into a traceback
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        return _run(args)
    except (UsageError, InputError) as exc:
        if not args.json:
            raise
        # autograders get JSON on stdout whatever went wrong
        print(json.dumps({"qid": args.qid, "status": "unjudged", "message": str(exc),
                          "exit_code": 2}, ensure_ascii=False))
        return 2


def _run(args) -> int:
    from hw7.checker import judge as ac

    timeout = ac.DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if not 0 < timeout <= 600:
        raise UsageError(f"--timeout must be between 0 and 600 seconds, got {args.timeout}")
    variant = None
    if getattr(args, "variant", None) is not None:
        from hw7.variants import load

        if args.key is not None:
            raise UsageError("give --key or --variant, not both (a key file names its own variant)")
        variant = load(args.variant)
    entry = _entry(args.qid, args.key, variant)
    qid = entry.get("qid") or args.qid
    why = ac.uncheckable_reason(entry)
    if why is not None:
        subs = _sub_answers(qid, args.key)
        if subs:
            raise UsageError(f"{qid} has no checkable answer itself; check one of its parts: "
                             + ", ".join(subs))
        raise UsageError(f"{qid} has no checkable answer ({why}); 'hw7 list' marks the checkable ids")
    if args.show:
        for line in ac.describe(entry):
            print(line)
        if args.answer is None:
            return 0
    if args.answer is None:
        raise UsageError("give an ANSWER to check (or --show to see the expected syntax)")
    text = args.answer
    if text == "-":
        raw = sys.stdin.buffer.read(MAX_STDIN + 1)
        if len(raw) > MAX_STDIN:
            raise UsageError(f"the answer on standard input is longer than {MAX_STDIN} bytes")
        text = raw.decode("utf-8", errors="replace").strip()
    verdict = ac.judge_limited(entry, text, timeout=timeout)
    if args.json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False, default=str))
    else:
        print(verdict.line())
    return verdict.exit_code
