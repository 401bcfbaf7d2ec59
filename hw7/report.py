"""Build the answer key: run every section, write answers.json, answers.md,
answers.html and figures/ atomically, and compare a fresh build with a committed one.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any

from hw7.errors import UsageError
from hw7.registry import Answer, Context, sections, select
from hw7core.outdir import OutputDir, OutputRefused

SCHEMA = 1
KEY_FILES = ("answers.json", "answers.md", "answers.html")


def build(ctx: Context, qid: str | None = None) -> tuple[list[Answer], dict]:
    """Run the selected sections (numeric confirmations included when ctx.numeric)."""
    secs = select(qid)
    answers: list[Answer] = []
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    t0 = time.perf_counter()
    for sec in ctx.progress(secs, desc="answer key"):
        answers.append(sec.run(ctx))
    meta = run_meta(ctx)
    meta["wall_s"] = round(time.perf_counter() - t0, 3)
    meta["timings_s"] = {a.qid: round(a.seconds, 3) for a in answers}
    meta["runs"] = [{**{k: meta[k] for k in ("profile", "device", "seed", "tool", "versions")},
                     "started": started, "only": qid, "sections": [a.qid for a in answers]}]
    return answers, meta


def run_meta(ctx: Context) -> dict:
    import numpy
    import sympy
    import torch

    from hw7 import __version__

    meta = {
        "schema": SCHEMA,
        "tool": f"hw7-verify {__version__}",
        "profile": ctx.profile,
        "device": str(ctx.device),
        "seed": ctx.seed,
        "versions": {"python": platform.python_version(), "sympy": sympy.__version__,
                     "numpy": numpy.__version__, "torch": torch.__version__},
    }
    if getattr(ctx, "variant", None) is not None:   # hw7 answers --variant FILE
        meta["variant"] = ctx.variant.meta()
    return meta


def to_key(answers: list[Answer], meta: dict) -> dict:
    return {"meta": meta, "answers": {a.qid: _clean(a.to_json()) for a in answers}}


def _clean(x: Any) -> Any:
    """JSON-safe: numpy scalars to Python, non-finite floats to strings."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (str, int)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else repr(x)
    try:
        import numpy as np

        if isinstance(x, np.ndarray):
            return _clean(x.tolist())
        if isinstance(x, np.bool_):
            return bool(x)
        if isinstance(x, np.integer):
            return int(x)
        if isinstance(x, np.floating):
            return _clean(float(x))
    except ImportError:  # pragma: no cover
        pass
    return str(x)


def key_json(key: dict) -> str:
    return json.dumps(key, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


# ---------------------------------------------------------------- markdown

def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return "" if v is None else str(v)


def _md_cell(v: Any) -> str:
    return _fmt(v).replace("|", "\\|").replace("\n", " ")


def key_runs(key: dict) -> list[dict]:
    """The runs a key's sections come from: ``meta["runs"]``, each with its ``profile``,
    ``device``, ``seed``, ``tool``, ``versions``, ``started`` (UTC), ``only`` (the --only
    argument) and ``sections``; a key written before runs were recorded is one run."""
    meta = key.get("meta") or {}
    runs = meta.get("runs")
    if isinstance(runs, list) and runs and all(isinstance(r, dict) for r in runs):
        return runs
    return [{"profile": meta.get("profile"), "device": meta.get("device"),
             "seed": meta.get("seed"), "tool": meta.get("tool"),
             "versions": meta.get("versions") or {}, "started": None, "only": None,
             "sections": list(key.get("answers") or {})}]


def run_command(run: dict, variant_file: str | None = None) -> str:
    """The ``hw7 answers`` command line of one run."""
    return (f"hw7 answers --profile {run.get('profile')} --device {run.get('device')} "
            f"--seed {run.get('seed')}" + (f" --variant {variant_file}" if variant_file else "")
            + (f" --only {run['only']}" if run.get("only") else ""))


def run_label(run: dict, variant_file: str | None = None) -> str:
    """One run in words: its command, start time and versions."""
    when = f" on {run['started']}" if run.get("started") else ""
    vers = ", ".join(f"{k} {v}" for k, v in (run.get("versions") or {}).items())
    return (f"`{run_command(run, variant_file)}`{when} ({run.get('tool')}"
            + (f"; {vers})" if vers else ")"))


def render_markdown(key: dict) -> str:
    meta = key["meta"]
    var = meta.get("variant")
    vfile = var.get("file") if var else None
    runs = key_runs(key)
    out = ["# EECS 182 Homework 7 — answer key (generated)"
           + (f" — variant {var['name']!r}" if var else ""), ""]
    if len(runs) == 1:
        out.append(f"Generated by {run_label(runs[0], vfile)}. Every formula and number below "
                   f"was computed in that run; do not edit by hand.")
    else:
        out.append(f"Generated by {len(runs)} runs of `hw7 answers` (sections rebuilt with "
                   f"`--only` replace those of earlier runs); each section below was computed "
                   f"in the run named beside it; do not edit by hand.")
        out.append("")
        out += [f"- run {i}: {run_label(r, vfile)}: {', '.join(r.get('sections') or [])}"
                for i, r in enumerate(runs, 1)]
    out.append("")
    if var:
        out += [f"Variant **{var['name']}** (settings digest {var['digest']}): "
                + "; ".join(f"{q}: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in t.items())
                            for q, t in var["settings"].items()) + ".", ""]
    out += ["## Contents", ""]
    origin = {q: i for i, r in enumerate(runs, 1) for q in r.get("sections") or []}
    for qid, e in key["answers"].items():
        badge = "✅" if e["passed"] else "❌"
        out.append(f"- [{qid} — {e['title']}](#{qid.replace('.', '')}) {badge}")
    for qid, e in key["answers"].items():
        out += ["", f"<a id=\"{qid.replace('.', '')}\"></a>",
                f"## {qid} — {e['title']} ({e['question']})", ""]
        if len(runs) > 1 and qid in origin:
            r = runs[origin[qid] - 1]
            out += [f"*From run {origin[qid]}: `{run_command(r, vfile)}`"
                    + (f" on {r['started']}" if r.get("started") else "") + ".*", ""]
        if e.get("choices") is not None:
            opts = e.get("options") or []
            out.append("**Answer:** " + ", ".join(f"**{c}**" for c in e["choices"])
                       + (f" (options: {', '.join(opts)})" if opts else ""))
        if e.get("latex"):
            out += ["", "$$" + e["latex"] + "$$"]
        if e.get("expr"):
            out += ["", f"SymPy: `{e['expr']}`"]
        if e.get("symbols"):
            out.append("")
            out.append("Symbols: " + "; ".join(f"`{k}` — {v}" for k, v in e["symbols"].items()))
        if e.get("explanation"):
            out += ["", e["explanation"]]
        if e.get("derivation"):
            out += ["", "**Derivation**", ""]
            for desc, tex in e["derivation"]:
                out.append(f"1. {desc}" + (f": $${tex}$$" if tex else ""))
        for name, tab in e.get("tables", {}).items():
            out += ["", f"**{name}**", "", "| " + " | ".join(map(str, tab["columns"])) + " |",
                    "|" + "---|" * len(tab["columns"])]
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in tab["rows"]]
        for fig in e.get("figures", []):
            out += ["", f"![{qid}]({fig})"]
        if e.get("checks"):
            out += ["", "**Checks run**", "", "| kind | what | measured | tolerance | result |",
                    "|---|---|---|---|---|"]
            for c in e["checks"]:
                out.append(f"| {c['kind']} | {_md_cell(c['what'])} | {_md_cell(c['measured'])} | "
                           f"{_md_cell(c['tolerance']) or 'exact'} | "
                           f"{'pass' if c['passed'] else '**FAIL**'} |")
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- writing

def write_key_files(answers: list[Answer] | dict, meta: dict | None, stage: Path) -> dict:
    """Write answers.{json,md,html} into ``stage`` (the staging folder that
    :class:`hw7core.outdir.OutputDir` publishes only on success). ``answers`` is a list of
    :class:`Answer` (with ``meta``) or an assembled key dict (``meta`` None)."""
    key = answers if isinstance(answers, dict) else to_key(answers, meta)
    (stage / "answers.json").write_text(key_json(key), encoding="utf-8")
    (stage / "answers.md").write_text(render_markdown(key), encoding="utf-8")
    try:
        from hw7.render_html import render_html
    except ImportError:  # the HTML writer is optional until it lands
        render_html = None
    if render_html is not None:
        (stage / "answers.html").write_text(render_html(key, stage), encoding="utf-8")
    return key


def legacy_key_files(folder: Path) -> set[str] | None:
    """The files of an answer key written before manifests existed, if ``folder`` holds
    exactly such a key (an answers.json of this tool, answers.md/html, figures/ holding only
    figures the key references) and nothing else; None otherwise."""
    try:
        names = {n for n in os.listdir(folder) if not n.startswith(".hw7-")}
        key = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(key, dict) or not isinstance(key.get("answers"), dict)
            or not str((key.get("meta") or {}).get("tool", "")).startswith("hw7-verify")
            or not names <= {*KEY_FILES, "figures"}):
        return None
    figs = {f for e in key["answers"].values() if isinstance(e, dict)
            for f in e.get("figures") or [] if isinstance(f, str)}
    files = {n for n in names if n != "figures"}
    if "figures" in names:
        fdir = folder / "figures"
        if fdir.is_symlink() or not fdir.is_dir():
            return None
        for n in os.listdir(fdir):
            if f"figures/{n}" not in figs:
                return None
            files.add(f"figures/{n}")
    return files


def _previous_key(out: OutputDir, qid: str, ctx: Context) -> dict | None:
    """The key in the output folder that ``--only qid`` updates (None when there is none);
    refuses, in one line and before any work, a key it cannot merge into."""
    path = out.previous_path("answers.json")
    if path is None:
        return None
    where = out.target
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputRefused(f"cannot merge --only {qid} into {where}: its answers.json is "
                            f"unreadable ({exc})") from None
    meta = key.get("meta") if isinstance(key, dict) else None
    if not isinstance(meta, dict) or not isinstance(key.get("answers"), dict):
        raise OutputRefused(f"cannot merge --only {qid} into {where}: its answers.json is not "
                            f"an answer key")
    mine = run_meta(ctx)
    if meta.get("schema") != SCHEMA or meta.get("tool") != mine["tool"]:
        raise OutputRefused(
            f"cannot merge --only {qid} into {where}: its key was written by "
            f"{meta.get('tool')} (schema {meta.get('schema')}), this is {mine['tool']} (schema "
            f"{SCHEMA}); rebuild it whole without --only, or choose another folder")
    other = _other_variant(meta, ctx)
    if other:
        raise OutputRefused(f"cannot merge --only {qid} into {where}: its key is for "
                            f"{other[0]}, this run for {other[1]}; choose another folder")
    known = {s.qid for s in sections()}
    unknown = [q for q in key["answers"] if q not in known]
    if unknown:
        raise OutputRefused(f"cannot merge --only {qid} into {where}: its key has sections "
                            f"this version does not define ({', '.join(unknown[:5])}); rebuild "
                            f"it whole without --only")
    return key


def _variant_name(v: dict | None) -> str:
    if not v:
        return "the homework as set"
    return f"variant {v.get('name')!r} (settings {v.get('digest')})"


def _other_variant(meta: dict, ctx: Context) -> tuple[str, str] | None:
    """(the key's variant, this run's), named, when a key with ``meta`` was built for other
    settings than this run (digests differ); None when they are the same."""
    old_var, new_var = meta.get("variant"), run_meta(ctx).get("variant")
    if (old_var or {}).get("digest") == (new_var or {}).get("digest"):
        return None
    return _variant_name(old_var), _variant_name(new_var)


def _refuse_other_variant(out: OutputDir, ctx: Context) -> None:
    """A whole build never replaces a key made for another variant (``hw7 answers --variant
    X`` without ``--out`` used to replace the committed homework key in docs/answers)."""
    path = out.previous_path("answers.json")
    if path is None:
        return
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta") or {}
    except (OSError, ValueError, AttributeError):
        return   # not a readable key: the output folder's own rules apply
    other = _other_variant(meta, ctx)
    if other:
        raise OutputRefused(f"{out.target} holds the key for {other[0]}; this run is for "
                            f"{other[1]} and would replace it: choose another --out")


def merge_keys(old: dict, new: dict) -> dict:
    """``new`` (an ``--only`` build) merged into ``old``: its sections replace theirs, the
    others are kept; sections in registry order; ``meta["runs"]`` says which run each
    section comes from (runs left without sections are dropped); the other meta fields are
    the new run's, with ``timings_s`` of every section kept."""
    order = [s.qid for s in sections()]
    answers = {q: (new["answers"][q] if q in new["answers"] else old["answers"][q])
               for q in order if q in new["answers"] or q in old["answers"]}
    runs = []
    for r in key_runs(old):
        kept = [q for q in r.get("sections") or [] if q not in new["answers"] and q in answers]
        if kept:
            runs.append({**r, "sections": kept})
    runs += key_runs(new)
    timings = {**(old["meta"].get("timings_s") or {}), **(new["meta"].get("timings_s") or {})}
    meta = dict(new["meta"])
    meta["timings_s"] = {q: timings[q] for q in answers if q in timings}
    meta["runs"] = runs
    return {"meta": meta, "answers": answers}


def build_into(ctx: Context, out_dir: Path, qid: str | None = None, *,
               force: bool = False) -> dict:
    """Build the key and publish it into ``out_dir``; a failed or killed run leaves the
    previous key as it was.

    Only the key's own files are replaced or deleted (:class:`hw7core.outdir.OutputDir`):
    other files in ``out_dir`` are kept, and a non-empty folder that holds no earlier key is
    refused unless ``force`` (which adds the key beside the files there, replacing none).
    With ``qid`` (``--only``) over an earlier key, the rebuilt sections replace theirs inside
    it and the other sections (and their figures) are kept; the header names the run each
    section comes from. Runs into one folder at once publish in turn; an ``--only`` run
    merges into the key as it is when it publishes (under the folder's lock), so no
    section another run published meanwhile is lost. Raises
    :class:`~hw7core.outdir.OutputRefused` (one line) when refused."""
    with OutputDir(out_dir, "answers", force=force, legacy=legacy_key_files,
                   expected=KEY_FILES, tool=run_meta(ctx)["tool"]) as out:
        if qid is not None:
            _previous_key(out, qid, ctx)      # refuses a key it cannot merge into, up front
        else:
            _refuse_other_variant(out, ctx)
        read_sha = out.previous.get("answers.json")      # the key this run merges into
        ctx.figures_dir = out.stage / "figures"
        answers, meta = build(ctx, qid)
        built = to_key(answers, meta)
        rebuilt = {a.qid for a in answers}
        final: dict = {}

        def assemble(prev: dict | None) -> None:
            key = built if prev is None else merge_keys(prev, built)
            for q, e in key["answers"].items():
                for fig in (e.get("figures") or []) if q not in rebuilt else []:
                    src, dst = out.previous_path(fig), out.stage / fig
                    if src is not None and not dst.exists():
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(src, dst)
            final.update(write_key_files(key, None, out.stage))

        if qid is None:
            assemble(None)
        else:
            def remerge(o: OutputDir) -> None:
                """Under the folder's lock, just before publishing, with ``o.previous``
                re-read: merge into the key as it is now (another run may have published
                one since this run read it: none of its sections is lost), or refuse in
                one line."""
                changed = o.previous.get("answers.json") != read_sha
                try:
                    assemble(_previous_key(o, qid, ctx))
                except (OutputRefused, OSError) as exc:
                    if not changed and isinstance(exc, OutputRefused):
                        raise
                    why = exc if isinstance(exc, OutputRefused) else (exc.strerror or exc)
                    raise OutputRefused(f"{o.target} changed while this run was building "
                                        f"({why}); run again") from None
            out.before_publish = remerge
    return final


def check_writable(out_dir: Path) -> None:
    """Fail early, in one line, when ``out_dir`` exists and is not a folder (the rest is
    checked by :func:`build_into` before any work)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"cannot write to {out_dir}: it exists and is not a directory")


# ---------------------------------------------------------------- staleness check

RUN_DEPENDENT_META = {"wall_s", "timings_s", "versions", "runs"}  # runs: as from_run


def stable_view(key: dict) -> dict:
    """What must match between the committed key and a fresh build: everything but
    timings, versions, volatile measurements and volatile fields; floats to 6
    significant digits (BLAS summation order may differ in the last bits)."""
    meta = {k: v for k, v in key.get("meta", {}).items() if k not in RUN_DEPENDENT_META}
    origin = {q: {k: r.get(k) for k in ("profile", "device", "seed", "tool")}
              for r in key_runs(key) for q in r.get("sections") or []}
    answers = {}
    for qid, e in key.get("answers", {}).items():
        e = dict(e)
        e["from_run"] = origin.get(qid)   # which run (profile/device/seed) it comes from
        e.pop("seconds", None)
        for f in e.get("volatile_fields", []):
            e.pop(f, None)
        checks = []
        for c in e.get("checks", []):
            c = dict(c)
            if c.get("volatile"):
                c.pop("measured", None)
            checks.append(c)
        e["checks"] = checks
        answers[qid] = e
    return _round({"meta": meta, "answers": answers})


def _round(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    if isinstance(x, float):
        return float(f"{x:.6g}")
    return x


def diff_keys(committed: dict, fresh: dict, limit: int = 10) -> list[str]:
    """Human-readable differences between the stable views (empty when up to date)."""
    a, b = stable_view(committed), stable_view(fresh)
    out: list[str] = []

    def walk(x, y, path):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in list(x) + [k for k in y if k not in x]:
                if k not in x:
                    out.append(f"{path}/{k}: missing from committed key")
                elif k not in y:
                    out.append(f"{path}/{k}: not produced by a fresh build")
                else:
                    walk(x[k], y[k], f"{path}/{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for j, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}[{j}]")
        elif x != y:
            out.append(f"{path}: committed {str(x)[:80]!r} != fresh {str(y)[:80]!r}")

    walk(a, b, "")
    return out
