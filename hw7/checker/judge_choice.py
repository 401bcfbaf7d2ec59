"""``hw7 check`` for multiple-choice answers (issue 7): tolerant option matching.

Case, spacing and punctuation are ignored; "nn." prefixes, trailing "loss" or
"optimizer", acronyms (BN) and unique prefixes (batchnorm) name an option, and
difflib tolerates small typos. "choices" answers are comma-separated sets.
"""

from __future__ import annotations

import difflib
import re

from hw7.checker.judge import Unjudgeable, Verdict, _reference

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten".split())}


def _norm(s: str) -> str:
    s = str(s).lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return _NUMBER_WORDS.get(s, s).replace(" ", "")


def _aliases(option: str) -> set[str]:
    out = {_norm(option)}
    last = str(option).rsplit(".", 1)[-1]
    out.add(_norm(last))
    words = re.findall(r"[A-Za-z]+", str(option))
    if len(words) >= 2:
        out.add("".join(w[0] for w in words).lower())
    # CamelCase (MSELoss -> mse loss) and trailing "loss"/"optimizer" words may be dropped
    for a in list(out):
        for suffix in ("loss", "optimizer", "optimiser"):
            if a.endswith(suffix) and len(a) > len(suffix) + 1:
                out.add(a[: -len(suffix)])
    out.discard("")
    return out


def match_option(text: str, options: list, *, strict: bool = False) -> str:
    """The option ``text`` names (tolerant of case, spacing, punctuation and small typos)."""
    t = _norm(text)
    if not t:
        raise Unjudgeable("the answer is empty")
    table = [(opt, _aliases(opt)) for opt in options]
    exact = [opt for opt, al in table if t in al]
    if len(exact) == 1:
        return exact[0]
    if not strict and len(t) >= 3:
        pre = [opt for opt, al in table if any(a.startswith(t) for a in al)]
        if len(pre) == 1:
            return pre[0]
        if len(t) >= 4:
            # a distinctive part of one long option ("batchnorm" in "the batch-norm model ...")
            sub = [opt for opt, al in table if any(t in a for a in al)]
            if len(sub) == 1:
                return sub[0]
            scored = sorted(((max(difflib.SequenceMatcher(None, t, a).ratio() for a in al), i)
                             for i, (_, al) in enumerate(table)), reverse=True)
            if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.1):
                return table[scored[0][1]][0]
    opts = "; ".join(str(o) for o in options)
    shown = text if len(text) <= 40 else text[:39] + "…"
    several = [o for o, al in table if any(t in a for a in al)] if len(t) >= 3 else exact
    if len(several) > 1:
        raise Unjudgeable(f"'{shown}' matches several options ({'; '.join(map(str, several))}): "
                          "say which")
    raise Unjudgeable(f"'{shown}' does not match any option (options: {opts})")


def split_choices(text: str) -> list[str]:
    if _norm(text) in ("none", "nothing", ""):
        return []
    parts = re.split(r"[,;+&\n]|\band\b", text)
    return [p for p in (p.strip() for p in parts) if p]


def judge_choice(qid, entry, text) -> Verdict:
    options = list(entry["options"])
    if not isinstance(text, str):
        raise Unjudgeable("the answer must be text")
    if len(text) > 400:
        raise Unjudgeable(f"the answer is too long ({len(text)} characters; limit 400)")
    odd = next((ch for ch in text if not ch.isprintable() and ch not in " \t\n"), None)
    if odd is not None:  # control, format (bidi overrides), surrogate and unassigned characters
        raise Unjudgeable(f"character U+{ord(odd):04X} is not allowed in an answer")
    ref = _reference(entry)
    if entry["check_kind"] == "choice":
        if len(split_choices(text)) > 1 and _norm(text) not in {a for o in options for a in _aliases(o)}:
            raise Unjudgeable("this question takes one option")
        got = match_option(text, options)
        if got == ref[0]:
            return Verdict(qid, "correct", f"'{got}' is the derived answer", "option match", parsed=got)
        return Verdict(qid, "refuted", f"'{got}' is not the derived answer", "option match", parsed=got)
    got = [match_option(p, options) for p in split_choices(text)]
    if len(set(got)) != len(got):
        raise Unjudgeable("an option is named twice")
    got_s, ref_s = set(got), set(ref)
    shown = "{" + ", ".join(sorted(map(str, got_s))) + "}"
    if got_s == ref_s:
        return Verdict(qid, "correct", f"{shown} is the derived selection", "option match",
                       parsed=shown)
    missing, extra = len(ref_s - got_s), len(got_s - ref_s)
    why = []
    if missing:
        why.append(f"{missing} needed option{'s' if missing > 1 else ''} missing")
    if extra:
        why.append(f"{extra} selected option{'s are' if extra > 1 else ' is'} not needed")
    return Verdict(qid, "refuted", f"{shown} is not the derived selection ({', '.join(why)})",
                   "option match", parsed=shown,
                   counterexample={"missing": missing, "extra": extra})
