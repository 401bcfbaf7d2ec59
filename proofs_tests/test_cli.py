"""The CLI and the answer-key pipeline: one-line errors, atomic output, staleness check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hw7 import report
from hw7.cli import main
from hw7core.atomic import atomic_directory, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=None):
    env = dict(os.environ, HW7_QUIET="1")
    return subprocess.run([sys.executable, "-m", "hw7", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=600)


@pytest.mark.parametrize("args, needle", [
    (["derive", "q99"], "unknown question id"),
    (["verify", "nope"], "unknown question id"),
    (["answers", "--device", "tpu", "--out", "/tmp/x-hw7"], "unknown device"),
    (["answers", "--out", "/proc/hw7-cannot-write"], "cannot write"),
    (["answers", "--check", "--out", "/nonexistent-hw7-dir"], "no committed answer key"),
    (["answers", "--seed", "-3"], "--seed"),
    (["answers", "--threads", "0", "--out", "/tmp/x-hw7"], "--threads"),
    (["frobnicate"], "invalid choice"),
])
def test_errors_are_one_line_exit_2(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hw7: error:") and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("threads", [1, 2])
def test_answers_builds_at_the_requested_thread_count_and_restores_it(tmp_path, monkeypatch, threads):
    # the key's confirmations run at --threads (default 1: on a shared machine more threads
    # made q6b ten times slower); the caller's setting is restored afterwards
    import torch

    from hw7 import report

    seen = []

    def fake_build(ctx, out, only, force=False):
        seen.append(torch.get_num_threads())
        return {"answers": {}, "meta": {"wall_s": 0.0}}

    monkeypatch.setattr(report, "build_into", fake_build)
    before = torch.get_num_threads()
    args = ["answers", "--out", str(tmp_path / "k"), "--quiet"]
    assert main(args + ["--threads", str(threads)]) == 0
    assert main(args) == 0
    assert seen == [threads, 1] and torch.get_num_threads() == before


def test_cuda_requested_without_cuda_is_one_line():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    r = run_cli("verify", "q3c", "--device", "cuda")
    assert r.returncode == 2 and "CUDA is not available" in r.stderr and "Traceback" not in r.stderr


def test_list_shows_homework_ids(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for qid in ("q3a", "q3b", "q3c", "q3.var_general"):
        assert qid in out


def test_answers_q3_writes_key_and_check_passes(tmp_path):
    out = tmp_path / "key"
    assert main(["answers", "--only", "q3c", "--out", str(out), "--quiet"]) == 0
    key = json.loads((out / "answers.json").read_text())
    e = key["answers"]["q3c"]
    assert e["expr"] == "sqrt(d)" and e["latex"] and e["checks"] and e["passed"]
    kinds = {c["kind"] for a in key["answers"].values() for c in a["checks"]}
    assert kinds == {"symbolic", "numeric"}
    assert (out / "answers.md").read_text().startswith("# EECS 182 Homework 7")
    assert any((out / f).is_file() for f in e["figures"])
    assert key["meta"]["seed"] == 0
    # fresh build matches
    assert main(["answers", "--only", "q3c", "--out", str(out), "--check", "--quiet"]) == 0
    # a hand edit is caught
    key["answers"]["q3c"]["expr"] = "d"
    (out / "answers.json").write_text(json.dumps(key))
    assert main(["answers", "--only", "q3c", "--out", str(out), "--check", "--quiet"]) == 1


def test_stable_view_ignores_timings_and_volatile_measurements():
    a = {"meta": {"seed": 0, "wall_s": 1.0}, "answers": {"x": {"seconds": 1, "checks": [
        {"kind": "numeric", "what": "t", "measured": 1.0, "volatile": True, "passed": True},
        {"kind": "numeric", "what": "m", "measured": 0.1234567891, "volatile": False, "passed": True}]}}}
    b = json.loads(json.dumps(a))
    b["meta"]["wall_s"] = 9.0
    b["answers"]["x"]["seconds"] = 7
    b["answers"]["x"]["checks"][0]["measured"] = 2.0
    b["answers"]["x"]["checks"][1]["measured"] = 0.1234567899  # below 6 significant digits
    assert report.diff_keys(a, b) == []
    b["answers"]["x"]["checks"][1]["measured"] = 0.124
    assert report.diff_keys(a, b)


def test_atomic_directory_leaves_target_untouched_on_failure(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "answers.md").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target) as stage:
        (stage / "answers.md").write_text("half")
        raise RuntimeError("boom")
    assert (target / "answers.md").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging debris
    with atomic_directory(target) as stage:
        (stage / "answers.md").write_text("new")
    assert (target / "answers.md").read_text() == "new"


def test_write_text_atomic(tmp_path):
    p = tmp_path / "a" / "b.txt"
    write_text_atomic(p, "x")
    assert p.read_text() == "x" and len(list(p.parent.iterdir())) == 1


def test_failed_build_leaves_no_partial_key(tmp_path, monkeypatch):
    from hw7 import registry

    out = tmp_path / "key"

    def boom(ctx, ans):
        raise RuntimeError("derivation exploded")

    sec = registry.get("q3b")
    monkeypatch.setattr(sec, "fn", boom)
    with pytest.raises(RuntimeError):
        report.build_into(registry.Context(quiet=True), out, "q3b")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_native_stderr_is_silenced_only_inside_the_block():
    """kineto's USDT lines go to fd 2 from C++; the guard drops them and restores fd 2."""
    code = ("import os, sys\n"
            "from hw7core.native_stderr import silenced_native_stderr\n"
            "with silenced_native_stderr():\n"
            "    os.write(2, b'native-noise\\n')\n"
            "os.write(2, b'after\\n')\n"
            "sys.stderr.write('python-after\\n')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert "native-noise" not in r.stderr
    assert "after" in r.stderr and "python-after" in r.stderr


def test_a_closed_stdout_ends_quietly():
    """`hw7 list | head -3`: the reader goes away; like a Unix tool the command ends with
    the SIGPIPE status (141) and prints nothing on stderr (it printed
    'hw7: error: [Errno 32] Broken pipe' with exit 2)."""
    proc = subprocess.Popen([sys.executable, "-m", "hw7", "list"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, HW7_QUIET="1"))
    proc.stdout.close()                      # the reader is gone before the first write
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=600) == 141 and err == "", err
    r = subprocess.run(f"{sys.executable} -m hw7 list | head -1", shell=True,
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.stderr == "" and len(r.stdout.splitlines()) == 1
