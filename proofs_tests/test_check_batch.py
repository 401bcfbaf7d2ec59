"""``hw7 check --batch`` / ``--format gradescope`` / ``hw7.check`` (issue 12, autograders and notebooks).

Bad batches are one line (exit 2) before anything is judged or written; per-answer
faults are format errors that cost no points; student names are hostile; outputs
are atomic and never replace what hw7 check did not write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw7.checker import batch, formats
from hw7.checker.batch import Row, check_student, read_batch
from hw7.checker.judge import Verdict
from hw7.errors import InputError, UsageError

ROOT = Path(__file__).resolve().parents[1]
GRADESCOPE_TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
                        "output_format", "tags", "visibility", "extra_data"}
GRADESCOPE_TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
                       "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                       "leaderboard"}


def run_cli(*args, cwd=None, stdin=None):
    env = dict(os.environ, HW7_QUIET="1")
    return subprocess.run([sys.executable, "-m", "hw7", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=600, input=stdin)


def one_error_line(r):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hw7: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


# ------------------------------------------------------------------ reading a batch

def test_csv_and_jsonl_rows(tmp_path):
    c = tmp_path / "b.csv"
    c.write_text('\ufeffStudent , QID,answer,extra\nalice,q3c,"max(d, 1)",x\n\nbob,q3c,d,\n',
                 encoding="utf-8")
    rows = read_batch(str(c))
    assert rows == [Row(2, "alice", "q3c", "max(d, 1)"), Row(4, "bob", "q3c", "d")]
    j = tmp_path / "b.jsonl"
    j.write_text('{"student": "alice", "qid": "q3c", "answer": "√d", "x": 1}\n\n'
                 '{"student": "bob", "qid": "q3b", "answer": "d"}\n', encoding="utf-8")
    assert read_batch(str(j)) == [Row(1, "alice", "q3c", "√d"), Row(3, "bob", "q3b", "d")]
    # no suffix: the first character decides
    n = tmp_path / "noext"
    n.write_text(j.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(read_batch(str(n))) == 2


BAD_BATCHES = [
    ("b.csv", "student,qid\nalice,q3c\n", "line 1: the header row must name the columns"),
    ("b.csv", "student,qid,answer,qid\na,q3c,d,x\n", "line 1: the header names qid twice"),
    ("b.csv", "student,qid,answer\nalice,q3c,d,1\n", "line 2: 4 fields, but the header has 3"),
    ("b.csv", 'student,qid,answer\nalice,q3c,"d\n', "not valid CSV"),
    ("b.csv", "", "is empty"),
    ("b.csv", "student,qid,answer\n", "holds no answers"),
    ("b.csv", "student,qid,answer\nalice,q3c,d\nbob,q3c,x\nalice,Q3C ,e\n",
     "line 4: a second answer of student 'alice' to 'Q3C' (the first is on line 2)"),
    ("b.csv", "student,qid,answer\nalice,q3c,d\nALICE,q3c,x\n",  # one folder on macOS
     "line 3: a second answer of student 'ALICE' to 'q3c'"),
    ("b.csv", "student,qid,answer\n../evil,q3c,d\n", "line 2: student name '../evil' is not allowed"),
    ("b.csv", "student,qid,answer\n.hidden,q3c,d\n", "line 2: student name '.hidden' is not allowed"),
    ("b.jsonl", '{"student": "a", "qid": "q3c", "answer": "d"}\n{"student": "b",\n',
     "line 2: not valid JSON"),
    ("b.jsonl", '["a", "q3c", "d"]\n', "line 1: want a JSON object"),
    ("b.jsonl", '{"student": "a", "answer": "d"}\n', "line 1: missing key qid"),
    ("b.jsonl", '{"student": "a", "qid": "q3c", "answer": 3}\n', "line 1: answer must be a JSON string"),
    ("b.jsonl", "[" * 100_000 + "]" * 100_000 + "\n", "line 1:"),
    # json keeps the last of two equal keys silently: which answer is meant is unknown
    ("b.jsonl", '{"student": "a", "qid": "q3c", "answer": "d", "answer": "sqrt(d)"}\n',
     "line 1: the key 'answer' appears twice"),
    ("b.jsonl", '{"student": "a", "qid": "q3c", "answer": "d", "x": {"k": 1, "k": 2}}\n',
     "line 1: the key 'k' appears twice"),
]


@pytest.mark.parametrize("name, text, needle", BAD_BATCHES)
def test_bad_batches_are_one_line(tmp_path, name, text, needle):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as ei:
        read_batch(str(p))
    msg = str(ei.value)
    assert needle in msg and "\n" not in msg


def test_bad_files(tmp_path, monkeypatch):
    with pytest.raises(UsageError, match="does not exist"):
        read_batch(str(tmp_path / "missing.csv"))
    with pytest.raises(UsageError, match="is a folder"):
        read_batch(str(tmp_path))
    p = tmp_path / "latin1.csv"
    p.write_bytes("student,qid,answer\nJos\xe9,q3c,d\n".encode("latin-1"))
    with pytest.raises(UsageError, match="line 2: not UTF-8"):
        read_batch(str(p))
    big = tmp_path / "big.csv"
    big.write_text("student,qid,answer\n" + "a,q3c,d\n", encoding="utf-8")
    monkeypatch.setattr(batch, "MAX_BATCH_BYTES", 20)
    with pytest.raises(UsageError, match="larger than"):
        read_batch(str(big))
    monkeypatch.setattr(batch, "MAX_BATCH_BYTES", 2**20)
    many = tmp_path / "many.csv"
    many.write_text("student,qid,answer\n" + "".join(f"s{i},q3c,d\n" for i in range(6)),
                    encoding="utf-8")
    monkeypatch.setattr(batch, "MAX_ROWS", 5)
    with pytest.raises(UsageError, match="more than 5 answers"):
        read_batch(str(many))


# ------------------------------------------------------------------ student names are hostile

@pytest.mark.parametrize("name", ["alice", "alice@berkeley.edu", "3031234567", "Zoë Ng",
                                  "o'brien".replace("'", "-"), "a.b_c+d", "李雷"])
def test_student_names_allowed(name):
    assert check_student(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "a\\b", "/abs", ".hidden", "x.",
                                  " lead", "trail ", "a\x00b", "a\nb", "a\tb", "a\u202eb",
                                  "a\u200bb", "a:b", "CON", "nul.txt", "x" * 101, "C:\\x", "~root",
                                  "a*b", "$HOME"])
def test_student_names_refused(name):
    with pytest.raises(UsageError, match="student"):
        check_student(name)


@given(st.text(max_size=30))
def test_accepted_student_names_stay_in_their_folder(name):
    """Property: any name check_student accepts is one plain, visible path component."""
    try:
        check_student(name)
    except UsageError:
        return
    base = Path("/base")
    p = base / name
    assert p.parent == base and p.name == name
    assert not name.startswith(".") and os.sep not in name and "\\" not in name
    assert all(ch.isprintable() for ch in name)


# ------------------------------------------------------------------ judging many answers

def _fake_judge():
    """A judge for the worker processes: 'correct' for sqrt(d); the message numbers the
    judgements this worker made (so repeats judged once are visible from the parent)."""
    count = [0]

    def judge(entry, text):
        count[0] += 1
        ok = text.replace(" ", "") == "sqrt(d)"
        return Verdict(entry["qid"], "correct" if ok else "refuted", f"{text} judged #{count[0]}",
                       "fake", parsed=text)
    return judge


def _resolver(qid):
    if qid.lower() != "q3c":
        raise UsageError(f"unknown question id {qid!r}")
    return {"qid": "q3c", "check_kind": "expr", "expr": "sqrt(d)", "symbols": {"d": "d"},
            "data": {}, "title": "The scale s", "question": "Q3(c)"}


def test_judge_rows_dedupes_and_reports_format_errors(monkeypatch):
    from hw7.checker import judge

    monkeypatch.setattr(judge, "judge", _fake_judge())
    rows = [Row(2, "a", "q3c", "sqrt(d)"), Row(3, "b", "q3c", " sqrt(d) "), Row(4, "c", "Q3C", "d"),
            Row(5, "d", "q9", "d"), Row(6, "e", "q3c", "d" * (batch.MAX_ANSWER + 1)),
            Row(7, "f", "q3c", "sqrt( d)")]
    res = batch.judge_rows(rows, _resolver, jobs=1, quiet=True)
    assert [r.row for r in res] == rows
    assert [r.verdict.status for r in res] == ["correct", "correct", "refuted", "unjudged",
                                               "unjudged", "correct"]
    # one worker judged three distinct answers; " sqrt(d) " is "sqrt(d)" up to white space
    assert [r.verdict.message for r in res if r.verdict.method == "fake"] == [
        "sqrt(d) judged #1", "sqrt(d) judged #1", "d judged #2", "sqrt( d) judged #3"]
    assert "unknown question id 'q9'" in res[3].verdict.message
    assert "longer than" in res[4].verdict.message
    assert res[0].title == "Q3(c) The scale s" and res[3].title is None


def test_judge_rows_in_a_pool_keeps_the_order(monkeypatch):
    from hw7.checker import judge

    monkeypatch.setattr(judge, "judge", _fake_judge())
    rows = [Row(i + 2, f"s{i}", "q3c", "sqrt(d)" if i % 3 == 0 else f"d + {i}") for i in range(40)]
    res = batch.judge_rows(rows, _resolver, jobs=2, quiet=True)
    assert [r.verdict.message.split(" judged")[0] for r in res] == [r.answer for r in rows]
    assert [r.verdict.status == "correct" for r in res] == [i % 3 == 0 for i in range(40)]


@pytest.mark.parametrize("jobs", [2, 3])
def test_retiring_workers_never_hangs_the_batch(monkeypatch, jobs):
    """A worker is replaced after TASKS_PER_WORKER answers. Forked workers used to inherit
    the parent's ends of their siblings' task pipes, so a retired worker never saw
    end-of-file and the parent waited for it forever (a 1000-answer batch hung, no output).
    An alarm turns a hang into a failure."""
    import signal

    from hw7.checker import judge

    def on_alarm(signum, frame):
        raise TimeoutError("the batch hung while replacing a worker")

    monkeypatch.setattr(judge, "judge", _fake_judge())
    monkeypatch.setattr(batch, "TASKS_PER_WORKER", 3)
    rows = [Row(i + 2, f"s{i}", "q3c", f"d + {i}") for i in range(40)]
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(60)
    try:
        res = batch.judge_rows(rows, _resolver, jobs=jobs, quiet=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert [r.verdict.message.split(" judged")[0] for r in res] == [r.answer for r in rows]
    # each worker judged at most 3 answers before it was replaced
    assert max(int(r.verdict.message.split("#")[1]) for r in res) <= 3


def _hostile_judge(entry, text):
    """Misbehaving judgements: too slow, a crash, memory, CPU; 'd' is judged normally."""
    import time

    if text == "slow":
        time.sleep(60)
    if text == "crash":
        os._exit(7)
    if text == "memory":
        raise MemoryError
    if text == "spin":
        while True:
            pass
    return Verdict(entry["qid"], "refuted", f"{text} judged", "fake")


def test_each_judgement_is_bounded(monkeypatch):
    """A slow, crashing or memory-hungry answer costs only its own verdict; the worker is
    replaced and the rest of the batch is judged (hard deadline kept by the parent)."""
    import time

    from hw7.checker import judge

    monkeypatch.setattr(judge, "judge", _hostile_judge)
    tasks = [(_resolver("q3c"), t) for t in ("d", "slow", "d + 1", "crash", "d + 2", "memory",
                                             "d + 3")]
    t0 = time.monotonic()
    out = batch._run_tasks(tasks, timeout=1.0, jobs=2, quiet=True)
    assert time.monotonic() - t0 < 30
    msgs = [o["message"] for o in out]
    assert msgs[0] == "d judged" and msgs[2] == "d + 1 judged" and msgs[4] == "d + 2 judged"
    assert msgs[6] == "d + 3 judged"
    assert "took longer than 1 s (timed out)" in msgs[1]
    assert "could not be judged: the judging process failed" in msgs[3]
    assert "needs more than" in msgs[5]
    assert [o["status"] for o in out] == ["refuted", "unjudged"] * 3 + ["refuted"]


def test_cpu_time_is_bounded_per_answer(monkeypatch):
    """An answer spinning the CPU is stopped by the worker's per-answer CPU limit (SIGXCPU)
    or the parent's deadline, whichever comes first."""
    from hw7.checker import judge

    monkeypatch.setattr(judge, "judge", _hostile_judge)
    out = batch._run_tasks([(_resolver("q3c"), "spin"), (_resolver("q3c"), "d")], timeout=1.0,
                           jobs=1, quiet=True)
    assert out[0]["status"] == "unjudged" and ("CPU time" in out[0]["message"]
                                               or "timed out" in out[0]["message"])
    assert out[1]["message"] == "d judged"


# ------------------------------------------------------------------ Gradescope results.json

def _results():
    rows = [Row(2, "alice", "q3c", "sqrt(d)"), Row(3, "alice", "q3b", "2*d"),
            Row(4, "alice", "q9", "d")]
    vs = [Verdict("q3c", "correct", "sqrt(d) is equivalent", "symbolic", parsed="sqrt(d)"),
          Verdict("q3b", "refuted", "2*d is not equivalent", "numeric counterexample",
                  counterexample={"values": {"d": "1"}, "yours": "2", "expected": "1",
                                  "text": "at d = 1: yours = 2, expected 1"}, parsed="2*d"),
          Verdict("q9", "unjudged", "unknown question id 'q9'", "format")]
    return [batch.Result(r, v, t) for r, v, t in zip(rows, vs, ["Q3(c) The scale s", None, None])]


def test_gradescope_scores_and_format_errors():
    res = formats.gradescope_results(_results(), points=2.5, visibility="after_due_date")
    assert set(res) <= GRADESCOPE_TOP_KEYS
    tests = res["tests"]
    assert all(set(t) <= GRADESCOPE_TEST_KEYS for t in tests)
    assert [(t["score"], t["max_score"], t["status"]) for t in tests] == [
        (2.5, 2.5, "passed"), (0.0, 2.5, "failed"), (0.0, 0.0, "failed")]
    assert res["score"] == 2.5 == sum(t["score"] for t in tests)
    assert all(t["visibility"] == "after_due_date" for t in tests)
    assert tests[0]["name"] == "q3c — Q3(c) The scale s"
    assert "Counterexample: at d = 1" in tests[1]["output"]
    # a format error costs nothing, and says so
    assert "format error" in tests[2]["tags"] and "Not scored (0 of 0 points)" in tests[2]["output"]
    assert "format error" not in tests[1]["tags"] and "Not scored" not in tests[1]["output"]
    json.dumps(res)


def test_gradescope_layout():
    one = formats.gradescope_files(_results())
    assert list(one) == ["results.json"]
    several = _results() + [batch.Result(Row(9, "bob", "q3c", "d"),
                                         Verdict("q3c", "refuted", "no", "x"))]
    files = formats.gradescope_files(several)
    assert sorted(files) == ["alice/results.json", "bob/results.json"]
    assert json.loads(files["bob/results.json"])["score"] == 0.0
    clash = several + [batch.Result(Row(10, "BOB", "q3b", "d"), Verdict("q3b", "refuted", "no"))]
    with pytest.raises(UsageError, match="would share one folder"):
        formats.gradescope_files(clash)
    with pytest.raises(UsageError, match="visibility"):
        formats.gradescope_files(several, visibility="public")


# ------------------------------------------------------------------ the command, end to end

BATCH = ("student,qid,answer\n"
         "alice,q3c,sqrt(d)\n"
         "alice,q3b,\"d + 1, or so\"\n"
         "bob,q3c,d/2\n"
         "bob,q9z,d\n"
         "carol,q3c,\"__import__('os').system('touch /tmp/hw7-batch-pwned')\"\n")


def test_cli_batch_jsonl_and_text(tmp_path):
    b = tmp_path / "b.csv"
    b.write_text(BATCH, encoding="utf-8")
    r = run_cli("check", "--batch", str(b), "--jobs", "2")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["line"], x["student"], x["qid"]) for x in recs] == [
        (2, "alice", "q3c"), (3, "alice", "q3b"), (4, "bob", "q3c"), (5, "bob", "q9z"),
        (6, "carol", "q3c")]
    assert [x["exit_code"] for x in recs] == [0, 2, 1, 2, 2]
    assert recs[2]["counterexample"] and recs[3]["message"].startswith("unknown question id")
    assert not Path("/tmp/hw7-batch-pwned").exists()
    out = tmp_path / "r.txt"
    r = run_cli("check", "--batch", str(b), "--format", "text", "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("alice: q3c: correct") and lines[2].startswith("bob: q3c: refuted")
    # the same output again is ours; a foreign file is not replaced
    assert run_cli("check", "--batch", str(b), "--format", "text", "--out", str(out)).returncode == 0
    r = run_cli("check", "--batch", str(b), "--out", str(out))  # text output is not JSON output
    assert "not an earlier 'hw7 check --format json' output" in one_error_line(r)
    assert out.read_text(encoding="utf-8").splitlines() == lines


def test_cli_gradescope_out_dir(tmp_path):
    b = tmp_path / "b.csv"
    b.write_text(BATCH, encoding="utf-8")
    out = tmp_path / "gs"
    r = run_cli("check", "--batch", str(b), "--format", "gradescope", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("results.json")) == [
        "alice/results.json", "bob/results.json", "carol/results.json"]
    bob = json.loads((out / "bob" / "results.json").read_text(encoding="utf-8"))
    assert [(t["score"], t["max_score"]) for t in bob["tests"]] == [(0.0, 1.0), (0.0, 0.0)]
    alice = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    assert alice["score"] == 1.0
    # a re-run replaces its own output; the student who left is removed
    b.write_text("student,qid,answer\nalice,q3c,d\nbob,q3c,sqrt(d)\n", encoding="utf-8")
    r = run_cli("check", "--batch", str(b), "--format", "gradescope", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert not (out / "carol").exists()
    assert json.loads((out / "bob" / "results.json").read_text(encoding="utf-8"))["score"] == 1.0
    # a folder that is not ours is refused, and nothing in it changes
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine", encoding="utf-8")
    before = sorted(p.name for p in foreign.rglob("*"))
    r = run_cli("check", "--batch", str(b), "--format", "gradescope", "--out", str(foreign))
    assert "not empty" in one_error_line(r)
    assert sorted(p.name for p in foreign.rglob("*")) == before


def test_cli_single_student_and_bad_batch(tmp_path):
    out = tmp_path / "results"
    r = run_cli("check", "q3c", "sqrt(d)", "--format", "gradescope", "--out", str(out))
    assert r.returncode == 0, r.stderr
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["score"] == 1.0 and res["tests"][0]["status"] == "passed"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"student": "a", "qid": "q3c", "answer": "d"}\nnot json\n', encoding="utf-8")
    gs = tmp_path / "never"
    r = run_cli("check", "--batch", str(bad), "--format", "gradescope", "--out", str(gs))
    assert "line 2: not valid JSON" in one_error_line(r)
    assert not gs.exists()  # nothing half-written
    r = run_cli("check", "--batch", str(tmp_path / "missing.csv"))
    assert "does not exist" in one_error_line(r)
    r = run_cli("check", "q3c", "d", "--batch", str(bad))
    assert "takes no question id" in one_error_line(r)
    r = run_cli("check", "--batch", "-", "--format", "gradescope")
    assert "needs --out DIR" in one_error_line(r)


# ------------------------------------------------------------------ Python and notebooks

def test_hw7_check_returns_a_displayable_verdict():
    import hw7

    v = hw7.check("q3c", "d/2")
    assert isinstance(v, Verdict) and v.status == "refuted" and v.exit_code == 1
    assert str(v) == v.line()
    md, tex, page = v._repr_markdown_(), v._repr_latex_(), v._repr_html_()
    assert r"$\frac{d}{2}$" in md and "counterexample" in md
    assert r"\frac{d}{2}" in tex and tex.startswith("$$")
    assert "<math" in page and "<mfrac>" in page
    with pytest.raises(InputError, match="unknown question id"):
        hw7.check("q99", "d")


def test_notebook_display_escapes_hostile_text():
    v = formats.shown(Verdict("q3c", "unjudged", "<script>alert(1)</script> $\\input{x}$ {oops}",
                              parsed="<b>x</b>"), None)
    page, md, tex = v._repr_html_(), v._repr_markdown_(), v._repr_latex_()
    assert "<script>" not in page and "<b>x" not in page and "&lt;script&gt;" in page
    assert "<script>" not in md
    for bad in ("\\input", "$\\", "{oops}", "<script>"):
        assert bad not in tex.replace("$$", "")


def test_import_hw7_and_check_stay_cheap(tmp_path):
    """``import hw7`` loads no SymPy, NumPy, torch or Hypothesis; ``hw7 check`` no torch and
    no derivations once the reference is cached."""
    code = ("import sys, hw7; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sympy', 'numpy', 'torch', 'hypothesis', 'derivations'}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.stdout.strip() == "[]", r.stderr
    code = ("import sys\nfrom hw7.cli import main\nmain(['check', 'q3c', 'sqrt(d)'])\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'torch', 'derivations', 'numerics', 'matplotlib'}))")
    for _ in range(2):  # the first run may fill the reference cache
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr


# ------------------------------------------------------------------ shipped reference entries

def test_shipped_entries_used_only_while_fresh(tmp_path, monkeypatch):
    from hw7.checker import shipped

    entry = {"qid": "q3c", "check_kind": "expr", "expr": "sqrt(d)", "symbols": {"d": "d"}}
    data = {"sources": shipped.sources_hash(), "ids": ["q3c", "q5c", "q9x"],
            "checkable": ["q3c"], "entries": {"q3c": entry, "q5c": {"qid": "q5c"}}}
    path = tmp_path / "shipped_references.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(shipped, "PATH", path)
    shipped._load.cache_clear()
    try:
        assert shipped.shipped("Q3C") == entry and shipped.shipped_ids() == ["q3c"]
        assert shipped.shipped("q9x") is None          # listed without an entry: derive it
        with pytest.raises(UsageError, match="unknown question id 'q99'; known ids: q3c, q5c"):
            shipped.shipped("q99")
        path.write_text(json.dumps({**data, "sources": "0" * 24}), encoding="utf-8")
        shipped._load.cache_clear()
        assert shipped.shipped("q3c") is None and shipped.shipped_ids() is None  # stale: ignored
        path.write_text("{not json", encoding="utf-8")
        shipped._load.cache_clear()
        assert shipped.shipped("q3c") is None
    finally:
        shipped._load.cache_clear()


@pytest.mark.slow
def test_shipped_entries_equal_a_fresh_derivation():
    """The shipped entries are generated, never typed: each equals what the derivations give
    now (regenerate with ``python -m hw7.checker.shipped`` when this fails)."""
    from hw7.checker import shipped

    data = json.loads(shipped.PATH.read_text(encoding="utf-8"))
    fresh = shipped.generate()
    assert data["ids"] == fresh["ids"] and data["checkable"] == fresh["checkable"]
    for qid, e in fresh["entries"].items():  # compared with key order: readers may use it
        assert json.dumps(data["entries"].get(qid)) == json.dumps(e), f"{qid}: shipped entry is stale"
    assert data["entries"].keys() == fresh["entries"].keys()


def test_docstring_examples_run():
    import doctest

    import hw7

    for mod in (hw7, batch):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.attempted > 0 and res.failed == 0, mod.__name__


def test_show_of_a_question_with_parts_explains_each_part(capsys):
    # `hw7 check q5b --show` (issue 12) used to be an error listing the parts.
    from hw7.cli import main

    assert main(["check", "q5b", "--show"]) == 0
    out = capsys.readouterr().out
    assert "q5b.sim" in out and "q5b.phi" in out
    assert "answer kind: feature_map" in out and "answer kind: expr" in out
    # without --show a parent id is still one clear line, exit 2
    assert main(["check", "q5b", "(qk + 1)**2"]) == 2
    assert "check one of its parts" in capsys.readouterr().err


def test_hw7_check_takes_a_variant():
    import hw7
    from hw7 import variants

    cubic = ROOT / "variants" / "cubic-kernel.toml"
    assert hw7.check("q5d.time", "O(N D^3 M)", variant=str(cubic)).status == "correct"
    assert hw7.check("q5d.time", "O(N D^3 M)", variant=variants.load(cubic)).status == "correct"
    assert hw7.check("q5d.time", "O(N D^3 M)").status == "refuted"
    with pytest.raises(InputError, match="not both"):
        hw7.check("q3c", "d", key="answers.json", variant=str(cubic))
