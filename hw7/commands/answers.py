"""``hw7 answers``: build the answer key (or check that the committed one is fresh)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from hw7.commands import _variant as variant_arg
from hw7.errors import UsageError
from hw7.registry import Context
from hw7core.device import resolve_device

DEFAULT_OUT = Path("docs/answers")


def register(sub) -> None:
    p = sub.add_parser("answers", help="run every derivation and confirmation; write the answer key")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="output folder (default: docs/answers)")
    p.add_argument("--profile", choices=["fast", "full"], default="fast",
                   help="fast: CI-sized confirmations; full: the thorough sweep")
    p.add_argument("--device", default="cpu", help="cpu or cuda (torch confirmations)")
    p.add_argument("--seed", type=int, default=0, help="master seed (recorded in the output)")
    p.add_argument("--only", metavar="QID", default=None,
                   help="build only this question (id or homework prefix, e.g. q3); over an "
                   "existing key in --out, update those sections inside it and keep the others")
    p.add_argument("--check", action="store_true",
                   help="do not write: exit 1 if the key in --out differs from a fresh build")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch intra-op threads for the confirmations (default 1: they are "
                   "small, and with more an OpenMP team waits for its slowest, possibly "
                   "descheduled, thread at every op, so a build sharing the CPUs slowed "
                   "tenfold); the key does not depend on it beyond round-off")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty --out folder that holds no earlier key: the "
                   "key's files are added beside yours (none of yours is ever replaced or "
                   "deleted; a name clash is still an error)")
    variant_arg.add_argument(p, "derive the key for a homework variant (TOML, see variants/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from hw7 import report

    resolve_device(args.device)
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.threads < 1:
        raise UsageError(f"--threads must be a positive integer, got {args.threads}")
    variant = variant_arg.load(args)      # read and validated before anything is written
    ctx = Context(profile=args.profile, device=args.device, seed=args.seed, quiet=args.quiet,
                  variant=variant)
    out: Path = args.out
    from numerics.attention_cost import torch_threads

    with torch_threads(args.threads):
        if args.check:
            return _check(ctx, out, args.only)
        report.check_writable(out)
        key = report.build_into(ctx, out, args.only, force=args.force)
    return _summary(key, out)


def _summary(key: dict, out: Path) -> int:
    answers = key["answers"]
    failed = [(q, c["what"]) for q, e in answers.items() for c in e["checks"] if not c["passed"]]
    n_checks = sum(len(e["checks"]) for e in answers.values())
    print(f"wrote {out}/answers.md, answers.json, figures/ ({len(answers)} answers, {n_checks} "
          f"checks, {key['meta']['wall_s']:.1f} s)")
    if failed:
        for q, what in failed:
            sys.stderr.write(f"hw7: FAILED check in {q}: {what}\n")
        return 1
    return 0


def _check(ctx: Context, out: Path, only: str | None) -> int:
    from hw7 import report

    committed_json = out / "answers.json"
    if not committed_json.is_file():
        raise UsageError(f"no committed answer key at {committed_json}; run 'hw7 answers' first")
    try:
        committed = json.loads(committed_json.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {committed_json}: {exc}") from None
    problems: list[str] = []
    md = out / "answers.md"
    if not md.is_file() or md.read_text(encoding="utf-8") != report.render_markdown(committed):
        problems.append(f"{md} does not match its answers.json (edited by hand or stale)")
    for e in committed.get("answers", {}).values():
        for fig in e.get("figures", []):
            if not (out / fig).is_file():
                problems.append(f"{out / fig} is referenced but missing")
    if committed.get("meta", {}).get("profile") != ctx.profile:
        problems.append(f"committed key was built with --profile "
                        f"{committed.get('meta', {}).get('profile')}, checking with {ctx.profile}")
    with tempfile.TemporaryDirectory(prefix="hw7-check-") as tmp:
        fresh = report.build_into(ctx, Path(tmp) / "answers", only)
    if only is not None:
        committed = {"meta": committed.get("meta", {}),
                     "answers": {q: e for q, e in committed.get("answers", {}).items()
                                 if q in fresh["answers"]}}
    problems += report.diff_keys(committed, fresh)
    failed = [(q, c["what"]) for q, e in fresh["answers"].items() for c in e["checks"]
              if not c["passed"]]
    problems += [f"fresh build: FAILED check in {q}: {w}" for q, w in failed]
    if problems:
        for p in problems:
            sys.stderr.write(f"hw7: stale answer key: {p}\n")
        sys.stderr.write("hw7: regenerate with 'hw7 answers' and commit docs/answers\n")
        return 1
    print(f"answer key in {out} is up to date ({len(fresh['answers'])} answers, "
          f"{fresh['meta']['wall_s']:.1f} s)")
    return 0
