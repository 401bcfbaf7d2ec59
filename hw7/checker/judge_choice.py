"""``hw7 check`` for multiple-choice answers: tolerant option matching that a negation
never fools (issue 12).

Case, spacing and punctuation are ignored; "nn." prefixes, trailing "loss" or
"optimizer", acronyms, unique prefixes and standard synonyms name an option ("L2 loss",
"squared error" → nn.MSELoss; "batch normalization", "BN" → BatchNorm), and small
typos (same length ± 2) are tolerated. A negated mention — "not BatchNorm",
"no weight decay", "SGD with weight decay set to 0", "without dropout" — never selects
the option it negates: for a single choice it leaves the answer undecidable (exit 2)
unless another option is named; for a set of choices it removes the option.
"choices" answers are comma-separated sets.

>>> match_option("L2 loss", ["nn.L1Loss", "nn.MSELoss"])
'nn.MSELoss'
>>> [m for m in mentions("SGD with weight decay set to 0", ["Weight Decay", "SGD optimizer"])]
[('SGD optimizer', False), ('Weight Decay', True)]
"""

from __future__ import annotations

import re

from hw7.checker.verdict import Unjudgeable, Verdict

__all__ = ["SYNONYMS", "judge_choice", "match_option", "mentions", "reference_options",
           "split_choices"]

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten".split())}

# Standard names of the same thing (normalised: lower case, letters and digits only).
SYNONYMS = [
    {"mseloss", "mse", "l2loss", "l2", "squarederror", "squaredloss", "meansquarederror",
     "meansquarederrorloss", "quadraticloss", "sumofsquarederrors", "squaredl2", "squaredl2loss",
     "leastsquares", "squarederrorloss", "l2norm", "squaredl2norm"},
    {"l1loss", "l1", "absoluteerror", "meanabsoluteerror", "mae", "absoluteloss", "l1norm",
     "absoluteerrorloss"},
    {"crossentropyloss", "crossentropy", "ce", "xent", "logloss", "negativeloglikelihood", "nll",
     "categoricalcrossentropy", "softmaxcrossentropy"},
    {"batchnorm", "batchnormalization", "batchnormalisation", "bn", "batchnormlayer",
     "batchnorm1d", "batchnorm2d"},
    {"layernorm", "layernormalization", "layernormalisation", "ln", "layernormlayer"},
    {"weightdecay", "l2regularization", "l2regularisation", "l2penalty", "wd", "ridge",
     "l2weightdecay"},
    {"dropout", "dropoutlayer"},
    {"sgdoptimizer", "sgd", "stochasticgradientdescent", "sgdoptimiser", "plainsgd"},
    # Q6(c): the fix (zero the gradients every iteration) ...
    {"calloptimizerzerogradinsidetheloopbeforelossbackwardeveryiteration",
     "movezerogradintotheloop", "movezerogradinsidetheloop", "moveoptimizerzerogradintotheloop",
     "moveoptimizerzerogradinsidetheloop", "movetheoptimizerzerogradcallintotheloop",
     "movezerogradintotheforloop", "callzerogradinsidetheloop", "calloptimizerzerogradinsidetheloop",
     "callzerogradineveryiteration", "calloptimizerzerogradineveryiteration",
     "calloptimizerzerogradeveryiteration", "calloptimizerzerogradineachiteration",
     "zerogradinsidetheloop", "zerogradineveryiteration", "zerogradeveryiteration",
     "zerogradineachiteration", "zerogradeachiteration", "zerothegradientseveryiteration",
     "zerothegradientsineachiteration", "zerothegradientsineveryiteration",
     "putoptimizerzerogradatthestartofeachiteration", "putzerogradatthestartofeachiteration",
     "putoptimizerzerogradatthestartoftheloop", "putoptimizerzerogradinsidetheloop",
     "calloptimizerzerogradinsidetheloopafteroptimizerstep",
     "calloptimizerzerogradafteroptimizerstepinsidetheloop",
     "calloptimizerzerogradinsidetheloopbeforelossbackward",
     "calloptimizerzerogradbeforelossbackwardineachiteration"},
    # ... and its cause (a diagnosis, not a correction)
    {"zerogradonceoutsidetheloopgradientsaccumulate", "gradientsaccumulate",
     "thegradientsaccumulate", "gradientsareaccumulated", "gradientsaccumulateacrossiterations",
     "zerogradonceoutsidetheloop", "zerogradoutsidetheloop", "zerogradisoutsidetheloop",
     "zerogradiscalledonlyonce", "zerogradonlyonce", "zerogradiscalledoutsidetheloop",
     "missingzerograd", "zerogradisnotcalledinsidetheloop"},
]
# Prefix, substring and typo matching apply to short names only: a sentence-long option
# differs from its opposite by one word ("inside" / "outside" the loop).
_FUZZY_MAX = 20

# Negations: a word before the option, or a phrase after it.
_NEG_BEFORE = re.compile(
     r"^(?:not|no|non|without|w/o|w/out|never|neither|nor|dont|don't|do not|does not|doesn't|isn't|is not|"
    r"avoid|avoiding|exclude|excluding|except|remove|removing|disable|disabling|drop|dropping|"
    r"zero|0|anything but|anything other than|other than|instead of|rather than|minus|but not|"
    r"and not|or not|un|de)[\s\-]+", re.I)
_NEG_AFTER = re.compile(
    r"(?:(?:[\s\-]+(?:set to|equal to|equals|=|of|at|is)?|\s*=)\s*(?:0|zero|0\.0|none|false|off)|"
    r"[\s\-]+(?:is |are )?(?:off|disabled|removed|turned off|switched off|not used|unused|"
    r"not needed|not required|isn't needed|is not needed|not necessary|excluded|omitted|"
    r"dropped|skipped)|[\s\-_?!,.:;=]+(?:is |are )?(?:no|not|nope|never|wrong|incorrect|false))\s*[.!]*$",
    re.I)
# Where one mention ends and the next begins inside one part.
_JOINERS = re.compile(r"\s+(?=(?:without|instead of|rather than|but not|and not|not|except)\b)|"
                      r"\s+with\s+|\s*\+\s*|\s+plus\s+|\s+using\s+", re.I)


def _norm(s: str) -> str:
    s = str(s).lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return _NUMBER_WORDS.get(s, s).replace(" ", "")


def _base_names(option: str) -> set[str]:
    out = {_norm(option)}
    last = str(option).rsplit(".", 1)[-1]
    out.add(_norm(last))
    for a in list(out):
        for suffix in ("loss", "optimizer", "optimiser"):
            if a.endswith(suffix) and len(a) > len(suffix) + 1:
                out.add(a[: -len(suffix)])
    out.discard("")
    return out


def _aliases(option: str) -> set[str]:
    base = _base_names(option)
    out = set(base)
    for group in SYNONYMS:
        if base & group:
            out |= group
    words = re.findall(r"[A-Za-z]+", str(option).rsplit(".", 1)[-1])
    if len(words) >= 2:
        out.add("".join(w[0] for w in words).lower())
    out.discard("")
    return out


def _table(options):
    """(option, aliases); an alias two options share (other than an option's own name)
    names neither of them."""
    raw = [(opt, _aliases(opt)) for opt in options]
    table = []
    for i, (opt, al) in enumerate(raw):
        others = set()
        for j, (_, a) in enumerate(raw):
            if j != i:
                others |= a
        table.append((opt, al - (others - _base_names(opt))))
    return table


# Known terms that differ from every option although they look like one ("MSLE" is not
# MSE, "L1 regularization" is not weight decay, "Adam" is not SGD, "Batch Renorm" is not
# BatchNorm). A text holding one is never matched by prefix, substring or typo.
_DISTINCT_WORDS = {  # whole words
    "msle", "rmsle", "rmse", "l0", "l1", "l3", "l4", "lp", "linf", "adam", "adamw", "nadam",
    "adamax", "ada", "adagrad", "adadelta", "adafactor", "lars", "lamb", "sam", "rgd", "gd",
    "rmsprop", "momentum", "nesterov", "lion", "huber", "hinge", "bce", "kl", "log", "logcosh",
    "lasso", "elastic", "renorm", "renormalization", "group", "instance", "weightnorm", "rms",
    "rmsnorm", "spectral", "gn", "l1regularization", "l0regularization", "sgdr", "asgd",
    "gelu", "relu",
}
_DISTINCT_PARTS = (  # inside the run-together text
    "msle", "squaredlog", "logerror", "rmse", "adam", "adagrad", "adadelta", "adamax", "lars",
    "rmsprop", "renorm", "groupnorm", "instancenorm", "weightnorm", "spectralnorm", "rmsnorm",
    "layerscale", "huber", "hinge", "logcosh", "l1reg", "l0reg", "l3reg", "lpreg", "l1pen",
    "lasso", "elasticnet", "momentum", "nesterov", "batchrenorm", "ghostbatch", "syncbatch",
)
# Words that alone name no option.
_GENERIC = {"optimizer", "optimiser", "optim", "loss", "norm", "normalization",
            "normalisation", "regularization", "regularisation", "error", "layer", "layers",
            "the", "batch", "weight", "mean", "squared", "function", "criterion", "penalty"}


def _fuzzy_forbidden(text: str, t: str) -> bool:
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text)).lower())
    words += re.findall(r"[a-z0-9]+", str(text).lower())
    if t in _GENERIC or any(w in _DISTINCT_WORDS for w in words):
        return True
    return any(p in t for p in _DISTINCT_PARTS)


def _word_runs(option) -> set[str]:
    """Run-together contiguous word sequences of an option's own name, generic words
    alone excluded: "Weight Decay" → {"weight", "decay", "weightdecay"} less "weight"."""
    name = str(option).rsplit(".", 1)[-1]
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower())
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return {r for r in runs if r not in _GENERIC}


def _edit1(a: str, b: str) -> bool:
    """Edit distance exactly 1 (insert, delete, substitute, or swap two neighbours)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        d = [i for i in range(len(a)) if a[i] != b[i]]
        return len(d) == 1 or (len(d) == 2 and d[1] == d[0] + 1 and a[d[0]] == b[d[1]]
                                and a[d[1]] == b[d[0]])
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


_LEADING_NUMBER = re.compile(
    r"^\s*(\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b(?![.,/]\d)", re.I)


def match_option(text: str, options: list, *, strict: bool = False) -> str:
    """The option ``text`` names (tolerant of case, spacing, punctuation, synonyms and small
    typos). Raises :class:`Unjudgeable` when none or several match."""
    t = _norm(text)
    if not t:
        raise Unjudgeable("the answer is empty")
    table = _table(options)
    exact = [opt for opt, al in table if t in al]
    if len(exact) == 1:
        return exact[0]
    if not strict and all(_norm(o).isdigit() for o in options):
        m = _LEADING_NUMBER.match(str(text))  # "2 linear layers" names the option 2
        if m:
            n = _norm(m.group(1))
            hit = [opt for opt in options if _norm(opt) == n]
            if len(hit) == 1:
                return hit[0]
    if not strict and len(t) >= 3 and not _fuzzy_forbidden(text, t):
        table = [(opt, {a for a in al if len(a) <= _FUZZY_MAX}) for opt, al in table]
        pre = [opt for opt, al in table if any(a.startswith(t) for a in al)]
        if len(pre) == 1:
            return pre[0]
        if len(t) >= 4:
            # a distinctive whole-word part of one option ("decay" of "Weight Decay"); never
            # a piece of a word ("eloss" of "mseloss") nor a generic word ("optimizer")
            sub = [opt for opt, al in table
                   if t in _word_runs(opt) and any(t in a for a in al if len(a) > len(t))]
            if len(sub) == 1:
                return sub[0]
        if len(t) >= 5:
            # one typo (edit distance 1, a swap counted as one) in a name of 5+ letters that
            # is not itself a known different term; unique among the options
            # ("seloss" / "eloss" are other acronyms + "loss", not typos of "mseloss")
            core = re.sub(r"(?:loss|optimi[sz]er|norm)$", "", t)
            # a typo is inside a word: a separate short word ("weight decay: n", where n
            # may mean "no") is never taken for a mistyped letter
            short = [_norm(w) for w in re.findall(r"[^\W_]+", str(text)) if len(w) <= 2]
            near = [opt for opt, al in table
                    if len(core) >= 5 and any(len(a) >= 5 and a[0] == t[0] and _edit1(t, a)
                                              for a in al)
                    and all(w in {_norm(x) for x in re.findall(r"[^\W_]+", str(opt))}
                            for w in short)]
            if len(near) == 1:
                return near[0]
    opts = "; ".join(str(o) for o in options)
    shown = text if len(text) <= 40 else text[:39] + "…"
    several = [o for o, al in table if any(t in a for a in al)] if len(t) >= 3 else exact
    if len(several) > 1:
        raise Unjudgeable(f"'{shown}' matches several options ({'; '.join(map(str, several))}): "
                          "say which")
    raise Unjudgeable(f"'{shown}' does not match any option (options: {opts})")


def _strip_negation(phrase: str) -> tuple[str, bool]:
    p = phrase.strip(" \t.,;:!?")
    negated = False
    while True:
        m = _NEG_BEFORE.match(p)
        if not m or not p[m.end():].strip():
            break
        p, negated = p[m.end():].strip(), True
    m = _NEG_AFTER.search(p)
    if m and p[:m.start()].strip():
        p, negated = p[:m.start()].strip(), True
    return p, negated


def mentions(text: str, options: list):
    """(option, negated) for each option the text names, in order. Negation marks ("~X",
    "X ✗") read as "not X"; an unknown symbol raises :class:`Unjudgeable`."""
    text = _marks(text)
    whole = _norm(text)
    table = _table(options)
    if any(whole in al for _, al in table):  # the whole text is one option's name
        return [(match_option(text, options), False)]
    flat = re.sub(r"\s*[()]\s*", " ", text).strip()  # "Dropout (not needed)"
    core, negated = _strip_negation(flat)
    if _norm(core) and any(_norm(core) in al for _, al in table):
        return [(match_option(core, options), negated)]
    out = []
    for part in _JOINERS.split(flat):
        if not part or not part.strip(" \t.,;:!?"):
            continue
        if all(_norm(o).isdigit() for o in options):
            out.append(_read_count(part, options))
            continue
        core, negated = _strip_negation(part)
        if not _norm(core):
            continue
        out.append((match_option(core, options), negated))
    return out


# Marks people put on an option. A negation mark before ("~X", "!X", "¬X", "≠X", "-X",
# "✗ X") or after ("X ✗", "X ×") an option is read as "not X"; a tick ("X ✓", "✔ X",
# "X: yes") affirms it. Every other symbol is refused (exit 2): a mark the reader does not
# know is never silently dropped (it could be a negation).
_NEG_MARKS = "~!¬≠✗✘❌×⨯✕✖"
_AFF_MARKS = "✓✔☑✅"
_DASHES = {"−": "-", "–": "-", "—": " - ", "‐": "-", "‑": "-", "’": "'", "‘": "'"}
_PUNCT_OK = set(" \t.,;:()'\"_-/+&=")
_PRE_NEG = re.compile(r"(^|[\s,;(&+=:])\s*(?:[~!¬≠✗✘❌×⨯✕✖]|-(?=[A-Za-z0-9]))\s*", re.I)
_POST_NEG = re.compile(r"\s*(?:[✗✘❌×⨯✕✖])\s*(?=$|[,;&)\n])")
_AFF = re.compile(r"\s*[✓✔☑✅]\s*|[\s:=\-]+(?:yes|true)\s*(?=$|[,;&\n])", re.I)


def _marks(text: str) -> str:
    """Negation marks as "not", ticks removed; an unknown symbol raises Unjudgeable."""
    for a, b in _DASHES.items():
        text = text.replace(a, b)
    text = re.sub(r"(?<=[A-Za-z0-9)])!+\s*$", "", text)  # "BatchNorm!" (emphasis at the end)
    text = _AFF.sub(" ", text)
    text = _POST_NEG.sub(" not", text)
    text = _PRE_NEG.sub(lambda m: m.group(1) + "not ", text)
    if "?" in text:
        raise Unjudgeable("the answer is hedged ('?'): name the option you choose")
    odd = next((ch for ch in text if not ch.isalnum() and ch not in _PUNCT_OK and ch != "\n"),
               None)
    if odd is None:
        odd = next((ch for ch in text if ch.isalnum() and not ch.isascii()), None)
    if odd is not None or any(m in text for m in _NEG_MARKS + _AFF_MARKS):
        raise Unjudgeable(f"the symbol '{odd}' is not understood in a choice answer; write "
                          "'not X' to rule an option out")
    return text


_COUNT_FILLER = {"layer", "layers", "linear", "encoder", "decoder", "and", "(", ")",
                 "fully", "connected", "fc", "dense", "nn", "total", "in", "weight", "matrices",
                 "matrix", "a", "of", "with", "", ".", "the", "answer", "is", ":"}
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4", "V": "5"}
_COUNT_NEG = {"not", "no", "!", "¬", "≠", "✗", "✘", "❌"}  # "~2" may be "about 2": refused


def _read_count(text: str, options: list) -> tuple[str, bool]:
    """(option, negated) for an option list of counts ("0", "1", ...): the answer must hold
    exactly one number ("2", "two", "II", "2.0") among allowed words ("linear layers",
    "(encoder and decoder)"); anything else — a second number, an operator, a hedge — is
    refused (exit 2)."""
    opts = "; ".join(map(str, options))
    one = f"this question takes one option, a single count ({opts})"
    # "two (2)": the same number named as a word and a digit, and nothing else
    m = re.fullmatch(r"\s*([A-Za-z]+)\s*\(\s*(\d+)\s*\)\s*\.?\s*", text)
    if m and _NUMBER_WORDS.get(m.group(1).lower()) == m.group(2):
        text = m.group(1)
    # "(encoder + decoder)": a "+" joining two words inside brackets is a description;
    # every other operator or sign ("2+2", "2+", "2++", "-2", "2*2") is refused
    text_ops = re.sub(r"\(\s*[A-Za-z]+(?:\s*(?:\+|and)\s*[A-Za-z]+)*\s*\)",
                      lambda mm: mm.group(0).replace("+", " and "), text)
    if re.search(r"[+\-*/^×÷=<>%]", text_ops):
        raise Unjudgeable(f"{one}; it holds an operator or sign")
    text = text_ops
    toks = re.findall(r"\d+(?:\.\d+)?|[A-Za-z]+|\S", text)
    neg = False
    if toks and toks[0].lower() in _COUNT_NEG:
        neg, toks = True, toks[1:]
    if toks and toks[-1] in ("✗", "✘", "❌"):
        neg, toks = True, toks[:-1]
    while toks and toks[-1] in (".", "✓", "✔", "☑", "✅"):
        toks = toks[:-1]
    nums, other = [], []
    for t in toks:
        if re.fullmatch(r"\d+(?:\.\d+)?", t) or t.lower() in _NUMBER_WORDS or t in _ROMAN:
            nums.append(t)
        elif t.lower() not in _COUNT_FILLER:
            other.append(t)
    opts = "; ".join(map(str, options))
    def value_of(n):
        if n in _ROMAN:
            return _ROMAN[n]
        if n.lower() in _NUMBER_WORDS:
            return _NUMBER_WORDS[n.lower()]
        whole, _, frac = n.partition(".")
        if frac.strip("0"):
            raise Unjudgeable(f"{n} is not one of the options ({opts})")
        return str(int(whole))

    values = {value_of(n) for n in nums} if nums and not other else set()
    if len(values) != 1 or len(nums) != 1:  # "two (2)" names one number twice; "2 or 3" two numbers
        what = (f"'{other[0]}' is not understood" if other and len(nums) <= 1
                else "it names no number" if not nums else f"it holds {len(nums)} numbers")
        raise Unjudgeable(f"this question takes one option, a single count ({opts}); {what}")
    n, value = nums[0], values.pop()
    hit = [o for o in options if _norm(o) == value]
    if len(hit) != 1:
        raise Unjudgeable(f"{n} is not one of the options ({opts})")
    return hit[0], neg


_LEAD_IN = re.compile(r"^\s*(?:(?:i think|i'd say|i choose|i pick|my answer is|the answer is|"
                      r"answer\s*:|answer is|it is|it's|its|that is|that's|the one with|"
                      r"the model with|the one using|the model using)\s+)+", re.I)
_REASON = re.compile(r"[\s,;:]*\b(?:because|since|as|due to|given that|cause)\b", re.I)
_NEG_WORD = re.compile(r"\b(?:not|no|never|without|nor|neither|none|cannot)\b|n't\b|n’t\b|"
                       r"\bw/o\b", re.I)


def _drop_reason(text: str, options: list, causes=()) -> str:
    """"X, because ..." → "X" when the reason names no option and negates nothing; a reason
    that does is refused (it may say the opposite)."""
    m = _REASON.search(text)
    if not m or not text[:m.start()].strip(" ,;:"):
        return text
    reason = text[m.end():]
    table = _table(options)
    words = _norm(reason)
    names = any(a in words for opt, al in table if opt not in causes  # a cause is a reason
                for a in al if len(a) >= 4)
    if names or _NEG_WORD.search(reason):
        raise Unjudgeable("the explanation after the option could not be read safely "
                          "(it names an option or a negation): give the option alone")
    return text[:m.start()]


def _strip_module(text: str) -> str:
    """"torch.nn.MSELoss", "nn.BatchNorm2d" → the class name."""
    return re.sub(r"(?<![A-Za-z0-9_])(?:torch\s*\.\s*)?(?:nn\s*\.\s*)?(?=[A-Za-z])", "",
                  text) if re.search(r"\b(?:torch|nn)\s*\.", text) else text


def split_choices(text: str) -> list[str]:
    if _norm(text) in ("none", "nothing", ""):
        return []
    parts = re.split(r"[,;&\n]|\band\b(?!\s+not\b)", text)
    return [p for p in (p.strip() for p in parts) if p]


def reference_options(entry) -> list:
    """The derived options of a choice entry, each checked against the option list."""
    opts, chosen = entry.get("options"), entry.get("choices")
    if not opts or not isinstance(opts, list) or not isinstance(chosen, list):
        raise ValueError("choice entry without options/choices")
    if entry.get("check_kind") == "choice" and len(chosen) != 1:
        raise ValueError("single-choice entry must select exactly one option")
    return [match_option(c, opts, strict=True) for c in chosen]


def _screen(text) -> None:
    if not isinstance(text, str):
        raise Unjudgeable("the answer must be text")
    if len(text) > 400:
        raise Unjudgeable(f"the answer is too long ({len(text)} characters; limit 400)")
    odd = next((ch for ch in text if not ch.isprintable() and ch not in " \t\n"), None)
    if odd is not None:  # control, format (bidi overrides), surrogate and unassigned characters
        raise Unjudgeable(f"character U+{ord(odd):04X} is not allowed in an answer")


def judge_choice(qid, entry, text) -> Verdict:
    """Judge a "choice" (one option) or "choices" (a set) answer."""
    options = list(entry["options"])
    _screen(text)
    ref = reference_options(entry)
    counts = all(_norm(o).isdigit() for o in options)
    if entry["check_kind"] == "choice":
        text = _LEAD_IN.sub("", text)
        if counts:
            found = [_read_count(text, options)]
        else:
            causes = (entry.get("data") or {}).get("causes") or []
            text = _marks(_strip_module(_drop_reason(text, options, causes)))
            if _norm(text) in {a for _, al in _table(options) for a in al}:
                found = mentions(text, options)
            else:
                found = [m for part in split_choices(text) for m in mentions(part, options)]
        chosen = {o for o, neg in found if not neg}
        negated = {o for o, neg in found if neg}
        if chosen & negated:
            raise Unjudgeable("the answer both names and negates the same option")
        if ref[0] in negated:  # ruling out the derived answer is wrong, whatever else it says
            read = "not " + "; not ".join(sorted(map(str, negated)))
            return Verdict(qid, "refuted", f"the answer rules out '{ref[0]}', the derived answer",
                           "option match", parsed=read, read_as=read)
        if not chosen:
            which = "; ".join(sorted(map(str, negated)))
            raise Unjudgeable(f"the answer only says what it is not (not {which}): "
                              "name the option you choose")
        if len(chosen) > 1:
            raise Unjudgeable("this question takes one option")
        got = chosen.pop()
        causes = (entry.get("data") or {}).get("causes") or []
        if got != ref[0] and got in causes:
            raise Unjudgeable(f"the answer states the cause ('{got}'); the question asks for "
                              "the correction: give the fix")
        read = got + (f" (and not {'; '.join(sorted(map(str, negated)))})" if negated else "")
        if got == ref[0]:
            return Verdict(qid, "correct", f"'{got}' is the derived answer", "option match",
                           parsed=got, read_as=read)
        return Verdict(qid, "refuted", f"'{got}' is not the derived answer", "option match",
                       parsed=got, read_as=read)
    got, negated = [], set()
    text = _marks(_strip_module(text))
    for part in split_choices(text):
        for opt, neg in mentions(part, options):
            if neg:
                negated.add(opt)
            else:
                got.append(opt)
    if len(set(got)) != len(got):
        raise Unjudgeable("an option is named twice")
    if set(got) & negated:
        raise Unjudgeable("the answer both names and negates the same option")
    got_s, ref_s = set(got), set(ref)
    shown = "{" + ", ".join(sorted(map(str, got_s))) + "}"
    read = shown + (f" (not {', '.join(sorted(map(str, negated)))})" if negated else "")
    if got_s == ref_s:
        return Verdict(qid, "correct", f"{shown} is the derived selection", "option match",
                       parsed=shown, read_as=read)
    missing, extra = len(ref_s - got_s), len(got_s - ref_s)
    why = []
    if missing:
        why.append(f"{missing} needed option{'s' if missing > 1 else ''} missing")
    if extra:
        why.append(f"{extra} selected option{'s are' if extra > 1 else ' is'} not needed")
    return Verdict(qid, "refuted", f"{shown} is not the derived selection ({', '.join(why)})",
                   "option match", parsed=shown, read_as=read,
                   counterexample={"missing": missing, "extra": extra})
