"""The notation corpus of ``hw7 check`` (issue 12): answers as people write them, judged.

``proofs_tests/check_corpus.jsonl`` holds answers to every checkable id — correct and
wrong, in plain text, LaTeX, Unicode math and implicit-multiplication forms, with
labels such as ``s =`` — each with the mathematically right verdict ("correct",
"refuted", or "unjudged" for input that must be refused) and a note. The expected
verdicts are written from the mathematics, never from what the checker happens to say.

Every line is judged through the public judge (:func:`hw7.checker.judge.judge_limited`,
the forked, time- and memory-limited judgement ``hw7 check`` runs). Asserted:

* no wrong answer is accepted (hard: a "correct" verdict must be a proof);
* at least 95 % of the lines are judged as expected.

Run ``python proofs_tests/test_check_corpus.py`` for the per-question summary.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).with_name("check_corpus.jsonl")
TIMEOUT = 20.0            # per answer; the CLI's default is 5 s, a loaded 2-core CI box is slower
MIN_SHARE = 0.95
EXPECTED = ("correct", "refuted", "unjudged")


def load_corpus() -> list[dict]:
    rows = []
    for n, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            row["line"] = n
            rows.append(row)
    return rows


def _reference(qid: str):
    try:
        from hw7.checker.references import reference_entry
    except ImportError:  # the checker before its split into modules
        from hw7.checker.judge import reference_entry
    return reference_entry(qid)


def judge_corpus(rows: list[dict], *, timeout: float = TIMEOUT) -> list[dict]:
    """Each row with ``status`` (the verdict) and ``line_out`` (the checker's line) added."""
    from hw7.checker.judge import judge_limited

    refs: dict[str, object] = {}
    out = []
    for row in rows:
        qid = row["qid"]
        if qid not in refs:
            try:
                refs[qid] = _reference(qid)
            except Exception as exc:  # noqa: BLE001 - an id that is not (yet) checkable
                refs[qid] = exc
        ref = refs[qid]
        if isinstance(ref, Exception):
            out.append({**row, "status": "no reference", "line_out": f"{qid}: {ref}"})
            continue
        v = judge_limited(ref, row["answer"], timeout=timeout)
        out.append({**row, "status": v.status, "line_out": v.line()})
    return out


def summary(results: list[dict]) -> dict:
    as_expected = sum(r["status"] == r["expected"] for r in results)
    wrong_accepted = [r for r in results if r["status"] == "correct" and r["expected"] != "correct"]
    return {"lines": len(results), "as_expected": as_expected,
            "share": as_expected / len(results) if results else 0.0,
            "wrong_accepted": wrong_accepted,
            "misjudged": [r for r in results if r["status"] != r["expected"]]}


@pytest.fixture(scope="module")
def results():
    return judge_corpus(load_corpus())


def test_corpus_is_well_formed():
    rows = load_corpus()
    assert len(rows) >= 200
    seen = set()
    for r in rows:
        assert set(r) == {"qid", "answer", "expected", "note", "line"}, r
        assert r["expected"] in EXPECTED, r
        assert isinstance(r["answer"], str) and r["answer"].strip() and r["note"], r
        key = (r["qid"], r["answer"])
        assert key not in seen, f"duplicate line {r['line']}: {key}"
        seen.add(key)
    by_qid = Counter((r["qid"], r["expected"]) for r in rows)
    for qid in {r["qid"] for r in rows}:
        assert by_qid[(qid, "correct")] >= 2 and by_qid[(qid, "refuted")] >= 2, qid
    text = "".join(r["answer"] for r in rows)
    assert "\\" in text and "ᵀ" in text and "√" in text and "=" in text  # LaTeX, Unicode, labels


def test_corpus_covers_every_checkable_id():
    from hw7.checker.judge import checkable_ids

    covered = {r["qid"] for r in load_corpus()}
    missing = [q for q in checkable_ids() if q not in covered]
    assert not missing, f"checkable ids without corpus lines: {missing}"


def test_no_wrong_answer_is_accepted(results):
    bad = summary(results)["wrong_accepted"]
    assert not bad, "wrong answers accepted:\n" + "\n".join(
        f"  line {r['line']} {r['qid']} {r['answer']!r}: {r['line_out']}" for r in bad)


def test_share_judged_as_expected(results):
    s = summary(results)
    shown = "\n".join(f"  line {r['line']} {r['qid']} {r['answer']!r} expected {r['expected']}: "
                      f"{r['line_out'][:200]}" for r in s["misjudged"])
    assert s["share"] >= MIN_SHARE, (f"{s['as_expected']}/{s['lines']} = {s['share']:.1%} as "
                                     f"expected (need {MIN_SHARE:.0%}); misjudged:\n{shown}")


def test_the_share_check_would_catch_a_checker_that_accepts_everything():
    """Mutation: a 'checker' that calls every answer correct fails both assertions."""
    rows = load_corpus()
    fake = [{**r, "status": "correct", "line_out": ""} for r in rows]
    s = summary(fake)
    assert s["wrong_accepted"] and s["share"] < MIN_SHARE


def main() -> int:
    """Print the share judged as expected, per question and in all, and every misjudged line."""
    res = judge_corpus(load_corpus())
    s = summary(res)
    per = Counter(r["qid"] for r in res)
    ok = Counter(r["qid"] for r in res if r["status"] == r["expected"])
    for qid in sorted(per):
        print(f"{qid:18} {ok[qid]:3}/{per[qid]:3}")
    for r in s["misjudged"]:
        print(f"MISJUDGED line {r['line']} {r['qid']} {r['answer']!r} expected {r['expected']}: "
              f"{r['line_out'][:220]}")
    print(f"as expected: {s['as_expected']}/{s['lines']} = {s['share']:.1%}; "
          f"wrong answers accepted: {len(s['wrong_accepted'])}")
    return 0 if not s["wrong_accepted"] and s["share"] >= MIN_SHARE else 1


if __name__ == "__main__":
    raise SystemExit(main())
