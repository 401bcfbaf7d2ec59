"""The outcome of one ``hw7 check`` judgement (bottom layer of :mod:`hw7.checker`).

Every judge returns a :class:`Verdict`; nothing here imports another checker module.

>>> v = Verdict("q3c", "refuted", "d is not equivalent to the derived answer", read_as="d")
>>> v.exit_code
1
>>> v.line()
'q3c: refuted: d is not equivalent to the derived answer; read as: d'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hw7core.errors import InputError

__all__ = ["KINDS", "UNDECIDED", "Unjudgeable", "Verdict"]

KINDS = ("expr", "matrix", "bigo", "choice", "choices", "vector", "feature_map")
UNDECIDED = "undecided"   # Verdict.method of an answer the checker could not decide (exit 2)


class Unjudgeable(InputError):
    """The answer could not be judged (one line)."""


@dataclass
class Verdict:
    """The outcome of one check.

    status: "correct", "refuted" or "unjudged"; exit code 0, 1, 2. "correct" is a proof
        (symbolic, or a test sound for the expression's class whose false-accept
        probability the message states); an answer neither proven nor refuted is
        "unjudged" with method :data:`UNDECIDED` ("could not decide").
    message: one line for people.
    method: how it was decided ("symbolic", "exact identity test", "dominant terms",
        "option match", ...).
    counterexample: concrete values where the answers differ (refuted answers).
    hint: a cheap diagnosis ("off by a factor of d"), when one was found.
    parsed: the answer as the checker understood it (kept for older callers).
    read_as: how the answer was read, echoed in every line ("read as: N**2*(D + M)").
    """

    qid: str
    status: str
    message: str
    method: str = ""
    counterexample: dict | None = None
    hint: str | None = None
    parsed: str | None = None
    seconds: float = 0.0
    read_as: str | None = None

    @property
    def exit_code(self) -> int:
        return {"correct": 0, "refuted": 1}.get(self.status, 2)

    def line(self) -> str:
        """The one line ``hw7 check`` prints."""
        head = {"correct": "correct", "refuted": "refuted"}.get(self.status)
        if head is None:
            head = "could not decide" if self.method == UNDECIDED else "could not judge"
        out = f"{self.qid}: {head}: {self.message}"
        if self.counterexample and "text" in self.counterexample:
            out += f"; counterexample: {self.counterexample['text']}"
        if self.hint:
            out += f"; hint: {self.hint}"
        if self.read_as:
            out += f"; read as: {self.read_as}"
        return " ".join(out.split())  # one line, whatever the parts contained

    def to_json(self) -> dict:
        return {**asdict(self), "exit_code": self.exit_code}
