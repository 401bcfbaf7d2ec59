"""The ``hw7`` command line.

Subcommands live in ``hw7/commands/<name>.py``; each module exposes
``register(subparsers)`` which adds its parser and sets ``func=run`` where
``run(args) -> int`` returns the exit code. Errors the user can fix become one
line on stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import signal
import sys

from hw7.errors import InputError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's default prints usage too)
        sys.stderr.write(f"hw7: error: {message}\n")
        raise SystemExit(2)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; when ``argv`` starts with a subcommand, only that subcommand's module
    is imported (``hw7 check`` then starts without importing the others)."""
    import hw7.commands as pkg
    from hw7 import __version__

    parser = _Parser(prog="hw7", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"hw7-verify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    if argv and argv[0] in names:
        names = [argv[0]]
    for name in names:
        importlib.import_module(f"hw7.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    if argv and argv[0] == "check":  # an answer such as '-sqrt(d)' is not an option
        from hw7.commands.check import protect_answer

        argv = protect_answer(argv)
    args = parser.parse_args(argv)
    try:
        rc = int(args.func(args) or 0)
        sys.stdout.flush()     # a closed pipe shows here, not in the interpreter's exit flush
        return rc
    except BrokenPipeError:
        return _closed_stdout()
    except (UsageError, InputError) as exc:
        sys.stderr.write(f"hw7: error: {exc}\n")
        return 2
    except OSError as exc:  # e.g. disk full or permissions mid-run: still one line
        sys.stderr.write(f"hw7: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("hw7: interrupted\n")
        return 130


def _closed_stdout() -> int:
    """The reader of stdout went away (``hw7 list | head -3``): end quietly, like a Unix
    tool killed by SIGPIPE (status 128 + 13), with nothing on stderr. Output still buffered
    for the closed pipe is dropped (stdout now points at /dev/null) so that the exit flush
    does not raise again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
