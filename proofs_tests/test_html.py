"""The HTML answer key (issue 7): one self-contained page that a real browser renders.

Static checks run everywhere; the ``browser`` tests drive Debian's headless
Chromium (installed by .ci/install_browser.sh) and skip cleanly without it:
the page loads with no console message at all (it has no script, and its
Content-Security-Policy turns any attempted fetch into a logged violation),
every formula is laid out as native MathML with a non-empty box, every figure
decodes, and a screenshot is written to artifacts/answers_html.png.
Each detector is also shown a page that must trip it.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from hw7.render_html import render_html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/install_browser.sh)")


def _figure(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.plot([0, 1, 2, 3], [1, 0.2, 0.6, 2.0], marker="o")
    ax.set_title("test figure")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _synthetic_key(out: Path) -> dict:
    """A key exercising every part of the page, with LaTeX printed by SymPy."""
    _figure(out / "figures" / "curve.png")
    d, s, mu, sigma, N, D, M = sp.symbols("d s mu sigma N D M", positive=True)
    q, k = sp.symbols("q k")
    X, W1, W2 = sp.MatrixSymbol("X", 3, 4), sp.MatrixSymbol("W1", 2, 3), sp.MatrixSymbol("W2", 3, 2)
    lam = sp.Symbol("lambda", positive=True)
    return {
        "meta": {"tool": "hw7-verify test", "profile": "fast", "device": "cpu", "seed": 0,
                 "versions": {"sympy": sp.__version__}, "wall_s": 1.5},
        "answers": {
            "q3c": {
                "qid": "q3c", "title": "The scale s", "question": "Q3(c)",
                "latex": sp.latex(sp.sqrt(d)), "expr": "sqrt(d)", "symbols": {"d": "dimension"},
                "check_kind": "expr",
                "explanation": "Var of $q^\\top k$ is $d$ <script>alert('x')</script> & so on.",
                "derivation": [
                    ["scaled variance", sp.latex(sp.Eq(sp.Symbol("V"), d / s**2))],
                    ["solve", sp.latex(sp.Eq(s, sp.sqrt(d)))],
                    ["mean and variance", sp.latex(sp.Eq(sp.Symbol("Var"), d * (sigma**4 + 2 * mu**2 * sigma**2)))],
                ],
                "checks": [
                    {"kind": "symbolic", "what": "Var(qᵀk/s) = 1", "measured": "1", "tolerance": None,
                     "passed": True, "volatile": False},
                    {"kind": "numeric", "what": "Monte Carlo", "measured": {"estimate": 1.00123456, "z": 0.4},
                     "tolerance": "|z| ≤ 4", "passed": True, "volatile": True},
                ],
                "figures": ["figures/curve.png"],
                "tables": {"variance by d": {"columns": ["d", "Var"], "rows": [[1, 1.0], [64, 63.9987]]}},
                "data": {}, "passed": True, "seconds": 0.25,
            },
            "q2.grad_W1": {
                "qid": "q2.grad_W1", "title": "Gradient in W1", "question": "Q2",
                "latex": sp.latex(2 * W2.T * (W2 * W1 * X - X) * X.T + 2 * lam * W1),
                "expr": "2*W2.T*(W2*W1*X - X)*X.T + 2*lam*W1", "check_kind": "matrix",
                "derivation": [["matrix", sp.latex(sp.Matrix([[1, sp.sqrt(2)], [sp.Rational(1, 3), d]]))]],
                "checks": [{"kind": "numeric", "what": "autograd", "measured": 1e-15, "tolerance": 1e-12,
                            "passed": False}],
                "figures": [], "tables": {}, "data": {}, "passed": False,
            },
            "q5c.time": {
                "qid": "q5c.time", "title": "Softmax attention time", "question": "Q5(c)",
                "latex": r"\mathcal{O}\left(" + sp.latex(N**2 * sp.Max(D, M)) + r"\right)",
                "expr": "N**2*D + N**2*M", "check_kind": "bigo", "checks": [], "figures": [],
            },
            "q2a.iii": {
                "qid": "q2a.iii", "title": "What is needed", "question": "Q2(a)(iii)",
                "options": ["Weight Decay", "Dropout", "SGD optimizer"],
                "choices": ["Weight Decay", "SGD optimizer"], "check_kind": "choices",
                "checks": [{"kind": "property", "what": "p", "measured": {"examples": 30}, "tolerance": "all",
                            "passed": True}],
            },
        },
    }


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("key")
    key = _synthetic_key(out)
    # the registered sections' real LaTeX (derive-only), next to the synthetic entries
    from hw7.registry import Context, sections

    ctx = Context(numeric=False, quiet=True)
    for sec in sections():
        key["answers"].setdefault(sec.qid, sec.run(ctx).to_json())
    text = render_html(key, out)
    (out / "answers.html").write_text(text, encoding="utf-8")
    return out / "answers.html"


# ------------------------------------------------------------------ static checks

def test_page_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", text)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), refs
    assert "url(" not in text and "@import" not in text and "<script" not in text
    assert re.search(r"http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'", text)
    # the only http(s) strings are MathML namespace names, which are never fetched
    assert {m for m in re.findall(r"https?://[^\"' <]+", text)} <= {"http://www.w3.org/1998/Math/MathML"}
    assert text.count('src="data:image/png;base64,') >= 1


def test_every_formula_is_mathml_and_figures_are_embedded(page):
    text = page.read_text(encoding="utf-8")
    assert "tex-unrendered" not in text, re.findall(r'tex-unrendered">([^<]*)', text)
    assert text.count("<math") >= 6
    png = re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1)
    assert base64.b64decode(png).startswith(b"\x89PNG")


def test_toc_and_sections_and_badges(page):
    text = page.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<section id="([^"]+)"', text))
    links = set(re.findall(r'<a href="#([^"]+)"', text))
    assert anchors and links == anchors
    assert 'badge fail">FAIL' in text and 'badge pass">PASS' in text
    assert "1.00123" in text and "63.9987" in text  # measured values, 6 significant digits
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text  # text is escaped


def test_unconvertible_latex_and_bad_figures_are_flagged(tmp_path):
    """The detectors used above do trip: bad LaTeX shows as source, bad figures are named."""
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    key = {"meta": {}, "answers": {"x": {
        "qid": "x", "title": "t", "latex": r"\notacommand{d}",
        "figures": ["figures/missing.png", "../secret.png", "/etc/passwd"], "checks": []}}}
    text = render_html(key, tmp_path / "out")
    assert 'class="tex-unrendered"' in text
    assert "(missing)" in text and text.count("(outside the output folder)") == 2
    assert "data:image" not in text


def test_render_is_deterministic(page, tmp_path):
    key = _synthetic_key(tmp_path)
    assert render_html(key, tmp_path) == render_html(key, tmp_path)


# ------------------------------------------------------------------ real browser

PROBE = """<script>
window.addEventListener("load", () => {
  const maths = [...document.querySelectorAll("math")];
  const sized = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  const fracs = [...document.querySelectorAll("mfrac")];
  const r = {
    math: maths.length,
    math_native: maths.filter((m) => typeof MathMLElement !== "undefined" && m instanceof MathMLElement).length,
    math_sized: maths.filter(sized).length,
    frac: fracs.length,
    frac_stacked: fracs.filter((f) => f.children.length === 2 &&
        f.getBoundingClientRect().height > 1.4 * f.children[0].getBoundingClientRect().height).length,
    imgs: document.images.length,
    imgs_ok: [...document.images].filter((i) => i.complete && i.naturalWidth > 0).length,
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>"""


def _chromium(target: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000"]
    return subprocess.run([CHROMIUM, *flags, *extra, target.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp)})


def _console(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


def _probe(page: Path, tmp: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    # the probe copy may run its one inline script; it still may fetch nothing
    text = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    text = text.replace("</body>", PROBE + "\n</body>")
    probe_page = tmp / "probe.html"
    probe_page.write_text(text, encoding="utf-8")
    res = _chromium(probe_page, tmp, "--dump-dom")
    m = re.search(r'<pre id="probe">(.*?)</pre>', res.stdout, re.S)
    assert m, f"probe did not run: {res.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.mark.browser
@browser
def test_page_loads_in_chromium_without_console_messages(page, tmp_path):
    res = _chromium(page, tmp_path, "--dump-dom")
    assert res.returncode == 0, res.stderr[-500:]
    assert "<main>" in res.stdout
    assert _console(res.stderr) == []


@pytest.mark.browser
@browser
def test_console_detector_catches_errors_and_blocked_fetches(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; img-src data:; script-src 'unsafe-inline'\">"
                   "</head><body><img src=\"http://example.invalid/x.png\">"
                   "<script>console.error('boom')</script></body></html>")
    lines = _console(_chromium(bad, tmp_path).stderr)
    assert any("boom" in ln for ln in lines)
    assert any("Content Security Policy" in ln for ln in lines)


@pytest.mark.browser
@browser
def test_every_formula_and_figure_renders_in_chromium(page, tmp_path):
    r = _probe(page, tmp_path)
    assert r["math"] >= 6 and r["math_native"] == r["math"] and r["math_sized"] == r["math"], r
    assert r["frac"] >= 1 and r["frac_stacked"] == r["frac"], r
    assert r["imgs"] >= 1 and r["imgs_ok"] == r["imgs"], r


@pytest.mark.browser
@browser
def test_probe_detects_a_broken_figure(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; img-src data:;\"></head><body>"
                   "<img src=\"data:image/png;base64,AAAA\"><math><mi>x</mi></math></body></html>")
    r = _probe(bad, tmp_path)
    assert r["imgs"] == 1 and r["imgs_ok"] == 0


@pytest.mark.browser
@browser
def test_screenshot_is_saved_to_artifacts(page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "answers_html.png"
    if shot.exists():
        shot.unlink()
    res = _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,3000",
                    "--hide-scrollbars")
    assert shot.is_file(), res.stderr[-500:]
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] >= 1000 and img.std() > 0.01  # not blank


# ------------------------------------------------------------------ the committed key itself

COMMITTED = ROOT / "docs" / "answers" / "answers.html"
committed = pytest.mark.skipif(not COMMITTED.is_file(), reason="no committed docs/answers")


@pytest.mark.browser
@browser
@committed
def test_the_committed_answer_key_renders_in_chromium(tmp_path):
    """What readers open: docs/answers/answers.html, every real figure and formula."""
    res = _chromium(COMMITTED, tmp_path, "--dump-dom")
    assert res.returncode == 0 and "<main>" in res.stdout, res.stderr[-500:]
    assert _console(res.stderr) == []
    r = _probe(COMMITTED, tmp_path)
    n_figures = len(list((COMMITTED.parent / "figures").glob("*.png")))
    assert r["imgs"] >= n_figures >= 1 and r["imgs_ok"] == r["imgs"], r
    assert r["math"] >= 31 and r["math_native"] == r["math"] and r["math_sized"] == r["math"], r
    assert r["frac_stacked"] == r["frac"], r
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "answers_committed_html.png"
    _chromium(COMMITTED, tmp_path, f"--screenshot={shot}", "--window-size=1280,3000",
              "--hide-scrollbars")
    assert shot.is_file()
