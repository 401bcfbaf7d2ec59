"""Issue 11, "No data lost": every command that takes --out keeps the user's files, replaces
only its own outputs, refuses the root and the home folder, never lets --only shrink a key,
and survives kill -9 (the previous key intact, the stale staging folder cleaned later).

The answer-key sections are replaced by fast stubs (their content depends on the seed, so
which run wrote a section can be read back); the publishing machinery is the real one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw7 import registry, report
from hw7.cli import main
from hw7core.outdir import STAGE_MARKER, OutputDir, manifest_name

ROOT = Path(__file__).resolve().parents[1]
KEY = set(report.KEY_FILES)


def _stub(ctx, ans):
    ans.latex = f"x_{{{ctx.seed}}}"
    ans.data = {"seed": ctx.seed}
    path, rel = ctx.figure(f"{ans.qid}.png")
    if path:
        path.write_bytes(f"{ans.qid} seed {ctx.seed}".encode())
        ans.figures.append(rel)
    ans.checks.append(registry.Check("symbolic", "stub", ctx.seed, None, True))


@contextlib.contextmanager
def stubbed_sections():
    secs = registry.sections()
    saved = [(s, s.fn) for s in secs]
    try:
        for s in secs:
            s.fn = _stub
        yield [s.qid for s in secs]
    finally:
        for s, fn in saved:
            s.fn = fn


@pytest.fixture
def stubs():
    with stubbed_sections() as ids:
        yield ids


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder`` (hidden ones too): files by content, folders and links."""
    out: dict[str, bytes | str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "<dir>"
            else:
                out[rel] = p.read_bytes()
    return out


def make_files(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def answers(out: Path, *extra: str) -> int:
    return main(["answers", "--out", str(out), "--quiet", *extra])


def one_line_error(capsys, needle: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hw7: error:") and needle in lines[0], err
    return lines[0]


USER = {"thesis.tex": b"\\documentclass{article}", "notes/ideas.md": b"# ideas\n"}


# --------------------------------------------------------------------- refusing / keeping
def test_answers_refuses_a_folder_of_user_files_and_touches_nothing(tmp_path, stubs, capsys):
    out = tmp_path / "thesis"
    make_files(out, USER)
    before = tree(out)
    assert answers(out, "--only", "q4a") == 2
    line = one_line_error(capsys, "is not an earlier output of 'hw7 answers'")
    assert "thesis.tex" in line and "--force" in line
    assert tree(out) == before and sorted(os.listdir(tmp_path)) == ["thesis"]


def test_answers_force_adds_beside_and_later_runs_keep_user_files(tmp_path, stubs):
    out = tmp_path / "thesis"
    make_files(out, USER)
    assert answers(out, "--only", "q4a", "--force") == 0
    assert answers(out) == 0          # an earlier output now: no --force needed
    assert answers(out, "--only", "q3c", "--seed", "1") == 0
    got = tree(out)
    for rel, data in USER.items():
        assert got[rel] == data
    key = json.loads((out / "answers.json").read_text())
    assert len(key["answers"]) == len(stubs)
    man = json.loads((out / manifest_name("answers")).read_text())
    assert set(man["files"]) == KEY | {f"figures/{q}.png" for q in stubs}
    assert not any(n.startswith(".hw7-stage") for n in os.listdir(out))


def test_user_file_added_to_a_key_folder_survives_a_full_rebuild(tmp_path, stubs):
    out = tmp_path / "key"
    assert answers(out) == 0
    make_files(out, {"my-notes.txt": b"mine", "figures/my-plot.png": b"png"})
    assert answers(out, "--seed", "2") == 0
    assert (out / "my-notes.txt").read_bytes() == b"mine"
    assert (out / "figures" / "my-plot.png").read_bytes() == b"png"


def test_an_output_the_user_edited_is_never_replaced(tmp_path, stubs, capsys):
    out = tmp_path / "key"
    assert answers(out, "--only", "q3") == 0
    (out / "answers.md").write_text("my own edits")
    capsys.readouterr()
    before = tree(out)
    for extra in ((), ("--force",)):
        assert answers(out, "--only", "q3", *extra) == 2
        one_line_error(capsys, "was changed after 'hw7 answers'")
        assert tree(out) == before


def test_a_planted_manifest_is_not_trusted(tmp_path, stubs, capsys):
    out = tmp_path / "key"
    make_files(out, {manifest_name("answers"): b"not json", "answers.md": b"mine"})
    before = tree(out)
    assert answers(out, "--force") == 2
    one_line_error(capsys, "was not written by 'hw7 answers'")
    assert tree(out) == before


@pytest.mark.parametrize("force", [False, True])
def test_root_and_home_are_refused_outright(tmp_path, monkeypatch, stubs, capsys, force):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    extra = ("--force",) if force else ()
    before = tree(tmp_path)
    for target, needle in ((Path("/"), "filesystem root"), (home, "your home folder"),
                           (home / ".." / "home", "your home folder"),
                           (tmp_path, "holds your home folder")):
        assert answers(target, *extra) == 2
        one_line_error(capsys, needle)
    assert main(["train", "ae", "--data", "digits", "--latent", "2", "--quiet",
                 "--out", str(home), *extra]) == 2
    one_line_error(capsys, "home folder")
    assert tree(tmp_path) == before


NAMES = ["thesis.tex", "notes/a.txt", "notes/deep/b.md", ".hidden", "answers.md",
         "answers.json", "figures/q3c.png", "figures/mine.png", "figures", "README"]
RUNS = st.lists(st.tuples(st.sampled_from([None, "q3", "q3c", "q4a", "q1b"]),
                          st.integers(0, 2), st.booleans()), min_size=1, max_size=3)


def _tree_paths(files: dict[str, bytes]) -> dict[str, bytes]:
    """Drop names that a file elsewhere makes impossible (``figures`` vs ``figures/x``)."""
    out: dict[str, bytes] = {}
    for rel in sorted(files, key=len):
        if not any(rel.startswith(o + "/") or o.startswith(rel + "/") for o in out):
            out[rel] = files[rel]
    return out


@given(user=st.dictionaries(st.sampled_from(NAMES), st.binary(max_size=16), max_size=5),
       runs=RUNS)
def test_property_user_files_survive_and_only_never_shrinks(tmp_path_factory, user, runs):
    """Random user files in the out folder, random sequences of runs (--only or not, seeds,
    --force): user files always survive byte for byte; a refused run changes nothing; a
    run succeeds exactly when allowed; the key never loses a section and every section
    is the one of the last run that built it."""
    out = tmp_path_factory.mktemp("prop") / "out"
    user = _tree_paths(user)
    make_files(out, user)
    if not user:
        out.mkdir(exist_ok=True)
    expect: dict[str, int] = {}                  # section -> seed of the run that built it
    with stubbed_sections() as ids:
        for only, seed, force in runs:
            chosen = [s.qid for s in registry.select(only)]
            before = tree(out)
            merged = set(expect) | set(chosen)
            outputs = KEY | {f"figures/{q}.png" for q in merged} | {"figures"}
            clash = any(rel in outputs for rel in user)
            foreign = bool(user) and not expect and not force
            rc = answers(out, "--seed", str(seed), *(("--only", only) if only else ()),
                         *(("--force",) if force else ()))
            after = tree(out)
            assert all(after.get(rel) == data for rel, data in user.items())
            if foreign or clash:
                assert rc == 2 and after == before
                continue
            assert rc == 0
            expect.update({q: seed for q in chosen})
            key = json.loads((out / "answers.json").read_text())
            assert {q: e["data"]["seed"] for q, e in key["answers"].items()} == expect
            assert list(key["answers"]) == [q for q in ids if q in expect]   # registry order
            runs_meta = key["meta"]["runs"]
            assert sorted(q for r in runs_meta for q in r["sections"]) == sorted(expect)
            assert all(r["seed"] == expect[q] for r in runs_meta for q in r["sections"])
            for q in expect:
                assert (out / "figures" / f"{q}.png").read_bytes() == \
                    f"{q} seed {expect[q]}".encode()
            md = (out / "answers.md").read_text()
            assert md == report.render_markdown(key)
            if len(runs_meta) > 1:
                assert "Generated by" in md and f"{len(runs_meta)} runs" in md
                assert "Sections by run" in (out / "answers.html").read_text()
            man = json.loads((out / manifest_name("answers")).read_text())
            assert set(man["files"]) == KEY | {f"figures/{q}.png" for q in expect}
            assert not any(n.startswith(".hw7-stage") for n in os.listdir(out))


@given(runs=st.lists(st.tuples(st.sampled_from([None, "q3", "q3c", "q4", "q1b", "q6c"]),
                                st.integers(0, 3)), min_size=2, max_size=4))
def test_property_only_never_shrinks_the_key(tmp_path_factory, runs):
    """Any sequence of runs (whole or --only, any seeds) into one folder: the key holds the
    union of the sections built so far, each from the last run that built it, with its
    figure; the header's runs say so."""
    out = tmp_path_factory.mktemp("merge") / "key"
    expect: dict[str, int] = {}
    with stubbed_sections():
        for only, seed in runs:
            assert answers(out, "--seed", str(seed), *(("--only", only) if only else ())) == 0
            expect.update({s.qid: seed for s in registry.select(only)})
            key = json.loads((out / "answers.json").read_text())
            assert {q: e["data"]["seed"] for q, e in key["answers"].items()} == expect
            origin = {q: r["seed"] for r in key["meta"]["runs"] for q in r["sections"]}
            assert origin == expect
            assert sorted(p.name for p in (out / "figures").iterdir()) == \
                sorted(f"{q}.png" for q in expect)


# --------------------------------------------------------------------- --only over real keys
def test_only_merges_into_the_committed_key_and_keeps_every_section(tmp_path, stubs):
    """docs/answers (written before manifests, or with one) is an earlier output: --only q3c
    replaces that section only, keeps the other sections and their figures."""
    src = ROOT / "docs" / "answers"
    if not (src / "answers.json").is_file():
        pytest.skip("no committed key")
    out = tmp_path / "answers"
    shutil.copytree(src, out)
    old = json.loads((out / "answers.json").read_text())
    figs = {f: (out / f).read_bytes() for e in old["answers"].values() for f in e["figures"]
            if (out / f).is_file()}
    assert answers(out, "--only", "q3c", "--seed", "5") == 0
    new = json.loads((out / "answers.json").read_text())
    assert list(new["answers"]) == list(old["answers"])
    assert new["answers"]["q3c"]["data"] == {"seed": 5}
    for q, e in old["answers"].items():
        if q != "q3c":
            assert new["answers"][q] == e
    for f, data in figs.items():
        if not f.startswith("figures/q3_"):
            assert (out / f).read_bytes() == data
    assert report.diff_keys(old, new) and any("q3c" in d for d in report.diff_keys(old, new))
    runs = new["meta"]["runs"]
    assert runs[-1]["sections"] == ["q3c"] and runs[-1]["seed"] == 5
    assert "q3c" not in runs[0]["sections"] and len(runs[0]["sections"]) == len(old["answers"]) - 1


def _legacy_key(folder: Path, **meta) -> None:
    key = {"meta": {"schema": report.SCHEMA, "tool": "hw7-verify 0.0.1", "profile": "fast",
                    "device": "cpu", "seed": 0, "versions": {}, **meta},
           "answers": {"q3c": {"title": "t", "question": "Q3(c)", "passed": True,
                               "figures": ["figures/q3c.png"], "checks": []}}}
    make_files(folder, {"answers.json": json.dumps(key).encode(),
                        "answers.md": report.render_markdown(key).encode(),
                        "figures/q3c.png": b"old"})


@pytest.mark.parametrize("case, needle", [
    ("older version", "written by hw7-verify 0.0.1"),
    ("other variant", "variant 'v'"),
])
def test_only_refuses_a_key_it_cannot_merge_into(tmp_path, stubs, capsys, case, needle):
    from hw7 import __version__

    out = tmp_path / "old"
    meta = {} if case == "older version" else {
        "tool": f"hw7-verify {__version__}", "variant": {"name": "v", "digest": "abc", "settings": {}}}
    _legacy_key(out, **meta)
    before = tree(out)
    assert answers(out, "--only", "q4a") == 2
    one_line_error(capsys, needle)
    assert tree(out) == before
    if case == "other variant":
        # a whole build never replaces another variant's key either (it replaced the
        # committed homework key): refused in one line, untouched
        assert answers(out) == 2
        one_line_error(capsys, "holds the key for variant 'v'")
        assert tree(out) == before
        return
    assert answers(out) == 0            # a whole rebuild replaces the old key (its own files)
    assert len(json.loads((out / "answers.json").read_text())["answers"]) > 1
    assert not (out / "figures" / "q3c.png").read_bytes() == b"old"


# --------------------------------------------------------------------- kill -9 and staging
SLOW = textwrap.dedent("""
    import sys, time
    from hw7 import registry
    from hw7.cli import main
    def stub(ctx, ans):
        path, rel = ctx.figure(ans.qid + ".png")
        path.write_bytes(b"new")
        ans.figures.append(rel)
        time.sleep(600)                       # killed here, mid-way
    for s in registry.sections():
        s.fn = stub
    sys.exit(main(["answers", "--out", sys.argv[1], "--quiet"]))
""")


def test_kill_9_mid_run_keeps_the_previous_key_and_a_later_run_cleans_up(tmp_path, stubs):
    out = tmp_path / "key"
    assert answers(out, "--only", "q3") == 0
    make_files(out, USER)
    before = tree(out)
    proc = subprocess.Popen([sys.executable, "-c", SLOW, str(out)], cwd=ROOT,
                            env=dict(os.environ, HW7_QUIET="1"))
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            stages = [p for p in out.glob(".hw7-stage-answers-*") if (p / "figures").is_dir()]
            if stages:
                break
            assert proc.poll() is None, "the slow run ended early"
            time.sleep(0.2)
        else:
            pytest.fail("no staging folder appeared")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    after = tree(out)
    assert {k: v for k, v in after.items() if not k.startswith(".hw7-stage")} == before
    assert stages[0].is_dir()                      # the dead run's staging folder is left
    # folders a later run must NOT remove: a live run's stage, another command's stage,
    # a user folder that merely looks like a stage
    live = out / ".hw7-stage-answers-live"
    other = out / ".hw7-stage-train-1-x"
    mimic = out / ".hw7-stage-answers-mine"
    for d, marker in ((live, {"pid": os.getpid(), "command": "answers"}),
                      (other, {"pid": proc.pid, "command": "train"}), (mimic, None)):
        d.mkdir()
        if marker:
            info = json.loads((stages[0] / STAGE_MARKER).read_text())
            (d / STAGE_MARKER).write_text(json.dumps({**info, **marker}))
        else:
            (d / "keep.txt").write_text("user data")
    assert answers(out, "--only", "q3") == 0
    assert not stages[0].exists()
    assert live.is_dir() and other.is_dir() and (mimic / "keep.txt").read_text() == "user data"
    for rel, data in USER.items():
        assert (out / rel).read_bytes() == data


def test_failed_build_into_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    def boom(ctx, ans):
        raise RuntimeError("derivation exploded")

    monkeypatch.setattr(registry.get("q3b"), "fn", boom)
    out = tmp_path / "a" / "b" / "key"
    with pytest.raises(RuntimeError):
        report.build_into(registry.Context(quiet=True), out, "q3b")
    assert list(tmp_path.iterdir()) == []


def test_output_dir_publishes_files_and_deletes_only_its_stale_own(tmp_path):
    out = tmp_path / "o"
    with OutputDir(out, "demo") as d:
        make_files(d.stage, {"a.txt": b"1", "sub/b.txt": b"2", "sub/c.txt": b"3"})
    make_files(out, {"sub/user.txt": b"u"})
    with OutputDir(out, "demo") as d:
        make_files(d.stage, {"a.txt": b"1b"})
    got = {k: v for k, v in tree(out).items() if not k.startswith(".hw7-")}
    assert got == {"a.txt": b"1b", "sub": "<dir>", "sub/user.txt": b"u"}


# --------------------------------------------------------------------- hw7 train
TRAIN = ["train", "ae", "--data", "digits", "--latent", "2", "--epochs", "1", "--hidden", "16",
         "--quiet"]


def test_train_keeps_user_files(tmp_path, capsys):
    out = tmp_path / "run"
    make_files(out, USER)
    before = tree(out)
    t0 = time.perf_counter()
    assert main([*TRAIN, "--out", str(out)]) == 2
    assert time.perf_counter() - t0 < 30                # refused before any training
    one_line_error(capsys, "is not an earlier output of 'hw7 train'")
    assert tree(out) == before
    assert main([*TRAIN, "--out", str(out), "--force"]) == 0
    assert main([*TRAIN, "--out", str(out), "--seed", "1"]) == 0
    for rel, data in USER.items():
        assert (out / rel).read_bytes() == data
    m = json.loads((out / "metrics.json").read_text())
    assert m["seed"] == 1 and (out / "figures" / "metrics.png").is_file()


def test_train_recognises_its_output_from_before_manifests(tmp_path):
    out = tmp_path / "run"
    make_files(out, {"metrics.json": json.dumps({"kind": "ae", "per_latent": [],
                                                 "figures": []}).encode(),
                     "figures/metrics.png": b"old"})
    assert main([*TRAIN, "--out", str(out)]) == 0
    assert (out / "figures" / "metrics.png").read_bytes() != b"old"


def test_lae_out_onto_a_folder_of_user_files_is_one_line_and_touches_nothing(tmp_path, capsys):
    import numpy as np

    data = tmp_path / "X.npy"
    np.save(data, np.random.default_rng(0).normal(size=(4, 6)))
    out = tmp_path / "thesis"
    make_files(out, USER)
    before = tree(out)
    assert main(["lae", "--data", str(data), "--k", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hw7: error:") and "Traceback" not in err
    assert tree(out) == before and sorted(os.listdir(tmp_path)) == ["X.npy", "thesis"]


@pytest.mark.parametrize("existing", [b"\\documentclass{article}", b"PK\x03\x04 not a zip",
                                      "npz_without_marker", "symlink"])
def test_lae_out_never_replaces_a_file_it_did_not_write(tmp_path, capsys, existing):
    # `hw7 lae --out FILE` used to replace any file at FILE (e.g. the user's thesis.tex).
    import numpy as np

    data = tmp_path / "X.npy"
    np.save(data, np.random.default_rng(0).normal(size=(4, 6)))
    out = tmp_path / "W.npz"
    if existing == "npz_without_marker":
        np.savez(out, W1=np.zeros(2))          # someone else's .npz
    elif existing == "symlink":
        target = tmp_path / "thesis.tex"
        target.write_bytes(b"mine")
        out.symlink_to(target)
    else:
        out.write_bytes(existing)
    before = tree(tmp_path)
    assert main(["lae", "--data", str(data), "--k", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hw7: error:")
    assert "untouched" in err or "not a file" in err
    assert tree(tmp_path) == before


def test_lae_out_new_file_then_rerun_replaces_only_its_own_output(tmp_path):
    import numpy as np

    data = tmp_path / "X.npy"
    np.save(data, np.random.default_rng(0).normal(size=(4, 6)))
    out = tmp_path / "W.npz"
    assert main(["lae", "--data", str(data), "--k", "1", "--out", str(out)]) == 0
    first = np.load(out)
    assert first["W2"].shape == (4, 1)
    assert main(["lae", "--data", str(data), "--k", "2", "--out", str(out)]) == 0
    assert np.load(out)["W2"].shape == (4, 2)


# --------------------------------------------------------------------- concurrent runs
@pytest.mark.parametrize("b_only", ["q6c", "q3c", "q4"])
def test_concurrent_only_runs_into_one_folder_lose_no_section(tmp_path, stubs, b_only):
    """F3: run A (--only q3c) reads the key, then, while A is building, run B (--only
    b_only) builds and publishes; A publishes last. Before the fix A published the key it had
    read plus its section and silently dropped B's. Interleaved deterministically: B runs
    inside A's section stub, i.e. between A's read and A's publish."""
    out = tmp_path / "c1"
    assert answers(out, "--only", "q4a", "--seed", "1") == 0
    inner: list[int] = []

    def a_stub(ctx, ans):
        _stub(ctx, ans)
        if not inner:                      # B: read, build and publish, all inside A's build
            inner.append(None)
            inner[0] = answers(out, "--only", b_only, "--seed", "2")
            mid = json.loads((out / "answers.json").read_text())
            assert {s.qid for s in registry.select(b_only)} <= set(mid["answers"])

    registry.get("q3c").fn = a_stub        # restored by the stubs fixture
    assert answers(out, "--only", "q3c", "--seed", "3") == 0
    assert inner == [0]
    key = json.loads((out / "answers.json").read_text())
    expect = {"q4a": 1} | {s.qid: 2 for s in registry.select(b_only)} | {"q3c": 3}
    assert {q: e["data"]["seed"] for q, e in key["answers"].items()} == expect
    assert {q: r["seed"] for r in key["meta"]["runs"] for q in r["sections"]} == expect
    for q, seed in expect.items():
        assert (out / "figures" / f"{q}.png").read_bytes() == f"{q} seed {seed}".encode()
    assert (out / "answers.md").read_text() == report.render_markdown(key)
    man = json.loads((out / manifest_name("answers")).read_text())
    assert set(man["files"]) == KEY | {f"figures/{q}.png" for q in expect}
    assert not any(n.startswith(".hw7-stage") for n in os.listdir(out))


def test_concurrent_run_leaving_an_unmergeable_key_is_refused_in_one_line(tmp_path, stubs,
                                                                          capsys):
    """F3: if what another run published meanwhile cannot be merged into (here: a key of
    another version, written in the key's own place), the run refuses in one line (exit 2)
    and the folder keeps what the other run wrote, untouched."""
    out = tmp_path / "c1"
    assert answers(out, "--only", "q4a") == 0

    def a_stub(ctx, ans):
        _stub(ctx, ans)
        shutil.rmtree(out / "figures")
        for n in [*KEY, manifest_name("answers")]:
            (out / n).unlink(missing_ok=True)
        _legacy_key(out)                   # 'hw7-verify 0.0.1' wrote the folder meanwhile

    registry.get("q3c").fn = a_stub
    capsys.readouterr()
    assert answers(out, "--only", "q3c") == 2
    line = one_line_error(capsys, "changed while this run was building")
    assert "run again" in line and "hw7-verify 0.0.1" in line
    after = tree(out)
    assert not any(k.startswith(".hw7-stage") for k in after)
    assert after["figures/q3c.png"] == b"old"


def test_output_dir_before_publish_runs_under_the_lock_with_previous_reread(tmp_path):
    """The hook sees the folder as it is at publish time (what another run published after
    this one entered), and what it writes into the stage is what gets published."""
    out = tmp_path / "o"
    with OutputDir(out, "demo") as d:
        make_files(d.stage, {"a.txt": b"1"})
    seen = {}
    with OutputDir(out, "demo") as a:
        make_files(a.stage, {"b.txt": b"A"})
        with OutputDir(out, "demo") as b:          # publishes while A is still building
            make_files(b.stage, {"a.txt": b"2"})

        def hook(o):
            seen.update(o.previous)
            make_files(o.stage, {"a.txt": (o.target / "a.txt").read_bytes() + b"+A"})
        a.before_publish = hook
    assert set(seen) == {"a.txt"}
    got = {k: v for k, v in tree(out).items() if not k.startswith(".hw7-")}
    assert got == {"a.txt": b"2+A", "b.txt": b"A"}


# --------------------------------------------------------------------- hw7 lae --out names (F7)
def _lae_data(tmp_path):
    import numpy as np

    data = tmp_path / "X.npy"
    np.save(data, np.random.default_rng(0).normal(size=(4, 6)))
    return data


@pytest.mark.parametrize("out, needle", [
    ("", "got an empty string"),
    ("{tmp}/missing/x.npz", "does not exist ('hw7 lae' creates no folders)"),
    ("{tmp}/missing/deeper/x.npz", "does not exist"),
    ("{tmp}/X.npy/x.npz", "is not a folder"),
    ("{tmp}/new/", "names a folder"),
    ("{tmp}/new.npz/", "names a folder"),
    ("{tmp}/.", "names a folder"),
    ("{tmp}/sub/..", "names a folder"),
])
def test_lae_out_bad_names_are_one_line_and_create_nothing(tmp_path, capsys, out, needle):
    """F7: ``--out ""`` exited 0 writing nothing, ``--out /nonexistent/x.npz`` created
    /nonexistent/, ``--out new/`` wrote a *file* named ``new``. Each is one line, exit 2,
    nothing created, before any work."""
    data = _lae_data(tmp_path)
    (tmp_path / "sub").mkdir()
    before = tree(tmp_path)
    rc = main(["lae", "--data", str(data), "--k", "1", "--out", out.format(tmp=tmp_path)])
    assert rc == 2
    one_line_error(capsys, needle)
    assert tree(tmp_path) == before


def test_lae_out_in_an_existing_folder_still_works(tmp_path, monkeypatch):
    """The refusals above leave the ordinary cases alone: a new file in the current folder
    (relative name, parent "."), and in an existing sub-folder."""
    import numpy as np

    data = _lae_data(tmp_path)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["lae", "--data", str(data), "--k", "1", "--out", "W.npz"]) == 0
    assert main(["lae", "--data", str(data), "--k", "2", "--out", "sub/W.npz"]) == 0
    assert np.load("W.npz")["W2"].shape == (4, 1) and np.load("sub/W.npz")["W2"].shape == (4, 2)
