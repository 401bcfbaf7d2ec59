"""hw7core.props: seeded, reproducible property runs; mutation checks; the answer key's Check."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from hw7.props import as_check
from hw7.props import property_check as key_check
from hw7core.props import holds, mutation_check, property_check


def _recorder(seen):
    def prop(x):
        seen.append(x)
    return prop


def test_same_seed_same_cases_other_seed_other_cases():
    a, b, c = [], [], []
    property_check(_recorder(a), st.integers(0, 10**9), max_examples=20, seed=3)
    property_check(_recorder(b), st.integers(0, 10**9), max_examples=20, seed=3)
    property_check(_recorder(c), st.integers(0, 10**9), max_examples=20, seed=4)
    assert a == b and a != c


def test_a_true_property_passes_and_its_mutant_is_refuted():
    def even_square(n):
        assert (2 * n) ** 2 % 4 == 0

    def odd_square(n):          # the mutant: claims every square of an even number is odd
        assert (2 * n) ** 2 % 2 == 1

    ok = property_check(even_square, st.integers(), max_examples=25)
    assert ok.passed and ok.ok and ok.examples == 25
    mut = mutation_check(odd_square, st.integers(), max_examples=25)
    assert mut.refuted and mut.ok and mut.counterexample == 0


def test_a_mutation_that_survives_is_a_failed_check():
    res = mutation_check(lambda n: None, st.integers(), max_examples=5)
    assert not res.ok
    assert as_check("mutation survives", res).passed is False


def test_errors_other_than_assertion_propagate():
    def broken(n):
        raise ZeroDivisionError("a bug, not a refutation")

    with pytest.raises(ZeroDivisionError):
        property_check(broken, st.integers(), max_examples=5)


def test_key_check_records_examples_and_counterexample():
    good = key_check("true", lambda n: None, st.integers(), max_examples=7)
    assert good.kind == "property" and good.passed and good.measured == {"examples": 7,
                                                                          "failures": 0}
    bad = key_check("false", lambda n: (_ for _ in ()).throw(AssertionError("no")),
                    st.integers(), max_examples=7)
    assert not bad.passed and bad.measured["counterexample"] == 0
    mut = key_check("mutant", lambda n: (_ for _ in ()).throw(AssertionError("no")),
                    st.integers(), max_examples=7, expect_failure=True)
    assert mut.passed and mut.measured["refuted"] is True


def test_holds():
    def positive(x):
        assert x > 0
    assert holds(positive, 1) and not holds(positive, 0)


# ----------------------------------------------------------------- F6: writes only its own files
_RUN_IN_CWD = """
import sys
from hypothesis import strategies as st
from hw7core.props import mutation_check, property_check
from hw7.props import property_check as key_check

def text_ok(s):                       # st.text: Hypothesis stores its Unicode tables
    assert isinstance(s, str)

def wrong(n):
    assert n < 3

assert property_check(text_ok, st.text(), max_examples=20).passed
assert mutation_check(wrong, st.integers(0, 10), max_examples=20).ok     # shrinks: the
assert key_check("k", text_ok, st.text(), max_examples=5).passed         # database path
print("ok")
"""


def _run_in(cwd, env_extra):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS_")}
    env.update(env_extra)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    res = subprocess.run([sys.executable, "-c", _RUN_IN_CWD], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr
    return res


def test_property_runs_create_nothing_in_the_current_folder(tmp_path):
    """F6: ``hw7 answers`` left ``.hypothesis/`` (Hypothesis's storage: its Unicode tables,
    example database, constants cache) in the current folder. Property runs of the
    library and the answer key write nothing there; what Hypothesis stores goes to the
    toolkit's private cache."""
    import os
    import stat

    cwd, cache = tmp_path / "work", tmp_path / "cache"
    cwd.mkdir()
    _run_in(cwd, {"HW7_CACHE_DIR": str(cache)})
    assert os.listdir(cwd) == []
    home = cache / "hypothesis"
    assert home.is_dir() and any(home.rglob("*"))        # the tables went to the cache
    assert stat.S_IMODE(os.stat(home).st_mode) & 0o077 == 0


def test_a_shared_cache_gets_nothing_either(tmp_path):
    """With HW7_CACHE_DIR in a folder others can write, Hypothesis stores into a private
    temporary folder (removed after the run): nothing in the cwd, nothing in the cache."""
    import os

    cwd, shared = tmp_path / "work", tmp_path / "shared"
    cwd.mkdir()
    shared.mkdir()
    os.chmod(shared, 0o777)
    _run_in(cwd, {"HW7_CACHE_DIR": str(shared / "cache")})
    assert os.listdir(cwd) == []
    assert not (shared / "cache" / "hypothesis").exists()


def test_the_storage_setting_is_restored_after_a_run(tmp_path):
    """In-process (the test suite's own Hypothesis keeps its setting): the home folder is
    the private one only during the run."""
    import hypothesis.configuration as hc

    from hw7core.props import hypothesis_home

    before = getattr(hc, "__hypothesis_home_directory")
    with hypothesis_home() as home:
        if home is not None:
            assert str(hc.storage_directory().path) == home
    assert getattr(hc, "__hypothesis_home_directory") == before


def test_several_distinct_failures_are_one_refutation_not_a_traceback():
    # Hypothesis groups distinct failures (two assertion sites) into an ExceptionGroup;
    # it escaped as a traceback from a key build
    from hypothesis import strategies as st

    from hw7core.props import mutation_check, property_check

    def two_ways(n):
        assert n < 5, "too big"
        assert n > -5, "too small"

    r = property_check(two_ways, st.integers(-100, 100), max_examples=50)
    assert not r.ok
    assert mutation_check(two_ways, st.integers(-100, 100), max_examples=50).ok
