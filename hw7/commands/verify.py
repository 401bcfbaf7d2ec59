"""``hw7 verify [QID]``: run the confirmations and print a table of checks."""

from __future__ import annotations

import json

from hw7.commands import _variant as variant_arg


def register(sub) -> None:
    p = sub.add_parser("verify", help="run the numeric confirmations and print a table")
    p.add_argument("qid", nargs="?", default=None, help="question id (default: all)")
    p.add_argument("--profile", choices=["fast", "full"], default="fast")
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    variant_arg.add_argument(p, "confirm the key derived for a homework variant (TOML, see variants/)")
    p.set_defaults(func=run)


def _short(v, n=48) -> str:
    if isinstance(v, float):
        s = f"{v:.6g}"
    elif isinstance(v, (dict, list)):
        s = json.dumps(v, default=str, ensure_ascii=False)
    else:
        s = str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def run(args) -> int:
    from hw7.registry import Context, select
    from hw7core.device import resolve_device

    resolve_device(args.device)
    variant = variant_arg.load(args)      # validated before anything is derived
    ctx = Context(profile=args.profile, device=args.device, seed=args.seed, quiet=args.quiet,
                  variant=variant)
    rows = []
    for sec in select(args.qid):
        ans = sec.run(ctx)
        for c in ans.checks:
            rows.append((ans.qid, c.kind, _short(c.what, 70), _short(c.measured),
                         _short(c.tolerance if c.tolerance is not None else "exact", 28),
                         "pass" if c.passed else "FAIL"))
    head = ("question", "kind", "check", "measured", "tolerance", "result")
    widths = [max(len(str(r[j])) for r in rows + [head]) for j in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))
    failed = sum(r[-1] == "FAIL" for r in rows)
    print(f"\n{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0
