"""Claim checking: split an answer into sentences and judge each cited sentence against EVERY supplied entry
(verdicts.py says how). Program-written text is not a claim: the spans the composer marks as its own
(`program_spans`) and, for an answer read from a file, the sentences and sections it is known to write."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag_answer.audit.evidence import EmbedderLike, EntryProfile, Scored, profiles_of, score_all
from rag_answer.audit.facts import extract_facts
from rag_answer.audit.links import scan_text
from rag_answer.audit.normalize import AllowedLinks, check_link, entry_for
from rag_answer.audit.sentences import Sentence, claim_text, has_claim_words, prose, split_sentences
from rag_answer.audit.verdicts import RANK, Case, CitationCheck, ClaimJudge, ClaimVerdict, Thresholds, decide
from rag_answer.citations import MARKER_PATTERN, is_program_sentence, is_refusal
from rag_answer.entries import Entry


def judge_sentence(
    sentence: str,
    cited: Entry,
    entries: Sequence[Entry],
    embedder: EmbedderLike,
    judge: ClaimJudge | None = None,
    *,
    thresholds: Thresholds | None = None,
    line: int = 0,
) -> ClaimVerdict:
    """The verdict on one sentence that cites `cited`, scored against every entry."""
    profiles = profiles_of(entries if any(e.id == cited.id for e in entries) else [*entries, cited])
    claim = claim_text(sentence)
    scored = score_all(claim, profiles, embedder)
    return decide(Case(sentence, claim, cited.id, scored, profiles, judge, thresholds or Thresholds(), line))


def check_claims(
    text: str,
    entries: Sequence[Entry],
    allowed: AllowedLinks,
    embedder: EmbedderLike,
    *,
    judge: ClaimJudge | None = None,
    thresholds: Thresholds | None = None,
    line_offset: int = 0,
    program_spans: Sequence[tuple[int, int]] = (),
) -> list[ClaimVerdict]:
    """A verdict for every cited sentence of the model's prose and every uncited claim about a source.
    program_spans: [start, end) ranges of `text` the program wrote; a sentence wholly inside them is not judged."""
    limits = thresholds or Thresholds()
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates would break the tokenizer
    sentences = [s for s in split_sentences(prose(text), program_spans) if _is_claim(s)]
    if not sentences or not entries:
        return []
    profiles = profiles_of(entries)
    by_id = {entry.id: entry for entry in entries}
    verdicts = [_check(s, by_id, allowed, profiles, embedder, judge, limits, line_offset) for s in sentences]
    return [verdict for verdict in verdicts if verdict is not None]


def _is_claim(sentence: Sentence) -> bool:
    if sentence.program or is_refusal(sentence.text):
        return False
    if is_program_sentence(claim_text(sentence.text, keep_markers=True)):
        return False
    claim = claim_text(sentence.text)
    return has_claim_words(claim) and len(claim.split()) >= 3


def _check(
    sentence: Sentence,
    by_id: dict[str, Entry],
    allowed: AllowedLinks,
    profiles: dict[str, EntryProfile],
    embedder: EmbedderLike,
    judge: ClaimJudge | None,
    limits: Thresholds,
    line_offset: int,
) -> ClaimVerdict | None:
    citations = _citations(sentence, by_id, allowed)
    line = sentence.line + line_offset
    claim = claim_text(sentence.text)
    scored = score_all(claim, profiles, embedder)
    if not citations:
        return _uncited(sentence.text, scored, profiles, limits, line)
    known = [citation for citation in citations if citation.known]
    if not known:
        unknown = ", ".join(citation.entry_id for citation in citations)
        return ClaimVerdict(sentence.text, line, "unsupported", f"cites unknown entries only: {unknown}", citations)
    # With several citations, the sentence stands if one cited entry backs it.
    verdicts = [decide(Case(sentence.text, claim, c.entry_id, scored, profiles, judge, limits, line)) for c in known]
    best = min(verdicts, key=lambda verdict: RANK[verdict.verdict])
    for citation in citations:
        own = scored.get(citation.entry_id)
        citation.similarity = round(own.similarity, 4) if own else None
        citation.passage = own.passage if own else None
        citation.supports = best.verdict in ("supported", "weak") and citation.entry_id == (
            best.evidence_entry or citation.entry_id
        )
    best.citations = citations
    return best


def _citations(sentence: Sentence, by_id: dict[str, Entry], allowed: AllowedLinks) -> list[CitationCheck]:
    cited: dict[str, CitationCheck] = {}
    own = MARKER_PATTERN.findall(sentence.text)
    for entry_id in own or sentence.inherited:
        cited.setdefault(entry_id, CitationCheck(entry_id, "marker", entry_id in by_id))
    written = list(sentence.hrefs) + [link.url for link in scan_text(sentence.text)]
    for url in written:
        entry_id = entry_for(check_link(url, allowed), allowed)
        if entry_id is not None and entry_id in by_id:
            cited.setdefault(entry_id, CitationCheck(entry_id, "link", True))
    return list(cited.values())


def entry_names(entries: Sequence[Entry], *, summary_names: bool = False) -> dict[str, set[str]]:
    """Words that name an entry in prose: its id, title, a distinctive first title word (4+ characters with a
    digit or capitals) and, with summary_names, the names its summary uses."""
    names: dict[str, set[str]] = {}
    for entry in entries:
        found = {entry.id.lower(), entry.title.lower()}
        head = re.split(r"[:\s]", entry.title, maxsplit=1)[0]
        if len(head) >= 4 and re.search(r"\d|[A-Z].*[A-Z]", head):
            found.add(head.lower())
        if summary_names:
            found.update(name.lower() for name in extract_facts(entry.summary).names if len(name) >= 4)
        names[entry.id] = found
    return names


def _uncited(
    text: str, scored: dict[str, Scored], profiles: dict[str, EntryProfile], limits: Thresholds, line: int
) -> ClaimVerdict | None:
    """A sentence without a citation that names an entry, or is close to one: a claim about a source."""
    if len(text.split()) < 4 or text.rstrip().endswith("?"):
        return None
    lowered = claim_text(text).lower()
    tokens = {token.lower() for token in re.findall(r"[\w-]+", lowered)}
    names = entry_names([p.entry for p in profiles.values()], summary_names=True)
    named = [entry_id for entry_id, found in names.items() if any(
        name in tokens or (" " in name and name in lowered) for name in found)]  # fmt: skip
    best = max(scored.values(), key=lambda s: s.similarity)
    if not named and best.similarity < limits.claim:
        return None
    chosen = scored[named[0]] if named else best
    why = f"names {chosen.entry_id}" if named else f"similarity {best.similarity:.2f} to {best.entry_id}"
    return ClaimVerdict(text, line, "uncited", f"claim about a source without a citation ({why})", [],
                        round(chosen.similarity, 4), chosen.passage, chosen.entry_id)  # fmt: skip
