"""Output formats of ``hw7 check`` verdicts (issue 12): text, JSON Lines, Gradescope, notebooks.

* ``text``: :meth:`Verdict.line`, prefixed with the student in a batch;
* ``json``: one JSON object per answer (``Verdict.to_json()`` plus ``line``,
  ``student`` and ``answer`` in a batch), one per line;
* ``gradescope``: Gradescope's ``results.json`` (autograder specification,
  https://gradescope-autograders.readthedocs.io/en/latest/specs/): one test per
  answer with ``name``, ``score``, ``max_score``, ``status``, ``output``,
  ``visibility``, ``tags`` and ``extra_data``, and the top-level ``score``.
  An answer that cannot be judged (status ``unjudged``: unreadable, unknown
  question, timed out, undecided) is a *format error that costs no points*:
  score 0 of max_score 0, status ``failed``, tag ``format error``, and an
  output saying it was not scored and is left for a person;
* notebooks: :class:`ShownVerdict` (what :func:`hw7.check` returns) displays in
  Jupyter as HTML (MathML from ``latex2mathml``), Markdown or LaTeX: the answer
  as read, the verdict and the counterexample as rendered math.

Output is written atomically and never over a file this command did not write:
``--out FILE`` must be new or a previous output of the same format; a Gradescope
``--out DIR`` goes through :class:`hw7core.outdir.OutputDir` (command ``check``):
new, empty or an earlier ``hw7 check`` output (its manifest lists the files with
checksums), or — with ``--force`` — files are added beside others but never over them.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
from pathlib import Path

from hw7.checker.judge import Verdict
from hw7.errors import UsageError

__all__ = ["FORMATS", "VISIBILITIES", "ShownVerdict", "shown", "text_line", "json_record",
           "gradescope_test", "gradescope_results", "gradescope_files", "gradescope_output",
           "write_gradescope", "stage_files", "check_lines_target", "write_lines", "to_markdown", "to_html",
           "to_latex"]

FORMATS = ("text", "json", "gradescope")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
MAX_OUTPUT_ANSWER = 500           # characters of a student's answer echoed into a report
_TEXT_LINE = re.compile(r"^(?:[^\n]*: )?[A-Za-z0-9_.]+: (?:correct|refuted|could not judge|could not decide)(?::|$)")


def read_as(v) -> str | None:
    """How the checker read the answer (``Verdict.read_as`` where it exists, else ``parsed``)."""
    return getattr(v, "read_as", None) or getattr(v, "parsed", None)


def _clip(text: str, n: int = MAX_OUTPUT_ANSWER) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------
# text and JSON


def text_line(v, student: str | None = None) -> str:
    """The one-line verdict; in a batch prefixed with ``student: ``."""
    return f"{student}: {v.line()}" if student is not None else v.line()


def json_record(v, row=None) -> dict:
    """``v.to_json()``; for a batch row also its ``line``, ``student`` and ``answer``."""
    d = v.to_json()
    if row is None:
        return d
    return {"line": row.line, "student": row.student, "answer": row.answer, **d}


def _lines_are_ours(path: Path, fmt: str) -> bool:
    try:
        if not path.is_file() or path.stat().st_size > 256 * 2**20:
            return False
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    for line in lines:
        if not line.strip():
            continue
        if fmt == "json":
            try:
                d = json.loads(line)
            except ValueError:
                return False
            if not (isinstance(d, dict) and {"qid", "status", "exit_code"} <= d.keys()):
                return False
        elif not _TEXT_LINE.match(line):
            return False
    return True


def check_lines_target(path: str | os.PathLike, fmt: str) -> None:
    """:class:`UsageError` unless ``path`` is new or a previous ``--format fmt`` output."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"--out {path} is a folder; give a file name for --format {fmt}")
    if (p.exists() or p.is_symlink()) and (p.is_symlink() or not _lines_are_ours(p, fmt)):
        raise UsageError(f"--out {path} exists and is not an earlier 'hw7 check --format {fmt}' "
                         "output; it is left alone (choose a new file name)")


def write_lines(path: str | os.PathLike, lines: list[str], fmt: str) -> None:
    """Write ``lines`` to ``path`` atomically; refuse to replace a file that is not a
    previous output of this format (:class:`UsageError`)."""
    from hw7core.atomic import write_text_atomic

    check_lines_target(path, fmt)
    write_text_atomic(Path(path), "".join(line + "\n" for line in lines))


# ----------------------------------------------------------------------------
# Gradescope


def _is_format_error(v) -> bool:
    return v.status not in ("correct", "refuted")


def gradescope_test(v, *, answer: str | None = None, title: str | None = None,
                    points: float = 1.0, visibility: str = "visible", line: int | None = None) -> dict:
    """One Gradescope test for one answer.

    Correct: ``points`` of ``points``; refuted: 0 of ``points``; unjudged (a format
    error): 0 of 0 — the answer costs no points and is left for a person.
    """
    ok = v.status == "correct"
    fmt_err = _is_format_error(v)
    head = {"correct": "correct", "refuted": "not correct"}.get(v.status, "not judged")
    out = []
    if answer is not None:
        out.append(f"Your answer: {_clip(answer)}")
    if read_as(v):
        out.append(f"Read as: {_clip(read_as(v))}")
    out.append(f"Verdict: {head}: {_clip(v.message, 1000)}")
    ce = v.counterexample or {}
    if ce.get("text"):
        out.append(f"Counterexample: {_clip(ce['text'], 1000)}")
    if v.hint:
        out.append(f"Hint: {_clip(v.hint, 300)}")
    if fmt_err:
        out.append("Not scored (0 of 0 points): the answer could not be judged automatically, "
                   "so it costs no points here; it is left for a person to grade.")
    test = {
        "name": f"{v.qid}" + (f" — {title}" if title else ""),
        "score": float(points) if ok else 0.0,
        "max_score": 0.0 if fmt_err else float(points),
        "status": "passed" if ok else "failed",
        "output": "\n".join(out),
        "visibility": visibility,
        "tags": ["hw7-check", "format error" if fmt_err else v.status],
        "extra_data": {"qid": v.qid, "status": v.status, "exit_code": v.exit_code,
                       "method": v.method},
    }
    if line is not None:
        test["extra_data"]["line"] = line
    return test


def gradescope_results(results, *, points: float = 1.0, visibility: str = "visible") -> dict:
    """The ``results.json`` object for one student's results (:class:`~hw7.checker.batch.Result`)."""
    tests = [gradescope_test(r.verdict, answer=r.row.answer, title=getattr(r, "title", None),
                             points=points, visibility=visibility, line=r.row.line)
             for r in results]
    n = {k: sum(1 for r in results if (r.verdict.status == k)) for k in ("correct", "refuted")}
    n_err = len(results) - n["correct"] - n["refuted"]
    score = sum(t["score"] for t in tests)
    out = (f"hw7 check: {len(results)} answer{'s' if len(results) != 1 else ''}: "
           f"{n['correct']} correct, {n['refuted']} not correct, {n_err} not judged "
           "(format errors: no points either way)")
    return {"score": score, "output": out, "tests": tests}


def gradescope_files(results, *, points: float = 1.0, visibility: str = "visible") -> dict[str, bytes]:
    """The ``results.json`` files of a batch: {relative path: UTF-8 JSON}.

    One student: ``results.json`` (for Gradescope's ``/autograder/results``).
    Several: ``<student>/results.json`` each; student names must already have
    passed :func:`hw7.checker.batch.check_student`, and two names that differ only
    in case or Unicode form (one folder on some file systems) are refused.
    """
    if visibility not in VISIBILITIES:
        raise UsageError(f"--visibility must be one of {', '.join(VISIBILITIES)}")
    by_student: dict[str, list] = {}
    for r in results:
        by_student.setdefault(r.row.student, []).append(r)
    if len(by_student) == 1:
        layout = {"results.json": next(iter(by_student.values()))}
    else:
        folded: dict[str, str] = {}
        for s in by_student:
            k = unicodedata.normalize("NFC", s).casefold()
            if k in folded:
                raise UsageError(f"students {folded[k]!r} and {s!r} would share one folder "
                                 "(the names differ only in case or Unicode form)")
            folded[k] = s
        layout = {f"{s}/results.json": rs for s, rs in by_student.items()}
    return {rel: (json.dumps(gradescope_results(rs, points=points, visibility=visibility),
                             indent=1, ensure_ascii=False) + "\n").encode("utf-8")
            for rel, rs in layout.items()}


def gradescope_output(out_dir: str | os.PathLike, *, force: bool = False):
    """The output folder of ``--format gradescope`` (:class:`hw7core.outdir.OutputDir`,
    command ``check``): entered before judging, so a refused folder costs nothing;
    files are written into its ``stage`` and published on success."""
    from hw7core.outdir import OutputDir

    return OutputDir(out_dir, "check", force=force, tool="hw7 check --format gradescope")


def write_gradescope(out_dir: str | os.PathLike, results, *, points: float = 1.0,
                     visibility: str = "visible", force: bool = False) -> list[str]:
    """Write the batch's ``results.json`` files into ``out_dir`` (see :func:`gradescope_files`);
    the paths written. Nothing is written if the folder is refused."""
    files = gradescope_files(results, points=points, visibility=visibility)
    with gradescope_output(out_dir, force=force) as out:
        stage_files(out.stage, files)
    return [str(Path(out_dir) / rel) for rel in files]


def stage_files(stage: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = stage / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


# ----------------------------------------------------------------------------
# notebooks


class ShownVerdict(Verdict):
    """A :class:`~hw7.checker.judge.Verdict` that displays itself in Jupyter.

    ``_repr_html_`` (MathML), ``_repr_markdown_`` and ``_repr_latex_`` show the
    answer as read, the verdict and the counterexample as rendered math;
    ``str()`` is the one-line verdict.
    """

    _entry: dict | None = None

    def __str__(self) -> str:
        return self.line()

    def _repr_html_(self) -> str:
        return to_html(self, self._entry)

    def _repr_markdown_(self) -> str:
        return to_markdown(self, self._entry)

    def _repr_latex_(self) -> str:
        return to_latex(self, self._entry)


def shown(v, entry: dict | None = None) -> ShownVerdict:
    """``v`` as a :class:`ShownVerdict` (``entry``: its reference, to read the answer as math)."""
    from dataclasses import fields

    s = ShownVerdict(**{f.name: getattr(v, f.name) for f in fields(v)})
    s._entry = entry
    return s


_TEX_SAFE = re.compile(r"[^A-Za-z0-9 ,.:;()\[\]+\-=*/<>'!?|]")


def _tex_text(s: str) -> str:
    """Plain text for ``\\text{...}``: anything but letters, digits and simple punctuation
    is replaced (no macros, braces or dollars reach the LaTeX)."""
    s = _clip(s, 300).replace("_", "\x00")
    s = _TEX_SAFE.sub(lambda m: {"^": "**", "{": "(", "}": ")"}.get(m.group(), " "), s)
    return s.replace("\x00", r"\_")


def _answer_latex(text: str | None, entry: dict | None) -> str | None:
    """LaTeX of the answer as read (re-read by the whitelist reader; never evaluated)."""
    if not text or not entry:
        return None
    kind = entry.get("check_kind")
    if kind in (None, "choice", "choices"):
        return None
    try:
        import sympy

        from hw7.checker.entry import parse

        value = parse(entry, text).value
        names = _norm_names(value)
        body = sympy.latex(value, symbol_names=names) if not isinstance(value, (list, tuple)) \
            else r"\begin{bmatrix}" + r" \\ ".join(sympy.latex(x, symbol_names=names)
                                                   for x in value) + r"\end{bmatrix}"
        return rf"\mathcal{{O}}\left({body}\right)" if kind == "bigo" else body
    except Exception:  # noqa: BLE001 - display only: fall back to plain text
        return None


def _norm_names(value) -> dict:
    """LaTeX names of the readers' squared-norm symbols (``norm2_mu`` is ‖μ‖²)."""
    import sympy

    from hw7.checker.entry import NORM2_PREFIX

    vals = value if isinstance(value, (list, tuple)) else [value]
    out = {}
    for v in vals:
        for s in getattr(v, "free_symbols", ()):
            if isinstance(s, sympy.Symbol) and s.name.startswith(NORM2_PREFIX):
                inner = sympy.latex(sympy.Symbol(s.name[len(NORM2_PREFIX):]))
                out[s] = rf"\left\lVert {inner} \right\rVert^{{2}}"
    return out


def _number_latex(s) -> str:
    try:
        import sympy

        from hw7.checker.read_plain import parse_answer

        return sympy.latex(parse_answer(str(s), kind="expr", symbols=[]).value)
    except Exception:  # noqa: BLE001
        return rf"\text{{{_tex_text(str(s))}}}"


def _matrix_latex(v) -> str:
    if isinstance(v, list) and v and all(isinstance(r, list) for r in v):
        rows = [" & ".join(_number_latex(x) for x in r) for r in v]
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    return _number_latex(v)


def _symbol_latex(name: str) -> str:
    import sympy

    from hw7.checker.read_plain import symbol

    try:
        return sympy.latex(symbol(name))
    except Exception:  # noqa: BLE001
        return rf"\text{{{_tex_text(name)}}}"


def _ce_latex(v) -> str | None:
    """The counterexample as LaTeX, or None (then its text is shown)."""
    ce = v.counterexample or {}
    try:
        if "yours" in ce and isinstance(ce.get("values"), dict) and "sizes" not in ce:
            at = ", ".join(f"{_symbol_latex(k)} = {_number_latex(x)}" for k, x in ce["values"].items())
            exp = rf",\ \text{{expected }} {_number_latex(ce['expected'])}" if "expected" in ce else ""
            return (rf"{at}:\ " if at else "") + rf"\text{{yours}} = {_number_latex(ce['yours'])}{exp}"
        if "sizes" in ce and isinstance(ce.get("values"), dict):
            sizes = ", ".join(f"{k} = {int(x)}" for k, x in ce["sizes"].items())
            mats = ",\\ ".join(f"{_symbol_latex(k)} = {_matrix_latex(x)}" for k, x in ce["values"].items())
            return (rf"{sizes}:\ {mats}:\ \text{{entries differ by up to }} "
                    rf"{_number_latex(ce.get('max_abs_difference'))}")
        if "direction" in ce:
            moving = [rf"{_symbol_latex(k)} = x^{{{int(t)}}}" for k, t in ce["direction"].items() if int(t)]
            return (r"x \to \infty,\ " + ", ".join(moving) + r":\ \text{yours} \sim x^{"
                    + str(int(ce["yours_growth"])) + r"},\ \text{expected} \sim x^{"
                    + str(int(ce["expected_growth"])) + "}")
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return None


_HEAD = {"correct": "correct", "refuted": "refuted", "unjudged": "could not judge"}


def _parts(v, entry):
    ra = read_as(v)
    ce = v.counterexample or {}
    return {"head": f"{v.qid}: {_HEAD.get(v.status, v.status)}", "read": ra,
            "read_tex": _answer_latex(ra, entry), "ce_tex": _ce_latex(v) if ce else None,
            "ce_text": ce.get("text"), "msg": v.message, "hint": v.hint}


def _code(s: str) -> str:
    s = _clip(s)
    n = max((len(m) for m in re.findall(r"`+", s)), default=0) + 1
    return f"{'`' * n} {s} {'`' * n}"


def to_markdown(v, entry: dict | None = None) -> str:
    """Markdown with ``$...$`` math: verdict, answer as read, counterexample, hint."""
    p = _parts(v, entry)
    out = [f"**{html.escape(p['head'])}** — {html.escape(_clip(p['msg'], 1000))}", ""]
    if p["read"]:
        out.append(f"- read as: ${p['read_tex']}$" if p["read_tex"] else f"- read as: {_code(p['read'])}")
    if p["ce_tex"]:
        out.append(f"- counterexample: ${p['ce_tex']}$")
    elif p["ce_text"]:
        out.append(f"- counterexample: {html.escape(_clip(p['ce_text'], 1000))}")
    if p["hint"]:
        out.append(f"- hint: {html.escape(_clip(p['hint'], 300))}")
    return "\n".join(out)


def _mathml(tex: str) -> str | None:
    try:
        from latex2mathml.converter import convert

        return convert(tex)
    except Exception:  # noqa: BLE001 - display only
        return None


def to_html(v, entry: dict | None = None) -> str:
    """HTML (math as MathML, every other text escaped)."""
    p = _parts(v, entry)
    color = {"correct": "#1a7f37", "refuted": "#cf222e"}.get(v.status, "#9a6700")
    rows = [f'<div class="hw7-verdict"><b style="color:{color}">{html.escape(p["head"])}</b> — '
            f"{html.escape(_clip(p['msg'], 1000))}<ul>"]
    if p["read"]:
        m = _mathml(p["read_tex"]) if p["read_tex"] else None
        rows.append(f"<li>read as: {m or '<code>' + html.escape(_clip(p['read'])) + '</code>'}</li>")
    if p["ce_tex"] or p["ce_text"]:
        m = _mathml(p["ce_tex"]) if p["ce_tex"] else None
        rows.append(f"<li>counterexample: {m or html.escape(_clip(p['ce_text'] or '', 1000))}</li>")
    if p["hint"]:
        rows.append(f"<li>hint: {html.escape(_clip(p['hint'], 300))}</li>")
    rows.append("</ul></div>")
    return "".join(rows)


def to_latex(v, entry: dict | None = None) -> str:
    """One display-math LaTeX block (text parts sanitised, math from SymPy)."""
    p = _parts(v, entry)
    parts = [rf"\textbf{{{_tex_text(p['head'])}}}"]
    if p["read"]:
        parts.append(r"\text{read as } " + (p["read_tex"] or rf"\text{{{_tex_text(p['read'])}}}"))
    if p["ce_tex"]:
        parts.append(r"\text{counterexample: } " + p["ce_tex"])
    elif p["ce_text"]:
        parts.append(rf"\text{{counterexample: {_tex_text(p['ce_text'])}}}")
    if p["hint"]:
        parts.append(rf"\text{{hint: {_tex_text(p['hint'])}}}")
    return r"$$\begin{array}{l}" + r" \\ ".join(parts) + r"\end{array}$$"
