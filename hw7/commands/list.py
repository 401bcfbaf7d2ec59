"""``hw7 list``: the question ids with their titles."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("list", help="list question ids")
    p.set_defaults(func=run)


def run(args) -> int:
    from hw7.registry import sections

    try:  # the checker (issue 7) tells which ids `hw7 check` accepts
        from hw7.checker.judge import checkable_ids
        checkable = set(checkable_ids())
    except ImportError:
        checkable = set()
    width = max((len(s.qid) for s in sections()), default=4)
    for s in sections():
        mark = "  [check]" if s.qid in checkable else ""
        print(f"{s.qid:<{width}}  {s.question:<14} {s.title}{mark}")
    return 0
