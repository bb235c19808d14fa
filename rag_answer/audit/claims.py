"""The claim checker's public names, where other modules have always imported them from. The checker itself:
sentences.py (splitting), facts.py and names.py (what a sentence states), evidence.py (what each entry backs),
verdicts.py (the decision) and check.py (an answer's sentences)."""

from __future__ import annotations

from rag_answer.audit.check import check_claims, entry_names, judge_sentence
from rag_answer.audit.evidence import EmbedderLike, EntryProfile, Scored, entry_passages, entry_text
from rag_answer.audit.facts import Facts, content_words, extract_facts
from rag_answer.audit.sentences import Sentence, claim_text, split_sentences
from rag_answer.audit.verdicts import (
    FLAGGED,
    VERDICTS,
    CitationCheck,
    ClaimJudge,
    ClaimVerdict,
    Thresholds,
    passage_entry,
)

__all__ = [
    "FLAGGED",
    "VERDICTS",
    "CitationCheck",
    "ClaimJudge",
    "ClaimVerdict",
    "EmbedderLike",
    "EntryProfile",
    "Facts",
    "Scored",
    "Sentence",
    "Thresholds",
    "check_claims",
    "claim_text",
    "content_words",
    "entry_names",
    "entry_passages",
    "entry_text",
    "extract_facts",
    "judge_sentence",
    "passage_entry",
    "split_sentences",
]
