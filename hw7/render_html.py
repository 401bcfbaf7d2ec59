"""The answer key as one self-contained HTML page (issue 7).

``render_html(key, out_dir)`` turns the answers.json dict into a page with a
table of contents and, per question, the answer, the derivation steps, the
tables, the figures and the checks run (measured value, tolerance, pass/fail
badge). Everything is inside the file: figures are embedded as base64 data
URIs, LaTeX is converted to MathML (rendered natively by browsers) with
``latex2mathml``, the CSS is inline, and there is no script and no network fetch.
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import Any

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}

_CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       max-width: 1100px; margin: 0 auto; padding: 1.5rem; line-height: 1.5; color: #1f2328; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.5rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.meta, .muted { color: var(--muted); font-size: .9rem; }
nav ol { columns: 2; padding-left: 1.4rem; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: .05rem .45rem;
         border-radius: 1rem; color: #fff; vertical-align: middle; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--bad); }
.badge.none { background: var(--muted); }
.answer { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .6rem 1rem; }
.answer math[display="block"] { font-size: 1.25rem; }
math[display="block"] { margin: .4rem 0; padding: .15rem 0; overflow-x: auto; overflow-y: hidden; }
code { background: #eff1f3; padding: .1rem .3rem; border-radius: 4px; font-size: .9em; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; width: 100%; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { font-variant-numeric: tabular-nums; }
tr.failed td { background: #ffebe9; }
figure { margin: .8rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .85rem; }
.missing { color: var(--bad); font-weight: 600; }
ul.options { list-style: none; padding-left: .4rem; } ul.options li.chosen { font-weight: 700; }
ol.derivation li { margin-bottom: .4rem; }
.tex-source { color: var(--muted); font-size: .8rem; }
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _fmt(v: Any) -> str:
    """Numbers to 6 significant digits, containers inline (as in answers.md)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}" if math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return "" if v is None else str(v)


def _math(latex: str, display: bool = True) -> str:
    """LaTeX to MathML; anything latex2mathml cannot convert is shown as source."""
    from latex2mathml.converter import convert

    tex = (latex or "").strip()
    if not tex:
        return ""
    try:
        out = convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a bad formula must not break the whole page
        out = ""
    # latex2mathml passes unknown commands through as text ("\\foo"): treat as unrendered
    if not out or re.search(r">[^<]*\\[A-Za-z]+[^<]*<", out):
        return f'<code class="tex-unrendered">{_e(tex)}</code>'
    return out


def _rich_text(text: str) -> str:
    """Escaped text with $...$ segments as inline MathML."""
    parts = re.split(r"(\$[^$]+\$)", text or "")
    out = []
    for p in parts:
        if len(p) > 2 and p.startswith("$") and p.endswith("$"):
            out.append(_math(p[1:-1], display=False))
        else:
            out.append(_e(p))
    return "".join(out)


def _slug(qid: str, used: set) -> str:
    base = "q-" + re.sub(r"[^A-Za-z0-9_-]+", "-", qid).strip("-")
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def _badge(passed: bool | None) -> str:
    if passed is None:
        return '<span class="badge none">no checks</span>'
    return '<span class="badge pass">PASS</span>' if passed else '<span class="badge fail">FAIL</span>'


def _figure(rel: str, out_dir: Path, qid: str) -> str:
    """A figure embedded as a data URI; only files inside out_dir are read."""
    root = Path(out_dir).resolve()
    path = (root / rel).resolve()
    mime = _MIME.get(path.suffix.lower())
    inside = path == root or root in path.parents
    if not inside or mime is None or not path.is_file():
        why = "outside the output folder" if not inside else "unsupported type" if mime is None else "missing"
        return f'<p class="missing">figure {_e(rel)} ({why})</p>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:{mime};base64,{data}" alt="{_e(qid)}: {_e(path.name)}">'
            f"<figcaption>{_e(rel)}</figcaption></figure>")


def _table(tab: dict) -> str:
    cols = tab.get("columns") or []
    rows = tab.get("rows") or []
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_e(_fmt(c))}</td>' if isinstance(c, (int, float)) and not isinstance(c, bool)
            else f"<td>{_e(_fmt(c))}</td>" for c in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _checks(checks: list) -> str:
    rows = []
    for c in checks:
        passed = bool(c.get("passed"))
        tol = c.get("tolerance")
        vol = ' <span class="muted">(varies by run)</span>' if c.get("volatile") else ""
        rows.append(
            f'<tr class="{"passed" if passed else "failed"}"><td>{_e(c.get("kind"))}</td>'
            f"<td>{_e(c.get('what'))}</td><td class=\"num\">{_e(_fmt(c.get('measured')))}{vol}</td>"
            f"<td>{_e(_fmt(tol)) if tol not in (None, '') else 'exact'}</td>"
            f"<td>{_badge(passed)}</td></tr>")
    return ("<table class=\"checks\"><thead><tr><th>kind</th><th>what</th><th>measured</th>"
            "<th>tolerance</th><th>result</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _passed(entry: dict) -> bool | None:
    checks = entry.get("checks") or []
    if not checks:
        return None
    return all(bool(c.get("passed")) for c in checks)


def _answer_block(qid: str, e: dict) -> str:
    parts = []
    if e.get("options"):
        chosen = set(e.get("choices") or [])
        items = "".join(
            f'<li class="{"chosen" if o in chosen else ""}">{"☑" if o in chosen else "☐"} {_e(o)}</li>'
            for o in e["options"])
        parts.append(f'<ul class="options">{items}</ul>')
    elif e.get("choices"):
        parts.append("<p>" + ", ".join(f"<strong>{_e(c)}</strong>" for c in e["choices"]) + "</p>")
    if e.get("latex"):
        parts.append(_math(e["latex"]))
    if e.get("expr"):
        parts.append(f'<p class="muted">SymPy: <code>{_e(e["expr"])}</code></p>')
    if e.get("check_kind"):
        parts.append(f'<p class="muted">Check a student answer: <code>hw7 check {_e(qid)} '
                     f"ANSWER</code> ({_e(e['check_kind'])})</p>")
    if not parts:
        return ""
    return '<div class="answer">' + "".join(parts) + "</div>"


def _section(qid: str, e: dict, slug: str, out_dir: Path) -> str:
    title = f"{qid} — {e.get('title', '')}" + (f" ({e['question']})" if e.get("question") else "")
    out = [f'<section id="{slug}"><h2>{_e(title)} {_badge(_passed(e))}</h2>']
    out.append(_answer_block(qid, e))
    if e.get("symbols"):
        items = "".join(f"<li><code>{_e(k)}</code> — {_e(v)}</li>" for k, v in e["symbols"].items())
        out.append(f"<h3>Symbols</h3><ul>{items}</ul>")
    if e.get("explanation"):
        out.append(f"<h3>Why</h3><p>{_rich_text(e['explanation'])}</p>")
    if e.get("derivation"):
        steps = []
        for step in e["derivation"]:
            desc, tex = (list(step) + ["", ""])[:2]
            steps.append(f"<li>{_rich_text(desc)}{_math(tex) if tex else ''}</li>")
        out.append(f'<h3>Derivation</h3><ol class="derivation">{"".join(steps)}</ol>')
    for name, tab in (e.get("tables") or {}).items():
        out.append(f"<h3>{_e(name)}</h3>{_table(tab)}")
    for rel in e.get("figures") or []:
        out.append(_figure(rel, out_dir, qid))
    if e.get("checks"):
        n = len(e["checks"])
        ok = sum(1 for c in e["checks"] if c.get("passed"))
        out.append(f"<h3>Checks run ({ok}/{n} passed)</h3>{_checks(e['checks'])}")
    if isinstance(e.get("seconds"), (int, float)):
        out.append(f'<p class="muted">computed in {e["seconds"]:.3g} s</p>')
    out.append("</section>")
    return "\n".join(p for p in out if p)


def _meta_line(meta: dict) -> str:
    bits = []
    if meta.get("tool"):
        bits.append(_e(meta["tool"]))
    cmd = [f"--{k} {meta[k]}" for k in ("profile", "device", "seed") if k in meta]
    if cmd:
        bits.append(f"<code>hw7 answers {_e(' '.join(cmd))}</code>")
    if isinstance(meta.get("versions"), dict):
        bits.append(_e(", ".join(f"{k} {v}" for k, v in meta["versions"].items())))
    if isinstance(meta.get("wall_s"), (int, float)):
        bits.append(f"{meta['wall_s']:.1f} s")
    var = meta.get("variant")
    if isinstance(var, dict):   # hw7 answers --variant FILE
        bits.append(_e(f"variant {var.get('name')} (settings digest {var.get('digest')})"))
    return "; ".join(bits)


def _runs_line(key: dict) -> str:
    """For a key merged from several runs (``hw7 answers --only``): which sections come
    from which run (command, start time)."""
    from hw7.report import key_runs, run_command

    runs = key_runs(key)
    if len(runs) < 2:
        return ""
    vfile = ((key.get("meta") or {}).get("variant") or {}).get("file")
    items = "".join(
        f"<li>run {i}: <code>{_e(run_command(r, vfile))}</code>"
        + (f" on {_e(r['started'])}" if r.get("started") else "")
        + f": {_e(', '.join(r.get('sections') or []))}</li>" for i, r in enumerate(runs, 1))
    return (f'\n<div class="meta">Sections by run (<code>--only</code> rebuilds replace '
            f"those of earlier runs):<ul>{items}</ul></div>")


def render_html(key: dict, out_dir: Path) -> str:
    """One self-contained HTML page for the answer key ``key`` (the answers.json dict).

    ``out_dir`` is the folder the figure paths in the key are relative to.
    """
    meta = key.get("meta") or {}
    answers = key.get("answers") or {}
    if isinstance(answers, list):
        answers = {a.get("qid", str(i)): a for i, a in enumerate(answers)}
    used: set = set()
    slugs = {qid: _slug(qid, used) for qid in answers}
    n_checks = sum(len(e.get("checks") or []) for e in answers.values())
    n_failed = sum(1 for e in answers.values() for c in (e.get("checks") or []) if not c.get("passed"))
    summary = (f"{len(answers)} answers, {n_checks} checks: "
               + ("all passed" if not n_failed else f"{n_failed} FAILED"))
    toc = "".join(
        f'<li><a href="#{slugs[q]}">{_e(q)} — {_e(e.get("title", ""))}</a> {_badge(_passed(e))}</li>'
        for q, e in answers.items())
    body = "\n".join(_section(q, e, slugs[q], Path(out_dir)) for q, e in answers.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>EECS 182 Homework 7 — answer key</title>
<link rel="icon" href="data:,">
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>EECS 182 Homework 7 — answer key (generated)</h1>
<p class="meta">{_meta_line(meta)}</p>{_runs_line(key)}
<p class="meta">Every formula and number on this page was computed in {"the run listed above for its section" if _runs_line(key) else "that run"}; do not edit by hand. {_e(summary)} {_badge(None if not n_checks else not n_failed)}</p>
</header>
<nav id="toc"><h2>Contents</h2><ol>{toc}</ol></nav>
<main>
{body}
</main>
</body>
</html>
"""
