"""The question registry: what every homework result plugs into.

A result module in ``hw7/questions/`` registers one :class:`Section` per answer-key
entry (question id such as ``q3a`` or sub-answer such as ``q3.var_general``)::

    @section("q3a", title="E[qᵀk]", question="Q3(a)", result="scaled_dot_product")
    def q3a(ctx: Context, ans: Answer) -> None:
        ...                       # fill ans from derivations/ (always) and,
        if ctx.numeric:           # when asked, confirm with numerics/
            ans.checks.append(...)

``derive`` (``hw7 derive``) calls the function with ``ctx.numeric = False``; ``verify``
and ``answers`` call it with ``ctx.numeric = True``. Expensive shared work is cached
per context with :meth:`Context.cached`.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hw7.errors import UsageError

if TYPE_CHECKING:  # annotations only (hw7.variants imports SymPy)
    from hw7.budget import Budget
    from hw7.variants import Variant

# The homework's question ids, in order (sub-answers add a dotted suffix).
QUESTION_IDS = [
    "q1a", "q1b", "q2a", "q2b", "q3a", "q3b", "q3c", "q4a", "q4b",
    "q5a", "q5b", "q5c", "q5d", "q6a", "q6b", "q6c",
]


@dataclass
class Check:
    """One check actually run, as recorded in answers.json.

    kind: "symbolic" | "numeric" | "property".
    what: what was compared, in words.
    measured: the measured value (number, string or small dict).
    tolerance: the acceptance bound, in words or as a number (None for exact).
    passed: whether it held.
    volatile: True when ``measured`` depends on the run (wall time, training noise
        across machines): ``hw7 answers --check`` then ignores ``measured``.
    """

    kind: str
    what: str
    measured: Any
    tolerance: Any
    passed: bool
    volatile: bool = False

    def __post_init__(self):
        if self.kind not in ("symbolic", "numeric", "property"):
            raise ValueError(f"check kind must be symbolic/numeric/property, not {self.kind!r}")
        self.passed = bool(self.passed)


@dataclass
class Answer:
    """One answer-key entry. Every field is filled from computations of this run.

    latex: the answer as LaTeX (from ``sympy.latex`` of the derived object).
    expr: the answer as a SymPy-parseable string (``sympy.sstr`` of the object),
        for expression answers; None otherwise.
    symbols: meaning of each symbol used in ``expr``.
    choices: selected options, for multiple-choice answers.
    options: all options the homework offers, for multiple-choice answers.
    check_kind: how ``hw7 check`` compares a student's answer: "expr", "matrix",
        "bigo", "choice", "choices", "vector" or None (not checkable).
    explanation: short reasoning, generated from the computation (may embed numbers).
    derivation: steps as (description, latex) pairs.
    checks: the checks actually run.
    figures: paths relative to the output directory (``figures/<name>.png``).
    tables: named tables {name: {"columns": [...], "rows": [[...], ...]}}.
    data: any further structured results (JSON-serialisable).
    obj: the answer as a SymPy object, for pretty printing (never serialised).
    volatile_fields: names of fields (explanation, tables, data) whose content
        depends on the run and is skipped by ``hw7 answers --check``.
    """

    qid: str
    title: str
    question: str = ""
    result: str = ""
    latex: str = ""
    expr: str | None = None
    symbols: dict[str, str] = field(default_factory=dict)
    choices: list[str] | None = None
    options: list[str] | None = None
    check_kind: str | None = None
    explanation: str = ""
    derivation: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    volatile_fields: list[str] = field(default_factory=list)
    seconds: float = 0.0
    obj: Any = field(default=None, repr=False, compare=False)  # the SymPy answer (not serialised)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("obj", "checks")}
        d["checks"] = [asdict(c) for c in self.checks]
        d["derivation"] = [list(step) for step in self.derivation]
        d["passed"] = self.passed
        return d


@dataclass
class Context:
    """Run settings handed to every section.

    profile: "fast" (CI, < a minute per result) or "full" (the thorough sweep).
    numeric: False for ``hw7 derive`` (symbolic work only).
    figures_dir: where figures go (None: do not draw).
    quiet: silence progress bars.
    variant: the homework variant (:class:`hw7.variants.Variant`) the key is derived
        for; None: the homework as printed (``hw7.variants.active`` gives the defaults).
    budget: the profile's row of :data:`hw7.budget.BUDGETS` (filled from ``profile``);
        sections read sizes as ``ctx.budget.<field>``.
    """

    profile: str = "fast"
    device: str = "cpu"
    seed: int = 0
    numeric: bool = True
    figures_dir: Path | None = None
    quiet: bool = False
    variant: Variant | None = None
    budget: Budget | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.budget is None:
            from hw7.budget import budget_for

            self.budget = budget_for(self.profile)

    def cached(self, key: str, fn: Callable[[], Any]) -> Any:
        """Compute ``fn()`` once per context (shared by a result's sections)."""
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def figure(self, name: str) -> tuple[Path | None, str]:
        """(absolute path to save to or None, path to record in the answer)."""
        rel = f"figures/{name}"
        if self.figures_dir is None:
            return None, rel
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        return self.figures_dir / name, rel

    def progress(self, iterable: Iterable, desc: str = "", total: int | None = None):
        from hw7core.progress import progress

        return progress(iterable, desc=desc, total=total, quiet=self.quiet)


@dataclass
class Section:
    qid: str
    title: str
    question: str
    result: str
    fn: Callable[[Context, Answer], None]
    order: tuple = ()

    def run(self, ctx: Context) -> Answer:
        ans = Answer(qid=self.qid, title=self.title, question=self.question, result=self.result)
        t0 = time.perf_counter()
        self.fn(ctx, ans)
        ans.seconds = time.perf_counter() - t0
        return ans


_SECTIONS: dict[str, Section] = {}


def _order_key(qid: str) -> tuple:
    base, _, sub = qid.partition(".")
    # "q3.var_general" sorts after q3c; "q2.grad_W1" after q2b; "q1b.grad_W1" after q1b
    try:
        idx = QUESTION_IDS.index(base)
        return (idx, 0 if not sub else 1, sub)
    except ValueError:
        pref = [i for i, q in enumerate(QUESTION_IDS) if q.startswith(base)]
        return ((max(pref) if pref else len(QUESTION_IDS)), 2, sub)


def section(qid: str, *, title: str, question: str, result: str):
    """Decorator registering a section function under ``qid``."""

    def deco(fn):
        if qid in _SECTIONS and _SECTIONS[qid].fn is not fn:
            raise RuntimeError(f"question id {qid!r} registered twice")
        _SECTIONS[qid] = Section(qid, title, question, result, fn, _order_key(qid))
        return fn

    return deco


def load_all() -> None:
    """Import every module in ``hw7.questions`` so their sections register."""
    import hw7.questions as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"hw7.questions.{info.name}")


def sections() -> list[Section]:
    load_all()
    return sorted(_SECTIONS.values(), key=lambda s: s.order)


def get(qid: str) -> Section:
    load_all()
    key = qid.strip().lower() if qid.strip().lower() in _SECTIONS else qid.strip()
    if key not in _SECTIONS:
        raise UsageError(
            f"unknown question id {qid!r}; known ids: {', '.join(s.qid for s in sections())}"
        )
    return _SECTIONS[key]


def select(qid: str | None) -> list[Section]:
    """Sections for ``qid``: all, one id, or a homework id with its sub-answers."""
    all_secs = sections()
    if qid is None:
        return all_secs
    q = qid.strip()
    exact = [s for s in all_secs if s.qid == q or s.qid.lower() == q.lower()]
    if exact:
        return exact
    ql = q.lower()

    def in_family(qid: str) -> bool:
        qid = qid.lower()
        if qid.startswith(ql + "."):
            return True  # "q1b" selects "q1b.grad_W1"
        # "q3" selects q3a, q3b, ... and "q3.var_general"
        return ql[-1:].isdigit() and qid.startswith(ql) and len(qid) > len(ql) and \
            (qid[len(ql)].isalpha() or qid[len(ql)] == ".")

    fam = [s for s in all_secs if in_family(s.qid)]
    if fam:
        return fam
    get(q)  # raises the one-line error
    return []
