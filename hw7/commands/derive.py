"""``hw7 derive QID``: print one derivation, pretty and as LaTeX (no numerics)."""

from __future__ import annotations

from hw7.commands import _variant as variant_arg


def register(sub) -> None:
    p = sub.add_parser("derive", help="print a derivation (pretty and LaTeX)")
    p.add_argument("qid", help="question id, e.g. q3c (see 'hw7 list')")
    variant_arg.add_argument(p, "derive for a homework variant (TOML, see variants/)")
    p.set_defaults(func=run)


def run(args) -> int:
    import sympy as sp

    from hw7.registry import Context, select

    variant = variant_arg.load(args)      # validated before anything is derived
    ctx = Context(numeric=False, quiet=True, variant=variant)
    for sec in select(args.qid):
        ans = sec.run(ctx)
        print(f"{ans.qid} — {ans.title} ({ans.question})")
        print("=" * 60)
        if ans.obj is not None:
            print(sp.pretty(ans.obj, use_unicode=True))
        elif ans.expr:
            print(ans.expr)
        if ans.choices is not None:
            print("answer:", ", ".join(ans.choices))
        if ans.latex:
            print("LaTeX:", ans.latex)
        if ans.explanation:
            print(ans.explanation)
        for j, (desc, tex) in enumerate(ans.derivation, 1):
            print(f"  {j}. {desc}")
            if tex:
                print(f"     {tex}")
        for c in ans.checks:
            print(f"  [{'pass' if c.passed else 'FAIL'}] {c.kind}: {c.what} -> {c.measured}")
        print()
    return 0
