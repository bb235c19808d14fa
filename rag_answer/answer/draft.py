"""What the answer stages pass each other: the plan (parts, context, entries to read), the evidence each reading
yields per part, and the draft the compose step writes from."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag_answer.answer.context import Context
from rag_answer.answer.reading import Reading
from rag_answer.entries import Entry

DIRECT, PARTIAL, TANGENTIAL = "direct", "partial", "tangential"
# on the question's topic, but no sentence of it was found to answer a part: listed after the answering entries
# and not labelled tangential (a false "it answers no part of the question" is a wrong statement about a source)
ON_TOPIC = "on topic"
LABELS = (DIRECT, PARTIAL, ON_TOPIC, TANGENTIAL)
FIT_YES, FIT_NO, FIT_UNCLEAR = "yes", "no", "unclear"


@dataclass
class Plan:
    """The plan stage's result: what will be read, and why an answer is refused (if it is)."""

    question: str
    parts: list[str]  # the things the question asks, in its order
    context: Context
    to_read: list[Entry]  # one model call each, most relevant first
    full: bool
    refusal: str | None = None  # the reason, when retrieval found nothing on topic
    said: frozenset[str] = frozenset()  # sentences the conversation has shown already (normalized): not repeated
    follow_up: bool = False  # a chat turn after the first: its question is not a prompt file's question


@dataclass
class Evidence:
    """One entry's sentence for one part of the question, and the entry's own span it rests on."""

    entry: Entry
    part: int
    text: str  # the sentence as written (third person, opening with the entry's name), with its marker
    span: str  # the entry's summary sentence nearest to it: the fallback when the written sentence fails
    label: str = DIRECT  # DIRECT or PARTIAL, from the entry's relevance
    replaced: bool = False  # the written sentence failed the claim check and the span stands in
    checked: bool = True  # False: beyond the part's budget, so neither judged nor shown
    answers: float | None = None  # the judge's P(it gives what the part asks), for the sentences shown
    off_part: bool = False  # judged not to give what its part asks while another sentence does: not shown


@dataclass
class Draft:
    """The read stage's evidence, ordered most relevant first, for the compose step."""

    plan: Plan
    task: str
    readings: list[Reading]  # most relevant first
    evidence: list[list[Evidence]]  # per part
    labels: dict[str, str] = field(default_factory=dict)  # entry id -> DIRECT / PARTIAL / ON_TOPIC / TANGENTIAL
    fits: dict[str, str] = field(default_factory=dict)  # name-only model id -> FIT_YES / FIT_NO / FIT_UNCLEAR
    repairs: list[str] = field(default_factory=list)
    open_parts: set[int] = field(default_factory=set)  # parts whose sentences do not give what they ask: a gap

    def answered_parts(self, entry_id: str) -> int:
        return sum(any(item.entry.id == entry_id for item in items) for items in self.evidence)
