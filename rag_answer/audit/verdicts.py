"""The verdict on one cited sentence, from the evidence of every entry (evidence.py) and the optional judge.

Verdicts:
- supported: the cited entry backs it;
- misattributed: another entry backs it clearly better than the cited one (named in `evidence_entry`);
- contradicted: the cited entry says otherwise (negation, a changed number or name, a reversed comparison);
- unsupported: nothing the cited entry says backs it (an invented specific, or the judge says no);
- weak: close to the cited entry but not clearly backed;
- uncited: a claim about a source with no citation.

The judge decides only after the deterministic checks pass. Where it alone would remove a sentence, it is asked
again about the entry passage that best matches the sentence (a long summary dilutes a claim about one of its
sentences), and the margin of its final answer from the cut is recorded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rag_answer.audit.comparisons import reversed_degree, reversed_frames
from rag_answer.audit.evidence import EntryProfile, Scored
from rag_answer.audit.facts import (
    Facts,
    changed_number,
    changed_range,
    denial_dropped,
    extract_facts,
    opposed,
    reversed_comparison,
)
from rag_answer.audit.quotes import is_quote
from rag_answer.audit.sentences import plain_sentences
from rag_answer.audit.substitutions import swapped_label, swapped_version
from rag_answer.entries import Entry

VERDICTS = ("supported", "weak", "misattributed", "contradicted", "unsupported", "uncited")
FLAGGED = frozenset({"misattributed", "contradicted", "unsupported"})  # removed or flagged before an answer is final
RANK = {"supported": 0, "weak": 1, "unsupported": 2, "contradicted": 3, "misattributed": 4, "uncited": 5}


class ClaimJudge(Protocol):
    """An entailment judge: the probability that `entry` states everything in `claim`."""

    def __call__(self, claim: str, entry: Entry) -> float: ...


@runtime_checkable
class PartJudge(Protocol):
    """A judge that also tells whether a sentence about `entry` gives what one part of a question asks for."""

    def answers(self, part: str, sentence: str, entry: Entry) -> float: ...


@dataclass(frozen=True)
class Thresholds:
    """Tuned on the dev split of eval/fields/claims (python eval/claims_bench.py --split dev); the judge's cut is
    calibrated by eval/claims_calibrate.py on dev (eval/results/claims/calibration-dev-*.json)."""

    support: float = 0.55  # cosine at or above which a sentence is close to the cited entry
    weak: float = 0.35  # cosine below which (with little word overlap) it is unsupported
    coverage: float = 0.5  # IDF-weighted share of the sentence's words found in the cited entry
    facts: float = 0.25  # with every number and name found in the cited entry, cosine at or above which it is backed
    margin: float = 0.15  # another entry's score above the cited one's by this much: misattributed
    judge_yes: float = 0.5  # judge probability at or above which the cited entry supports the sentence
    claim: float = 0.5  # an uncited sentence this close to an entry is a claim about it


@dataclass
class CitationCheck:
    """One citation of one sentence: the entry, how it was cited, and whether it supports the sentence."""

    entry_id: str
    via: str  # "marker" or "link"
    known: bool
    similarity: float | None = None
    supports: bool = False
    passage: str | None = None


@dataclass
class ClaimVerdict:
    """The verdict on one sentence, with the evidence passage it was judged against."""

    text: str
    line: int
    verdict: str  # one of VERDICTS
    reason: str
    citations: list[CitationCheck] = field(default_factory=list)
    similarity: float | None = None
    evidence: str | None = None
    evidence_entry: str | None = None
    missing: list[str] = field(default_factory=list)  # numbers and names not found in the cited entries
    judge: float | None = None  # the judge's probability that the cited entry supports the sentence
    judge_margin: float | None = None  # the judge's final probability minus the cut: how close to the boundary
    judge_passage: float | None = None  # the judge asked again about the best passage, where it said no


@dataclass
class Case:
    """One sentence citing one entry, with everything the verdict is decided from."""

    sentence: str
    claim: str
    cited_id: str
    scored: dict[str, Scored]
    profiles: dict[str, EntryProfile]
    judge: ClaimJudge | None
    limits: Thresholds
    line: int

    @property
    def own(self) -> Scored:
        return self.scored[self.cited_id]

    @property
    def rival(self) -> Scored | None:
        return max(self.others, key=lambda s: s.score, default=None)

    @property
    def others(self) -> list[Scored]:
        return [s for s in self.scored.values() if s.entry_id != self.cited_id]

    def result(self, verdict: str, reason: str, evidence: Scored | None = None) -> ClaimVerdict:
        evidence = evidence or self.own
        return ClaimVerdict(self.sentence, self.line, verdict, reason, [], round(self.own.similarity, 4),
                            evidence.passage, evidence.entry_id, self.own.missing)  # fmt: skip


def decide(case: Case) -> ClaimVerdict:
    """Specifics first, then contradiction, then a better-backing rival, then the entry's own words, then the judge,
    then similarity."""
    facts = extract_facts(case.claim)
    for stage in (_misplaced_specifics, _contradiction, _better_rival, _invented_specifics):
        verdict = stage(case, facts)
        if verdict is not None:
            return verdict
    if is_quote(case.claim, case.profiles[case.cited_id].entry):  # its own words: no judge needed
        return case.result("supported", "the cited entry's own words")
    opinion = case.judge(case.claim, case.profiles[case.cited_id].entry) if case.judge is not None else None
    if case.judge is not None and opinion is not None:  # a judge may abstain (None)
        return _judged(case, case.judge, opinion)
    return _by_similarity(case, facts)


def _misplaced_specifics(case: Case, facts: Facts) -> ClaimVerdict | None:
    """Specifics the cited entry lacks but another entry states: the fact belongs there."""
    own = case.own
    holders = [s for s in case.others if not set(own.missing) & set(s.missing)] if own.missing else []
    if not holders:
        return None
    holder = max(holders, key=lambda s: s.score)
    return case.result("misattributed", f"{', '.join(own.missing)} stated by {holder.entry_id}, not the cited entry",
                       holder)  # fmt: skip


def _contradiction(case: Case, facts: Facts) -> ClaimVerdict | None:
    """The cited entry says otherwise: another figure, another change, the opposite word, the other order."""
    profile = case.profiles[case.cited_id]
    changed = changed_number(facts, profile.facts.numbers)
    if changed:
        return case.result("contradicted", f"the cited entry gives a different figure than {changed}")
    changed = changed_range(case.claim, profile.text)
    if changed:
        return case.result("contradicted", f"the cited entry does not state a change '{changed}'")
    opposite = opposed(case.claim, case.own.passage, profile.text)
    if opposite and case.own.similarity >= case.limits.weak:
        return case.result("contradicted", opposite)
    entry = profile.entry
    if reversed_comparison(case.claim, profile.text, profile.passages) or reversed_frames(
        case.claim, entry.title, entry.summary
    ):
        return case.result("contradicted", "reversed comparison: the cited entry says it the other way round")
    return _restated_otherwise(case, plain_sentences(entry.summary))


def _restated_otherwise(case: Case, sentences: list[str]) -> ClaimVerdict | None:
    """One of the entry's statements with one thing turned: a quantity's direction, a denial dropped, a name's
    version or a figure's label swapped."""
    for check in (
        lambda: reversed_degree(case.claim, case.profiles[case.cited_id].entry.summary),
        lambda: denial_dropped(case.claim, sentences),
        lambda: swapped_version(case.claim, sentences),
        lambda: swapped_label(case.claim, sentences),
    ):
        why = check()
        if why:
            return case.result("contradicted", why)
    return None


def _better_rival(case: Case, facts: Facts) -> ClaimVerdict | None:
    own, rival = case.own, case.rival
    if rival is None or rival.score - own.score < case.limits.margin or own.coverage >= case.limits.coverage:
        return None
    return case.result("misattributed", f"{rival.entry_id} backs it better (score {rival.score:.2f} vs "
                       f"{own.score:.2f})", rival)  # fmt: skip


def _invented_specifics(case: Case, facts: Facts) -> ClaimVerdict | None:
    if not case.own.missing:
        return None
    return case.result("unsupported", "not in the cited entry: " + ", ".join(case.own.missing))


BOUNDARY = 0.1  # how far below the judge's cut a "no" is re-asked about the best passage (the issue: p of 0.41-0.49)


def _judged(case: Case, judge: ClaimJudge, opinion: float) -> ClaimVerdict:
    """The judge decides; where it says no to the whole entry, it is asked about the best passage before a removal."""
    own, cut = case.own, case.limits.judge_yes
    entry = case.profiles[case.cited_id].entry
    if opinion >= cut and own.similarity < case.limits.weak and own.coverage < case.limits.coverage:
        return _with_judge(case.result("unsupported", f"similarity {own.similarity:.2f} and word overlap "
                                       f"{own.coverage:.2f} are low"), opinion, opinion, cut)  # fmt: skip
    if opinion >= cut:
        return _with_judge(case.result("supported", f"judge p={opinion:.2f}; similarity {own.similarity:.2f}, word "
                                       f"overlap {own.coverage:.2f}"), opinion, opinion, cut)  # fmt: skip
    # only at the boundary: far below the cut the whole entry's "no" stands (a passage alone, without the sentences
    # around it, said yes to a contradicted claim at p=0.37 -> 0.73 in tests/audit/test_judge_real.py)
    one_passage = own.passage not in (entry.title, entry.summary) and opinion >= cut - BOUNDARY
    passage = judge(case.claim, passage_entry(entry, own.passage)) if one_passage else None  # None: abstained too
    if passage is not None and passage >= cut:
        why = f"judge p={passage:.2f} on the passage that best matches it (p={opinion:.2f} on the whole entry)"
        return _with_judge(case.result("supported", why), opinion, passage, cut, passage)
    final = opinion if passage is None else max(opinion, passage)
    return _with_judge(_judged_no(case, judge, final), opinion, final, cut, passage)


def passage_entry(entry: Entry, passage: str) -> Entry:
    """The entry as the judge reads it, with one summary passage as its whole summary."""
    return dataclasses.replace(entry, summary=passage)


def _judged_no(case: Case, judge: ClaimJudge, opinion: float) -> ClaimVerdict:
    own, rival, cut = case.own, case.rival, case.limits.judge_yes
    if rival is not None and rival.score > own.score:
        rival_opinion = judge(case.claim, case.profiles[rival.entry_id].entry)
        if rival_opinion is not None and rival_opinion >= cut:
            return case.result("misattributed", f"the judge finds it in {rival.entry_id}, not the cited entry "
                               f"(p={rival_opinion:.2f} vs {opinion:.2f})", rival)  # fmt: skip
    if own.similarity >= case.limits.support and own.coverage >= case.limits.coverage:
        # About what the entry discusses, in its words, yet not what it says: the entry says otherwise.
        return case.result("contradicted", f"the judge finds the cited entry says otherwise (p={opinion:.2f})")
    return case.result("unsupported", f"the judge finds it not stated by the cited entry (p={opinion:.2f})")


def _with_judge(verdict: ClaimVerdict, opinion: float, final: float, cut: float,
                passage: float | None = None) -> ClaimVerdict:  # fmt: skip
    verdict.judge = opinion
    verdict.judge_margin = round(final - cut, 4)
    verdict.judge_passage = None if passage is None else round(passage, 4)
    return verdict


def _by_similarity(case: Case, facts: Facts) -> ClaimVerdict:
    """Without a judge: close enough to the cited entry, in its words, or with all its specifics found there."""
    own, limits = case.own, case.limits
    title = case.profiles[case.cited_id].entry.title.lower()
    specific = bool(facts.numbers) or any(name.lower() not in title for name in facts.names)
    if specific and own.similarity >= limits.facts:
        return case.result("supported", f"every number and name found; similarity {own.similarity:.2f}")
    if own.similarity < limits.weak and own.coverage < limits.coverage:
        why = f"similarity {own.similarity:.2f} and word overlap {own.coverage:.2f} are low"
        return case.result("unsupported", why)
    if own.similarity >= limits.support or own.coverage >= limits.coverage:
        return case.result("supported", f"similarity {own.similarity:.2f}, word overlap {own.coverage:.2f}")
    return case.result("weak", f"similarity {own.similarity:.2f}, word overlap {own.coverage:.2f}")
