"""The repairs of an answer, for the audit appendix: what the claim check removed (which entry's sentence or
description, the verdict, the entry the fact belongs to, the removed text) and which lines the link audit dropped.

The pipeline reports a repair as one line ("removed the answer sentence for [@id] (misattributed: ...): 'text'");
the removed text is read back from the entry's raw reading (as the model wrote it), else the quoted one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag_answer.answer import AnswerResult
from rag_answer.answer.reading import parse_reading
from rag_answer.audit.claims import VERDICTS

_CLAIM_REPAIR = re.compile(
    r"^removed the (?P<what>answer sentence|description) (?:for|of) \[@(?P<id>[a-z0-9][a-z0-9-]*)\] "
    rf"\((?P<verdict>{'|'.join(VERDICTS)}): (?P<reason>.*?)\)(?:: (?P<quoted>'.*'|\".*\"))?$",
    re.DOTALL,
)


@dataclass(frozen=True)
class ClaimRepair:
    """One sentence or description the claim check removed before the answer was shown."""

    what: str  # "answer sentence" or "description"
    entry_id: str  # the entry it cited
    verdict: str  # misattributed, contradicted or unsupported
    reason: str
    text: str  # the removed text as the model wrote it ("" when it cannot be read back)
    belongs_to: str | None  # for a misattributed claim: the entry that states the fact


@dataclass(frozen=True)
class Repairs:
    claims: list[ClaimRepair]
    lines: list[str]  # the link and marker audit's dropped lines (and any repair not parsed above)

    def __len__(self) -> int:
        return len(self.claims) + len(self.lines)


def answer_repairs(answer: AnswerResult) -> Repairs:
    readings = {reading.entry.id: reading for reading in answer.readings}
    entry_ids = [entry.id for entry in answer.context.entries]
    claims: list[ClaimRepair] = []
    lines: list[str] = []
    for repair in answer.repairs:
        match = _CLAIM_REPAIR.match(repair)
        if not match:
            lines.append(repair)
            continue
        entry_id, verdict, reason = match.group("id"), match.group("verdict"), match.group("reason")
        text = ""
        reading = readings.get(entry_id)
        if reading is not None and reading.raw:  # as the model wrote it
            original = parse_reading(reading.entry, reading.raw)
            text = original.answer if match.group("what") == "answer sentence" else original.offers
        if not text and match.group("quoted"):  # else as it was judged
            text = ast.literal_eval(match.group("quoted"))
        belongs = _named_entry(reason, (i for i in entry_ids if i != entry_id)) if verdict == "misattributed" else None
        claims.append(ClaimRepair(match.group("what"), entry_id, verdict, reason, text, belongs))
    return Repairs(claims, lines)


def _named_entry(reason: str, entry_ids: Iterable[str]) -> str | None:
    """The entry a misattribution reason names ("... stated by X, not the cited entry", "X backs it better",
    "the judge finds it in X"): the earliest-named supplied entry id in the text."""
    found = []
    for entry_id in entry_ids:
        hit = re.search(rf"(?<![\w-]){re.escape(entry_id)}(?![\w-])", reason)
        if hit:
            found.append((hit.start(), entry_id))
    return min(found)[1] if found else None
