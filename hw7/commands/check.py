"""``hw7 check QID ANSWER``: is a student's answer equivalent to the derived one? (issues 7, 12)

Exit codes: 0 correct, 1 refuted (with a counterexample where one exists),
2 the answer could not be judged (unparsable, unknown symbol, disallowed
construct, too large, timed out) — always one line, never a traceback.
ANSWER ``-`` reads the answer from standard input (for autograders).

``hw7 check --batch FILE`` judges a CSV (header row) or JSON Lines file of
``student, qid, answer`` rows in one process and writes one result per answer
(``--format json``: JSON Lines, the default; ``text``; ``gradescope --out DIR``:
Gradescope ``results.json`` files). Its exit code is 0 when every answer got a
result (the verdicts are in the output), 2 for a fault of the batch itself.
"""

from __future__ import annotations

import argparse
import json
import sys

from hw7.commands import _variant as variant_arg
from hw7.errors import InputError, UsageError

MAX_STDIN = 4096


PARSER = None   # the registered subparser (protect_answer reads its option strings)
ANSWER_OPTION = "--answer-text"   # hidden: carries an answer that starts with '-'


def protect_answer(argv: list[str]) -> list[str]:
    """``argv`` (starting with "check") with an answer that begins with '-' passed as the
    value of the hidden option :data:`ANSWER_OPTION`, so that ``hw7 check q1b.grad_W1
    '-2*W2.T*(X-W2*W1*X)*X.T'`` is an answer, not an unknown option (an autograder passing
    "$ANSWER" cannot know to add '--').

    A token is taken for the answer when it starts with '-', is not '-' (standard input),
    names no option of ``hw7 check`` (nor a prefix of one), and is not the value of an
    option; exactly one such token is rewritten. With '--' present nothing changes.

    >>> from hw7.cli import build_parser
    >>> _ = build_parser(["check"])          # registers the subparser
    >>> protect_answer(["check", "q3c", "-sqrt(d)", "--json"])
    ['check', 'q3c', '--answer-text=-sqrt(d)', '--json']
    >>> protect_answer(["check", "q3c", "--json", "sqrt(d)"])
    ['check', 'q3c', '--json', 'sqrt(d)']
    """
    if PARSER is None or "--" in argv:
        return argv
    takes_value, names = set(), []
    for action in PARSER._actions:
        names += action.option_strings
        if action.option_strings and action.nargs != 0:
            takes_value.update(action.option_strings)
    found, skip = [], False
    for i, tok in enumerate(argv[1:], start=1):
        if skip:
            skip = False
            continue
        if not tok.startswith("-") or tok == "-":
            continue
        head = tok.split("=", 1)[0]
        matches = [n for n in names if n.startswith(head)] if head.startswith("--") else \
            [n for n in names if n == head]
        if matches:
            skip = "=" not in tok and any(m in takes_value for m in matches)
            continue
        found.append(i)
    if len(found) != 1:
        return argv
    i = found[0]
    # as an option value: moved after '--' it would miss its slot (argparse fills the
    # optional positionals qid and answer together, at the question id)
    return argv[:i] + [f"{ANSWER_OPTION}={argv[i]}"] + argv[i + 1:]


def register(sub) -> None:
    global PARSER
    p = sub.add_parser("check", help="judge an answer against the derived one (exit 0/1/2)")
    PARSER = p
    p.add_argument("qid", nargs="?", default=None, help="question id, e.g. q3c (see 'hw7 list')")
    p.add_argument("answer", nargs="?", default=None,
                   help="the answer, e.g. 'sqrt(d)'; '-' reads it from standard input "
                        "(an answer that starts with '-' is read as the answer; '--' before it "
                        "works too: hw7 check q3c -- -sqrt(d))")
    p.add_argument(ANSWER_OPTION, dest="answer_text", default=None, help=argparse.SUPPRESS)
    p.add_argument("--show", action="store_true",
                   help="print the symbols the question uses and an example of the syntax")
    p.add_argument("--json", action="store_true", help="print a machine-readable verdict "
                   "(same as --format json)")
    p.add_argument("--format", choices=("text", "json", "gradescope"), default=None,
                   help="text (one line; default for one answer), json (one JSON object per "
                        "answer; default with --batch) or gradescope (results.json into --out DIR)")
    p.add_argument("--batch", metavar="FILE", default=None,
                   help="judge every row of FILE: CSV with a header row, or JSON Lines, with the "
                        "fields student, qid, answer ('-': standard input)")
    p.add_argument("--out", metavar="PATH", default=None,
                   help="write the results here (a file; a folder for --format gradescope) "
                        "instead of standard output; never over files hw7 check did not write")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes for --batch (default: one per CPU, at most 8)")
    p.add_argument("--points", type=float, default=1.0,
                   help="points of a correct answer in Gradescope output (default 1)")
    p.add_argument("--visibility", default="visible",
                   choices=("visible", "hidden", "after_due_date", "after_published"),
                   help="Gradescope test visibility (default visible)")
    p.add_argument("--force", action="store_true",
                   help="--format gradescope: add results.json beside files hw7 check did not "
                        "write (they are never replaced), e.g. in Gradescope's /autograder/results")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary (--batch)")
    p.add_argument("--timeout", type=float, default=None,
                   help="hard time limit per check in seconds (default 5)")
    p.add_argument("--key", default=None, metavar="ANSWERS_JSON",
                   help="judge against this answers.json (from 'hw7 answers') instead of deriving")
    variant_arg.add_argument(p, "judge against the key derived for this homework variant (TOML)")
    p.set_defaults(func=run)


def _resolver(args):
    from hw7.checker.batch import Resolver

    if args.key is not None and getattr(args, "variant", None) is not None:
        raise UsageError("give --key or --variant, not both (a key file names its own variant)")
    return Resolver(args.key, variant_arg.load(args))


def _fmt(args) -> str:
    if args.json:
        if args.format not in (None, "json"):
            raise UsageError("--json and --format " + args.format + " contradict each other")
        return "json"
    return args.format or ("json" if args.batch else "text")


def run(args) -> int:
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal must not turn "×" into a traceback
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        if args.batch is not None:
            return _run_batch(args)
        return _run(args)
    except (UsageError, InputError) as exc:
        if args.batch is not None or not (args.json or args.format == "json") or args.out:
            raise
        # autograders get JSON on stdout whatever went wrong
        print(json.dumps({"qid": args.qid, "status": "unjudged", "message": str(exc),
                          "exit_code": 2}, ensure_ascii=False))
        return 2


def _timeout(args) -> float:
    from hw7.checker.judge import DEFAULT_TIMEOUT

    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if not 0 < timeout <= 600:
        raise UsageError(f"--timeout must be between 0 and 600 seconds, got {args.timeout}")
    return timeout


def _check_output_args(args, fmt: str) -> None:
    if fmt == "gradescope":
        if not args.out:
            raise UsageError("--format gradescope needs --out DIR (the folder for results.json)")
        if not args.points > 0 or args.points != args.points or args.points > 1e6:
            raise UsageError(f"--points must be a positive number, got {args.points}")
    elif args.out:
        from hw7.checker import formats

        formats.check_lines_target(args.out, fmt)


def _import_quietly(batch: bool = False) -> None:
    """Import SymPy, the readers (and for a batch the judges) with the garbage collector
    paused, then freeze what was imported (start-up, issue 12).

    The imports allocate a few hundred thousand long-lived objects. Paused, the collector
    does not scan them again and again while they load; frozen (``gc.freeze``), it never
    scans them again — in particular not in the forked judging child, where a scan would
    also copy every page it touches. Measured: about a third of the CPU time of a whole
    ``hw7 check`` process (benchmarks/bench_check.py --startup). The CLI process exits
    after the check, so nothing stays frozen for long.
    """
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        import sympy  # noqa: F401

        import hw7.checker.read_plain  # noqa: F401

        if batch:
            from hw7.checker.batch import _prewarm

            _prewarm()
        gc.freeze()
    finally:
        if was:
            gc.enable()


def _run(args) -> int:
    from hw7.checker import judge as ac

    fmt = _fmt(args)
    if getattr(args, "answer_text", None) is not None:  # an answer starting with '-'
        if args.answer is not None:
            raise UsageError(f"two answers given: {args.answer!r} and {args.answer_text!r}")
        args.answer = args.answer_text
    if args.qid is None:
        raise UsageError("give a question id and an ANSWER (or --batch FILE); 'hw7 list' shows the ids")
    timeout = _timeout(args)
    resolve = _resolver(args)
    if args.show and args.answer is None:
        try:
            entry = resolve(args.qid)
        except UsageError:
            parts = resolve.parts(args.qid)
            if not parts:
                raise
            # a question whose answer has parts (q5b -> q5b.sim, q5b.phi): show each part
            for i, part in enumerate(parts):
                if i:
                    print()
                for line in ac.describe(resolve(part)):
                    print(line)
            return 0
    else:
        entry = resolve(args.qid)
    if args.show:
        for line in ac.describe(entry):
            print(line)
        if args.answer is None:
            return 0
    if args.answer is None:
        raise UsageError("give an ANSWER to check (or --show to see the expected syntax)")
    _check_output_args(args, fmt)
    text = args.answer
    if text == "-":
        raw = sys.stdin.buffer.read(MAX_STDIN + 1)
        if len(raw) > MAX_STDIN:
            raise UsageError(f"the answer on standard input is longer than {MAX_STDIN} bytes")
        text = raw.decode("utf-8", errors="replace").strip()
    _import_quietly()
    verdict = ac.judge_limited(entry, text, timeout=timeout)
    if fmt == "gradescope":
        from hw7.checker import formats
        from hw7.checker.batch import Result, Row

        title = " ".join(x for x in (entry.get("question"), entry.get("title")) if x) or None
        formats.write_gradescope(args.out, [Result(Row(0, "", args.qid, text), verdict, title)],
                                 points=args.points, visibility=args.visibility, force=args.force)
    else:
        line = (json.dumps(verdict.to_json(), ensure_ascii=False, default=str) if fmt == "json"
                else verdict.line())
        if args.out:
            from hw7.checker import formats

            formats.write_lines(args.out, [line], fmt)
        else:
            print(line)
    return verdict.exit_code


def _run_batch(args) -> int:
    import time

    from hw7.checker import batch, formats

    fmt = _fmt(args)
    if args.qid is not None or args.answer is not None or args.show:
        raise UsageError("--batch FILE takes no question id, ANSWER or --show")
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        raise UsageError(f"--jobs must be between 1 and 64, got {args.jobs}")
    timeout = _timeout(args)
    _check_output_args(args, fmt)  # before judging: a refused --out must not cost the whole run
    t0 = time.perf_counter()
    resolve = _resolver(args)
    rows = batch.read_batch(args.batch)
    _import_quietly(batch=True)
    if fmt == "gradescope":
        # the folder is checked (and refused) before judging; published only on success
        with formats.gradescope_output(args.out, force=args.force) as out:
            results = batch.judge_rows(rows, resolve, timeout=timeout,
                                       jobs=args.jobs, quiet=args.quiet)
            files = formats.gradescope_files(results, points=args.points,
                                             visibility=args.visibility)
            formats.stage_files(out.stage, files)
        where = f"{len(files)} results.json in {args.out}"
    else:
        results = batch.judge_rows(rows, resolve, timeout=timeout, jobs=args.jobs,
                                   quiet=args.quiet)
        lines = [json.dumps(formats.json_record(r.verdict, r.row), ensure_ascii=False, default=str)
                 if fmt == "json" else formats.text_line(r.verdict, r.row.student)
                 for r in results]
        if args.out:
            formats.write_lines(args.out, lines, fmt)
            where = args.out
        else:
            sys.stdout.write("".join(line + "\n" for line in lines))
            sys.stdout.flush()
            where = "standard output"
    if not args.quiet:
        n = {}
        for r in results:
            n[r.verdict.status] = n.get(r.verdict.status, 0) + 1
        distinct = len({(r.verdict.qid, " ".join(r.row.answer.split())) for r in results})
        dt = time.perf_counter() - t0
        sys.stderr.write(f"hw7 check: {len(results)} answers ({distinct} distinct) in {dt:.1f} s: "
                         f"{n.get('correct', 0)} correct, {n.get('refuted', 0)} refuted, "
                         f"{n.get('unjudged', 0)} not judged; results in {where}\n")
    return 0
