"""Claim checking: split an answer into sentences, and judge each cited sentence against the entries it cites.

A sentence cites an entry with a marker `[@id]` or with a link that names one of the entry's supplied links.
Each cited sentence is compared with the cited entries' passages (the title, and windows of one and two
summary sentences) by embedding cosine, and its numbers and names (dataset, metric, model names) must
appear in the cited entries' text. An optional `judge(sentence, passage) -> bool | None` (the local LLM
under a yes/no grammar) can confirm or overrule. Sentences that make a claim about a source without a
citation are returned with verdict "uncited".
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rag_answer.audit.links import markdown_parser, scan_text
from rag_answer.audit.normalize import AllowedLinks, check_link, entry_for
from rag_answer.citations import MARKER_PATTERN, is_refusal
from rag_answer.entries import Entry

Judge = Callable[[str, str], "bool | None"]
VERDICTS = ("supported", "weak", "unsupported", "uncited")


class EmbedderLike(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Thresholds:
    """Cosine thresholds for all-MiniLM-L6-v2 (see docs/audit.md for how they were chosen)."""

    support: float = 0.55  # at or above: supported on similarity alone
    weak: float = 0.35  # below: unsupported; with every number and name found, at or above: supported
    numbers: float = 0.25  # with every number (and name) found in the cited entries, at or above: supported
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
    judge: bool | None = None


@dataclass
class Sentence:
    text: str
    line: int
    hrefs: list[str] = field(default_factory=list)
    inherited: tuple[str, ...] = ()  # markers leading the list item this sentence belongs to


# fmt: off
_ABBREVIATIONS = {"e.g", "i.e", "et al", "fig", "figs", "vs", "etc", "approx", "cf", "eq", "no", "dr", "mr", "ms",
                  "sec", "tab", "ref", "refs", "resp", "incl", "al", "ca", "st", "jr", "inc", "ltd", "vol", "pp"}
# fmt: on
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?:[ \t]*(?:\[@[^\]\n]*\])+)?(?:\s+|$)")  # markers after "." stay
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|[kKmM]\b|[bB]\b)?(?![\w]|\.\d)")
_NAME = re.compile(
    r"(?<![\w-])(?=[\w-]*[A-Za-z])(?:[A-Za-z]+\d[\w-]*|\d+[A-Za-z][\w-]*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+[A-Z][\w-]*)"
)
_COMMON_ACRONYMS_WORDS = (
    "AI ML DL LLM LLMS GPU GPUS CPU API URL PDF RGB HD UI UX NLP CV OK US UK EU FAQ TLDR NB PS README OCR "
    "JSON YAML HTML CSS SOTA TBD ETC GAN GANS CNN CNNS RNN VAE ID IDS IO OS SSD RAM DSLR CNAPS ONLY NOT "
    "GITHUB ARXIV PYTORCH HUGGINGFACE YOUTUBE "
)
_COMMON_ACRONYMS = frozenset(_COMMON_ACRONYMS_WORDS.split())
# fmt: off
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "thousand": 1000,
                 "single": 1, "dual": 2, "pair": 2, "double": 2, "triple": 3}
# fmt: on
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9}


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the answer's prose (headings and code left out), with 1-based lines and link targets."""
    sentences: list[Sentence] = []
    tokens = markdown_parser().parse(text, {})
    in_heading = False
    list_depth = 0
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type in ("list_item_open", "list_item_close"):
            list_depth += 1 if token.type == "list_item_open" else -1
        elif token.type == "inline" and not in_heading:
            first = token.map[0] + 1 if token.map else 1
            plain, hrefs = _plain_text(token.children or [])
            block = _split_block(plain, hrefs, first)
            # A marker that opens a list item ("- [@id] ...") covers every sentence of that item.
            lead = _LEADING_MARKERS.match(plain) if list_depth else None
            if lead:
                ids = tuple(MARKER_PATTERN.findall(lead.group(0)))
                block = [Sentence(b.text, b.line, b.hrefs, ids) for b in block]
            sentences.extend(block)
    return sentences


_LEADING_MARKERS = re.compile(r"\s*(?:\[@[a-z0-9][a-z0-9-]*\]\s*)+")
_LINK_LABELS = re.compile(r"\b(?:paper|github|code|links?)\s*:", re.IGNORECASE)


def _has_claim_words(chunk: str) -> bool:
    """False for a fragment of only markers, links and link labels, e.g. "(Paper: https://... | GitHub: ...)"."""
    text = MARKER_PATTERN.sub(" ", chunk)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    return bool(re.search(r"[^\W_]", _LINK_LABELS.sub(" ", text)))


def _plain_text(children: Sequence[object]) -> tuple[str, list[tuple[int, str]]]:
    parts: list[str] = []
    hrefs: list[tuple[int, str]] = []
    size = 0
    for child in children:
        kind = getattr(child, "type", "")
        content = ""
        if kind in ("text", "text_special", "code_inline"):
            content = child.content  # type: ignore[attr-defined]
        elif kind in ("softbreak", "hardbreak"):
            content = "\n"
        elif kind == "link_open":
            hrefs.append((size, str(child.attrs.get("href", ""))))  # type: ignore[attr-defined]
        elif kind == "image":
            content = "".join(grand.content for grand in child.children or [])  # type: ignore[attr-defined]
        parts.append(content)
        size += len(content)
    return "".join(parts), hrefs


def _split_block(plain: str, hrefs: list[tuple[int, str]], first_line: int) -> list[Sentence]:
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(plain):
        end = match.end()
        before = plain[start : match.start()].rstrip()
        last_word = re.split(r"\s", before)[-1].lower().lstrip("([\"'") if before else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word) or last_word.endswith("e.g"):
            continue
        pieces.append((start, end))
        start = end
    if start < len(plain):
        pieces.append((start, len(plain)))
    merged: list[tuple[int, int]] = []
    for begin, end in pieces:
        chunk = plain[begin:end]
        if merged and not _has_claim_words(chunk):  # markers or links after the full stop stay with it
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    sentences = []
    for begin, end in merged:
        chunk = plain[begin:end]
        stripped = " ".join(chunk.split())
        if not stripped:
            continue
        lead = len(chunk) - len(chunk.lstrip())
        line = first_line + plain.count("\n", 0, begin + lead)
        targets = [href for offset, href in hrefs if begin <= offset < end or (offset == end and end == len(plain))]
        sentences.append(Sentence(stripped, line, targets))
    return sentences


def entry_passages(entry: Entry) -> list[str]:
    """The title, then windows of one and two consecutive summary sentences."""
    summary_sentences = [s.text for s in _split_block(entry.summary, [], 1)] if entry.summary else []
    passages = [entry.title]
    passages.extend(summary_sentences)
    passages.extend(" ".join(summary_sentences[i : i + 2]) for i in range(len(summary_sentences) - 1))
    return passages


def claim_facts(sentence: str) -> tuple[list[str], list[str]]:
    """(numbers, names) a sentence states, with markers and links removed first."""
    text = MARKER_PATTERN.sub(" ", sentence)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    names = [name for name in _NAME.findall(text) if name.upper().rstrip("S") not in _COMMON_ACRONYMS
             and name.upper() not in _COMMON_ACRONYMS]  # fmt: skip
    numbers = [match.group(0).strip() for match in _NUMBER.finditer(text)]
    return numbers, names


def _number_values(text: str) -> set[float]:
    values: set[float] = set()
    for match in _NUMBER.finditer(text):
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        values.add(value)
        suffix = (match.group(3) or "").lower()
        if suffix in _SCALE:
            values.add(value * _SCALE[suffix])
        if suffix == "%":
            values.add(round(value / 100, 6))
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _WORD_NUMBERS:
            values.add(float(_WORD_NUMBERS[word]))
    return values


def _number_found(number: str, values: set[float]) -> bool:
    found = _number_values(number)
    return any(any(abs(value - known) < 1e-9 or abs(value * 100 - known) < 1e-6 for known in values)
               for value in found)  # fmt: skip


def _missing_facts(sentence: str, source_text: str) -> list[str]:
    numbers, names = claim_facts(sentence)
    values = _number_values(source_text)
    lowered = source_text.lower()
    missing = [number for number in numbers if not _number_found(number, values)]
    missing.extend(name for name in names if name.lower() not in lowered)
    return list(dict.fromkeys(missing))


def entry_text(entry: Entry) -> str:
    return "\n".join([entry.title, entry.summary, *entry.links])


def check_claims(
    text: str,
    entries: Sequence[Entry],
    allowed: AllowedLinks,
    embedder: EmbedderLike,
    *,
    judge: Judge | None = None,
    thresholds: Thresholds | None = None,
    line_offset: int = 0,
) -> list[ClaimVerdict]:
    """A verdict for every cited sentence and every uncited claim about a source, in order."""
    limits = thresholds or Thresholds()
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates would break the tokenizer
    by_id = {entry.id: entry for entry in entries}
    sentences = [s for s in split_sentences(text) if not is_refusal(s.text)]
    if not sentences:
        return []
    passages: list[tuple[str, str]] = [(entry.id, passage) for entry in entries for passage in entry_passages(entry)]
    claim_texts = [_claim_text(s.text) for s in sentences]
    sentence_vectors = embedder.encode(claim_texts)
    passage_vectors = _passage_vectors(embedder, [passage for _, passage in passages], sentence_vectors.shape[1])
    scores = sentence_vectors @ passage_vectors.T if len(passages) else np.zeros((len(sentences), 0))
    owners = np.array([entry_id for entry_id, _ in passages], dtype=object)
    names = _entry_names(entries)

    verdicts: list[ClaimVerdict] = []
    for index, sentence in enumerate(sentences):
        citations = _citations(sentence, by_id, allowed)
        row = scores[index]
        line = sentence.line + line_offset
        if not citations:
            verdict = _uncited(sentence.text, row, owners, passages, names, limits, line)
            if verdict is not None:
                verdicts.append(verdict)
            continue
        verdicts.append(_judge_cited(sentence.text, citations, row, owners, passages, by_id, limits, judge, line))
    return verdicts


_PASSAGE_CACHE: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_PASSAGE_CACHE_LIMIT = 20_000


def _passage_vectors(embedder: EmbedderLike, texts: list[str], dimension: int) -> np.ndarray:
    """Passage vectors, cached per embedder: ask/chat audit many answers against the same entries."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    try:
        cache = _PASSAGE_CACHE.setdefault(embedder, {})
    except TypeError:  # an embedder that cannot be weakly referenced: no cache
        return embedder.encode(texts)
    missing = list(dict.fromkeys(text for text in texts if text not in cache))
    if missing:
        if len(cache) + len(missing) > _PASSAGE_CACHE_LIMIT:
            cache.clear()
        cache.update(zip(missing, embedder.encode(missing), strict=True))
    return np.stack([cache[text] for text in texts])


def _claim_text(sentence: str) -> str:
    text = MARKER_PATTERN.sub(" ", sentence)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    return " ".join(text.split()) or sentence


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


def _best(row: np.ndarray, owners: np.ndarray, passages: list[tuple[str, str]], entry_id: str) -> tuple[float, str]:
    mask = owners == entry_id
    if not mask.any():
        return 0.0, ""
    positions = np.flatnonzero(mask)
    best = positions[int(np.argmax(row[positions]))]
    return float(row[best]), passages[best][1]


def _judge_cited(
    text: str,
    citations: list[CitationCheck],
    row: np.ndarray,
    owners: np.ndarray,
    passages: list[tuple[str, str]],
    by_id: dict[str, Entry],
    limits: Thresholds,
    judge: Judge | None,
    line: int,
) -> ClaimVerdict:
    known = [citation for citation in citations if citation.known]
    for citation in known:
        citation.similarity, citation.passage = _best(row, owners, passages, citation.entry_id)
    if not known:
        unknown = ", ".join(citation.entry_id for citation in citations)
        return ClaimVerdict(text, line, "unsupported", f"cites unknown entries only: {unknown}", citations)
    top = max(known, key=lambda citation: citation.similarity or 0.0)
    similarity = top.similarity or 0.0
    missing = _missing_facts(text, "\n".join(entry_text(by_id[c.entry_id]) for c in known))
    numbers, names = claim_facts(text)
    titles = " ".join(by_id[c.entry_id].title for c in known).lower()
    facts = len(numbers) + sum(1 for name in names if name.lower() not in titles)  # a title names, it proves nothing
    if missing:
        verdict, reason = "unsupported", "not in the cited entries: " + ", ".join(missing)
    elif numbers and similarity >= limits.numbers:
        verdict, reason = "supported", f"every number and name found; similarity {similarity:.2f}"
    elif similarity < limits.weak:
        verdict, reason = "unsupported", f"similarity {similarity:.2f} < {limits.weak:.2f}"
    elif similarity >= limits.support:
        verdict, reason = "supported", f"similarity {similarity:.2f} >= {limits.support:.2f}"
    elif facts:
        verdict, reason = "supported", f"every number and name found; similarity {similarity:.2f}"
    else:
        verdict, reason = "weak", f"similarity {similarity:.2f} between {limits.weak:.2f} and {limits.support:.2f}"
    opinion: bool | None = None
    if judge is not None and top.passage:
        opinion = judge(_claim_text(text), top.passage)
        if opinion is False and verdict != "unsupported":
            verdict, reason = "unsupported", f"judge: the passage does not support it ({reason})"
        elif opinion is True and verdict == "weak":
            verdict, reason = "supported", f"judge: the passage supports it ({reason})"
    for citation in known:
        citation.supports = verdict != "unsupported" and (citation.similarity or 0.0) >= limits.weak
    return ClaimVerdict(
        text, line, verdict, reason, citations, round(similarity, 4), top.passage, top.entry_id, missing, opinion
    )


def _entry_names(entries: Sequence[Entry]) -> dict[str, set[str]]:
    """Words that name an entry in prose: its id, title, distinctive title word, and names in its summary."""
    names: dict[str, set[str]] = {}
    for entry in entries:
        found = {entry.id.lower(), entry.title.lower()}
        head = re.split(r"[:\s]", entry.title, maxsplit=1)[0]
        if len(head) >= 4 and _NAME.fullmatch(head):
            found.add(head.lower())
        _, summary_names = claim_facts(entry.summary)
        found.update(name.lower() for name in summary_names if len(name) >= 4)
        names[entry.id] = found
    return names


def _uncited(
    text: str,
    row: np.ndarray,
    owners: np.ndarray,
    passages: list[tuple[str, str]],
    names: dict[str, set[str]],
    limits: Thresholds,
    line: int,
) -> ClaimVerdict | None:
    words = text.split()
    if len(words) < 4 or text.rstrip().endswith("?") or not len(passages):
        return None
    lowered = _claim_text(text).lower()
    tokens = {token.lower() for token in re.findall(r"[\w-]+", lowered)}
    named = [entry_id for entry_id, found in names.items() if any(
        name in tokens or (" " in name and name in lowered) for name in found)]  # fmt: skip
    best = int(np.argmax(row))
    similarity = float(row[best])
    if not named and similarity < limits.claim:
        return None
    entry_id = named[0] if named else passages[best][0]
    score, passage = _best(row, owners, passages, entry_id)
    why = f"names {entry_id}" if named else f"similarity {similarity:.2f} >= {limits.claim:.2f} to {entry_id}"
    return ClaimVerdict(text, line, "uncited", f"claim about a source without a citation ({why})", [],
                        round(score, 4), passage, entry_id)  # fmt: skip
