"""Claim checking: split an answer into sentences and judge each cited sentence against EVERY supplied entry.

Verdicts:
- supported: the cited entry backs it;
- misattributed: another entry backs it clearly better than the cited one (named in `evidence_entry`);
- contradicted: the cited entry says otherwise (negation, a changed number or name, a reversed comparison);
- unsupported: nothing the cited entry says backs it (an invented specific, or the judge says no);
- weak: close to the cited entry but not clearly backed;
- uncited: a claim about a source with no citation.

The evidence is deterministic checks (numbers tied to the word they count, names, negation and antonyms,
the order of a comparison, IDF-weighted word overlap and MiniLM cosine per entry; never URLs) and an
optional entailment judge (the local GGUF, see audit/judge.py) asked about the cited entry.
Program-written sentences (sources list, rendered links, gap and fit notes) are not claims.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rag_answer.audit.links import markdown_parser, scan_text
from rag_answer.audit.normalize import AllowedLinks, check_link, entry_for
from rag_answer.citations import MARKER_PATTERN, is_program_sentence, is_refusal
from rag_answer.entries import Entry

VERDICTS = ("supported", "weak", "misattributed", "contradicted", "unsupported", "uncited")
FLAGGED = frozenset({"misattributed", "contradicted", "unsupported"})  # removed or flagged before an answer is final


class ClaimJudge(Protocol):
    """An entailment judge: the probability that `entry` states everything in `claim`."""

    def __call__(self, claim: str, entry: Entry) -> float: ...


class EmbedderLike(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Thresholds:
    """Tuned on the dev split of eval/fields/claims (python eval/claims_bench.py --split dev); see docs/audit.md."""

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


def entry_text(entry: Entry) -> str:
    """What an entry states: its title and summary. Never its links: "1.5" in a URL proves nothing."""
    return f"{entry.title}\n{entry.summary}"


def claim_text(sentence: str, *, keep_markers: bool = False) -> str:
    """A sentence without its links (and markers): what it claims."""
    text = sentence if keep_markers else MARKER_PATTERN.sub(" ", sentence)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    text = re.sub(r"\((?:\s*(?:Paper|GitHub)\s*:?\s*\|?\s*)*\)", " ", text)
    text = re.sub(r"\s+([.,;])", r"\1", " ".join(text.split())).removeprefix("- ")
    return text or sentence


# -- deterministic evidence ---------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|percent\b|[kKmMbB]\b|x\b|×|million\b|billion\b|thousand\b)?"
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_NAME = re.compile(
    r"(?<![\w-])(?=[\w-]*[A-Za-z])(?:[A-Za-z]+\d[\w-]*|\d+[A-Za-z][\w-]*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+[A-Z][\w-]*)"
)
_COMMON_ACRONYMS = frozenset(
    [
        "AI",
        "ML",
        "DL",
        "LLM",
        "LLMS",
        "GPU",
        "GPUS",
        "CPU",
        "API",
        "URL",
        "PDF",
        "RGB",
        "HD",
        "UI",
        "UX",
        "NLP",
        "CV",
        "OK",
        "US",
        "UK",
        "EU",
        "FAQ",
        "NB",
        "PS",
        "README",
        "JSON",
        "YAML",
        "HTML",
        "CSS",
        "SOTA",
        "TBD",
        "ETC",
        "ID",
        "IDS",
        "IO",
        "OS",
        "RAM",
        "DSLR",
        "CNAPS",
        "ONLY",
        "NOT",
        "GITHUB",
        "ARXIV",
        "2D",
        "3D",
        "4D",
    ]
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "from",
        "as",
        "at",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "what",
        "how",
        "why",
        "when",
        "where",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "not",
        "no",
        "can",
        "could",
        "may",
        "might",
        "will",
        "would",
        "should",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "also",
        "such",
        "more",
        "most",
        "less",
        "many",
        "much",
        "very",
        "both",
        "each",
        "other",
        "some",
        "any",
        "all",
        "one",
        "two",
        "three",
        "new",
        "using",
        "use",
        "used",
        "uses",
        "based",
        "via",
        "while",
        "per",
        "up",
        "out",
        "so",
        "if",
        "but",
        "only",
        "own",
        "same",
        "well",
        "just",
        "between",
        "within",
        "across",
        "without",
        "model",
        "models",
        "paper",
        "source",
        "approach",
        "method",
        "methods",
        "work",
        "show",
        "shows",
        "shown",
        "propose",
        "proposes",
        "proposed",
        "present",
        "presents",
        "introduce",
        "introduces",
        "offers",
        "offer",
        "provide",
        "provides",
        "it's",
    ]
)
# Verb negation only: "no", "without" and "instead of" mostly paraphrase "free of X" ("with no manual tuning").
_NEGATION = re.compile(r"\b(?:not|never|cannot|can't|unable|\w+n't)\b", re.IGNORECASE)
# A word and its opposites: a sentence using one where the evidence uses the other is contradicted.
_OPPOSITES = [
    (
        {"outperform", "outperforms", "outperformed", "beats", "beat", "surpass", "surpasses", "exceeds", "better"},
        {"underperform", "underperforms", "worse", "trails", "lags"},
    ),
    (
        {"improve", "improves", "improved", "improving", "boost", "boosts", "increase", "increases", "increased"},
        {
            "degrade",
            "degrades",
            "degraded",
            "worsen",
            "worsens",
            "hurt",
            "hurts",
            "decrease",
            "decreases",
            "decreased",
            "reduce",
            "reduces",
            "reduced",
            "lower",
            "lowers",
        },
    ),
    ({"faster", "quicker", "speedup", "speeds"}, {"slower", "slowdown", "slows"}),
    ({"more"}, {"fewer", "less"}),
    ({"larger", "bigger"}, {"smaller"}),
    ({"higher"}, {"lower"}),
    ({"longer"}, {"shorter"}),
    ({"stable", "robust", "consistent"}, {"unstable", "brittle", "inconsistent"}),
    ({"requires", "require", "needs", "need", "depends", "relies"}, {"avoids", "eliminates", "removes", "without"}),
    (
        {"supervised", "paired", "labeled", "labelled"},
        {"unsupervised", "unpaired", "unlabeled", "unlabelled", "self-supervised"},
    ),
    ({"generalize", "generalizes", "generalises", "transfers"}, {"overfits", "overfit"}),
    ({"succeeds", "success", "successfully"}, {"fails", "failure", "struggles", "struggle"}),
    ({"small", "compact", "lightweight", "efficient", "cheap"}, {"large", "heavy", "expensive", "costly"}),
]
_COMPARATIVE = re.compile(
    r"\b(?:outperform\w*|beat\w*|surpass\w*|exceed\w*|better than|worse than|faster than|slower than|more \w+ than|"
    r"fewer \w+ than|higher than|lower than|over|compared (?:to|with)|vs\.?|than)\b",
    re.IGNORECASE,
)


_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                 "eleven": 11, "twelve": 12, "twenty": 20, "twice": 2, "double": 2, "triple": 3}  # fmt: skip
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b(?:\s+(?:times\s+|as\s+)?([A-Za-z][\w-]*))?",
                          re.IGNORECASE)  # fmt: skip
# A capitalised word inside a sentence is a name (Dice, Euclid, Swahili) unless it is one of these.
_CAPITALISED = re.compile(r"(?<=[a-z0-9,;)] )[A-Z][a-z]{2,}(?:-[A-Za-z]+)?")


_AMOUNT = re.compile(r"\b(?:more|less|fewer|over|under|up to)(?: than)? (?:\d|one|two|three|four|five|ten|a |an |half)",
                     re.IGNORECASE)  # fmt: skip


@dataclass
class Facts:
    numbers: list[tuple[float, str, str, str]]  # (value, unit, the word it counts, as written)
    names: list[str]


def _number_value(digits: str, unit: str) -> float:
    value = float(digits.replace(",", ""))
    return value * _SCALE.get(unit.lower(), 1.0) if unit else value


def extract_facts(text: str) -> Facts:
    """Numbers with their unit and the word after them ("11K frames" -> 11000, 'k', 'frames'), and names."""
    text = re.sub(r"\$|\\[a-z]+\{?|[{}~]", " ", text)  # LaTeX: $\sim$ 3\% -> 3%
    text = text.replace("\\%", "%")
    numbers = []
    for match in _NUMBER.finditer(text):
        unit = (match.group(2) or "").strip()
        after = re.match(r"\s*([A-Za-z][\w-]*)", text[match.end() :])
        word = after.group(1).lower() if after else ""
        numbers.append(
            (_number_value(match.group(1), unit), unit.lower().replace("percent", "%"), word, match.group(0).strip())
        )
    for match in _WORD_NUMBER.finditer(text):
        word = (match.group(2) or "").lower()
        # Counted in words ("three memory stores"): checked only against a figure for the same thing.
        numbers.append((float(_WORD_NUMBERS[match.group(1).lower()]), "word", word, match.group(1)))
    names = [name for name in _NAME.findall(text) if name.upper() not in _COMMON_ACRONYMS
             and name.upper().rstrip("S") not in _COMMON_ACRONYMS]  # fmt: skip
    names += _CAPITALISED.findall(text)
    return Facts(numbers, names)


def _same_number(value: float, unit: str, known: tuple[float, str, str]) -> bool:
    other, other_unit, *_ = known
    if abs(value - other) <= 1e-9 * max(1.0, abs(value)):
        return True
    if value >= 1000 and value % 1000 == 0 and abs(value - other) <= 0.02 * value:
        return True  # "roughly 306,000" for 305,979
    # 85% and 0.85 state the same share; nothing looser ("0.2" is not "20").
    return (unit == "%") != (other_unit == "%") and abs(
        (value / 100 if unit == "%" else value) - (other / 100 if other_unit == "%" else other)
    ) < 1e-9


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+|\d+(?:\.\d+)?", text) if w.lower() not in _STOP]


class EntryProfile:
    """One entry's evidence: its text, words, facts and passages, computed once per check."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.text = entry_text(entry)
        self.lower = self.text.lower()
        self.words = set(content_words(self.text))
        self.facts = extract_facts(self.text)
        self.passages = entry_passages(entry)
        # "Dense Passage Retrieval ..." is named DPR in prose.
        self.initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", entry.title) if w[0].isupper()).upper()


@dataclass
class Scored:
    """How well one entry backs one sentence."""

    entry_id: str
    similarity: float
    coverage: float
    passage: str
    missing: list[str]

    @property
    def score(self) -> float:
        return 0.5 * self.similarity + 0.5 * self.coverage


def _missing(facts: Facts, profile: EntryProfile) -> list[str]:
    missing = [raw for value, unit, _, raw in facts.numbers if unit != "word"
               and not any(_same_number(value, unit, known) for known in profile.facts.numbers)]  # fmt: skip
    missing += [name for name in facts.names if not _named_in(name, profile)]
    return list(dict.fromkeys(missing))


def _named_in(name: str, profile: EntryProfile) -> bool:
    """A name the entry states: as written, as its title's initials (DPR), or each hyphen part ("Transformer-based")."""
    lowered = name.lower()
    if lowered in profile.lower or name.upper() == profile.initials:
        return True
    parts = [part for part in lowered.split("-") if part]
    return len(parts) > 1 and all(part in profile.lower or part in _STOP or part in _AFFIXES for part in parts)


_AFFIXES = frozenset(["based", "style", "like", "free", "aware", "guided", "driven", "level", "scale", "wise", "only"])


def _coverage(words: list[str], profile: EntryProfile, idf: dict[str, float]) -> float:
    if not words:
        return 0.0
    total = sum(idf.get(word, 1.0) for word in words)
    return sum(idf.get(word, 1.0) for word in words if word in profile.words) / total


def _opposed(sentence: str, evidence: str) -> str | None:
    """Why the sentence says the opposite of its evidence passage, or None."""
    said = {w.lower() for w in re.findall(r"[\w-]+", sentence)}
    seen = {w.lower() for w in re.findall(r"[\w-]+", evidence)}
    if _NEGATION.search(sentence) and not _NEGATION.search(evidence):
        return "negation: the evidence states it positively"
    for one, other in _OPPOSITES:
        for mine, theirs in ((one, other), (other, one)):
            if said & mine and not seen & mine and seen & theirs:
                return f"'{sorted(said & mine)[0]}' where the evidence says '{sorted(seen & theirs)[0]}'"
    return None


def _reversed(sentence: str, profile: EntryProfile) -> bool:
    """A comparison whose two named sides appear in the evidence the other way round."""
    sentence = _AMOUNT.sub(" ", sentence)  # "more than 99.9%", "over two terabytes" compare nothing
    if not _COMPARATIVE.search(sentence):
        return False
    names = [n for n in dict.fromkeys(extract_facts(sentence).names) if n.lower() in profile.lower]
    words = [w for w in re.findall(r"[A-Za-z][\w-]{3,}", sentence)
             if w.lower() not in _STOP and w.lower() in profile.lower]  # fmt: skip
    sides = names if len(names) >= 2 else list(dict.fromkeys(names + words))
    if len(sides) < 2:
        return False
    first, second = sides[0].lower(), sides[1].lower()
    for passage in profile.passages:
        lowered = passage.lower()
        if first in lowered and second in lowered and _COMPARATIVE.search(passage):
            claimed = sentence.lower()
            return lowered.index(second) < lowered.index(first) and claimed.index(first) < claimed.index(second)
    return False


# "from 21.0% to 16.7%": a change between two figures. Both figures can be in the entry yet not as a change
# ("reduces MSE by 21.0% and MAE by 16.7%"), which the per-number check cannot see.
_FIGURE = r"\d[\d.,]*\s*%?"
_FROM_TO = re.compile(
    r"\bfrom\s+(?:about\s+|around\s+|roughly\s+)?(" + _FIGURE + r")\s+(?:\w+\s+)?to\s+(" + _FIGURE + ")", re.IGNORECASE
)


def _changed_range(sentence: str, profile: EntryProfile) -> str | None:
    """A "from A to B" the entry does not state as a range or change of A to B (A to B, A-B, A -> B, A vs B)."""
    for match in _FROM_TO.finditer(sentence):
        first, second = (re.escape(" ".join(figure.split()).rstrip(".,")) for figure in match.groups())
        joined = first + r"\s*(?:to|-|–|—|→|->|vs\.?|and)\s*" + second
        if not re.search(joined, " ".join(profile.lower.split())):
            return f"from {match.group(1).strip()} to {match.group(2).strip()}"
    return None


def _changed_number(facts: Facts, profile: EntryProfile) -> str | None:
    """A number the entry states differently for the same thing ("11K frames" where it says 20K frames)."""
    for value, unit, word, raw in facts.numbers:
        if any(_same_number(value, unit, known) for known in profile.facts.numbers):
            continue
        fraction = 0 < value < 1
        if any(known_word == word and word for _, _, known_word, _ in profile.facts.numbers) or any(
            (known_unit == unit and unit) or (fraction and 0 < known < 1)
            for known, known_unit, *_ in profile.facts.numbers
        ):
            return f"{raw} {word}".strip()
    return None


# -- the verdict --------------------------------------------------------------------------------------------------


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
    limits = thresholds or Thresholds()
    profiles = _profiles(entries if any(e.id == cited.id for e in entries) else [*entries, cited])
    claim = claim_text(sentence)
    scored = _score_all(claim, profiles, embedder)
    return _verdict(sentence, claim, cited.id, scored, profiles, judge, limits, line, [])


_PROFILE_CACHE: dict[tuple[str, str, str], EntryProfile] = {}


def _profiles(entries: Sequence[Entry]) -> dict[str, EntryProfile]:
    out = {}
    for entry in entries:
        key = (entry.id, entry.title, entry.summary)
        if key not in _PROFILE_CACHE:
            if len(_PROFILE_CACHE) > 5000:
                _PROFILE_CACHE.clear()
            _PROFILE_CACHE[key] = EntryProfile(entry)
        out[entry.id] = _PROFILE_CACHE[key]
    return out


def _score_all(claim: str, profiles: dict[str, EntryProfile], embedder: EmbedderLike) -> dict[str, Scored]:
    passages = [(entry_id, passage) for entry_id, profile in profiles.items() for passage in profile.passages]
    vector = embedder.encode([claim])[0]
    passage_vectors = _passage_vectors(embedder, [passage for _, passage in passages], len(vector))
    similarities = passage_vectors @ vector
    words = content_words(claim)
    count = len(profiles)
    idf = {w: float(np.log(1 + count / (1 + sum(w in p.words for p in profiles.values())))) for w in set(words)}
    facts = extract_facts(claim)
    scored: dict[str, Scored] = {}
    for entry_id, profile in profiles.items():
        positions = [i for i, (owner, _) in enumerate(passages) if owner == entry_id]
        best = max(positions, key=lambda i: similarities[i])
        scored[entry_id] = Scored(entry_id, float(similarities[best]), _coverage(words, profile, idf),
                                  passages[best][1], _missing(facts, profile))  # fmt: skip
    return scored


def _verdict(
    sentence: str,
    claim: str,
    cited_id: str,
    scored: dict[str, Scored],
    profiles: dict[str, EntryProfile],
    judge: ClaimJudge | None,
    limits: Thresholds,
    line: int,
    citations: list[CitationCheck],
) -> ClaimVerdict:
    own = scored[cited_id]
    profile = profiles[cited_id]
    facts = extract_facts(claim)
    others = [s for s in scored.values() if s.entry_id != cited_id]
    rival = max(others, key=lambda s: s.score, default=None)

    def result(verdict: str, reason: str, evidence: Scored = own, opinion: float | None = None) -> ClaimVerdict:
        for citation in citations:
            citation.supports = verdict in ("supported", "weak") and citation.entry_id == cited_id
            citation.similarity = round(own.similarity, 4)
            citation.passage = own.passage
        return ClaimVerdict(sentence, line, verdict, reason, citations, round(own.similarity, 4), evidence.passage,
                            evidence.entry_id, own.missing, opinion)  # fmt: skip

    # 1. Specifics the cited entry lacks but another entry states: the fact belongs there.
    if own.missing and rival is not None:
        holders = [s for s in others if not set(own.missing) & set(s.missing)]
        if holders:
            holder = max(holders, key=lambda s: s.score)
            return result("misattributed", f"{', '.join(own.missing)} stated by {holder.entry_id}, not the cited "
                          f"entry", holder)  # fmt: skip
    # 2. The cited entry says otherwise.
    changed = _changed_number(facts, profile)
    if changed:
        return result("contradicted", f"the cited entry gives a different figure than {changed}")
    changed = _changed_range(claim, profile)
    if changed:
        return result("contradicted", f"the cited entry does not state a change '{changed}'")
    opposed = _opposed(claim, own.passage)
    if opposed and own.similarity >= limits.weak:
        return result("contradicted", opposed)
    if _reversed(claim, profile):
        return result("contradicted", "reversed comparison: the cited entry says it the other way round")
    # 3. Another entry backs it clearly better.
    if rival is not None and rival.score - own.score >= limits.margin and own.coverage < limits.coverage:
        return result("misattributed", f"{rival.entry_id} backs it better (score {rival.score:.2f} vs "
                      f"{own.score:.2f})", rival)  # fmt: skip
    # 4. Specifics no entry states.
    if own.missing:
        return result("unsupported", "not in the cited entry: " + ", ".join(own.missing))
    opinion = judge(claim, profile.entry) if judge is not None else None
    if opinion is not None and opinion < limits.judge_yes:
        if rival is not None and rival.score > own.score:
            rival_opinion = judge(claim, profiles[rival.entry_id].entry) if judge is not None else None
            if rival_opinion is not None and rival_opinion >= limits.judge_yes:
                return result("misattributed", f"the judge finds it in {rival.entry_id}, not the cited entry "
                              f"(p={rival_opinion:.2f} vs {opinion:.2f})", rival, opinion)  # fmt: skip
        if own.similarity >= limits.support and own.coverage >= limits.coverage:
            # About what the entry discusses, in its words, yet not what it says: the entry says otherwise.
            return result("contradicted", f"the judge finds the cited entry says otherwise (p={opinion:.2f})",
                          own, opinion)  # fmt: skip
        return result("unsupported", f"the judge finds it not stated by the cited entry (p={opinion:.2f})",
                      own, opinion)  # fmt: skip
    specific = bool(facts.numbers) or any(n.lower() not in profile.entry.title.lower() for n in facts.names)
    if specific and own.similarity >= limits.facts and opinion is None:
        return result("supported", f"every number and name found; similarity {own.similarity:.2f}")
    if own.similarity < limits.weak and own.coverage < limits.coverage:
        return result("unsupported", f"similarity {own.similarity:.2f} and word overlap {own.coverage:.2f} are low")
    if opinion is not None or own.similarity >= limits.support or own.coverage >= limits.coverage:
        why = f"judge p={opinion:.2f}; " if opinion is not None else ""
        return result("supported", f"{why}similarity {own.similarity:.2f}, word overlap {own.coverage:.2f}",
                      own, opinion)  # fmt: skip
    return result("weak", f"similarity {own.similarity:.2f}, word overlap {own.coverage:.2f}")


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
    program_spans: [start, end) ranges of program-written text; a sentence wholly inside one is not a claim."""
    limits = thresholds or Thresholds()
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates would break the tokenizer
    by_id = {entry.id: entry for entry in entries}
    sentences = [s for s in split_sentences(_prose(text))
                 if not is_refusal(s.text)
                 and not is_program_sentence(claim_text(s.text, keep_markers=True))
                 and not _in_program_spans(s, text, program_spans)]  # fmt: skip
    if not sentences or not entries:
        return []
    profiles = _profiles(entries)
    verdicts: list[ClaimVerdict] = []
    for sentence in sentences:
        citations = _citations(sentence, by_id, allowed)
        line = sentence.line + line_offset
        claim = claim_text(sentence.text)
        if not _has_claim_words(claim) or len(claim.split()) < 3:
            continue
        scored = _score_all(claim, profiles, embedder)
        known = [citation for citation in citations if citation.known]
        if not citations:
            verdict = _uncited(sentence.text, scored, profiles, limits, line)
            if verdict is not None:
                verdicts.append(verdict)
            continue
        if not known:
            unknown = ", ".join(citation.entry_id for citation in citations)
            verdicts.append(ClaimVerdict(sentence.text, line, "unsupported", f"cites unknown entries only: {unknown}",
                                         citations))  # fmt: skip
            continue
        # With several citations, the sentence stands if one cited entry backs it.
        best = None
        for citation in known:
            verdict = _verdict(sentence.text, claim, citation.entry_id, scored, profiles, judge, limits, line, [])
            if best is None or _RANK[verdict.verdict] < _RANK[best.verdict]:
                best = verdict
        assert best is not None
        for citation in citations:
            own = scored.get(citation.entry_id)
            citation.similarity = round(own.similarity, 4) if own else None
            citation.passage = own.passage if own else None
            citation.supports = best.verdict in ("supported", "weak") and citation.entry_id == (
                best.evidence_entry or citation.entry_id
            )
        best.citations = citations
        verdicts.append(best)
    return verdicts


def _in_program_spans(sentence: Sentence, text: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether a sentence lies wholly inside program-written text (minimal: found in its line by its opening
    words, else its whole line must be program text). The checker branch replaces this with exact offsets."""
    if not spans:
        return False
    lines = text.split("\n")
    if not 1 <= sentence.line <= len(lines):
        return False
    line_start = sum(len(line) + 1 for line in lines[: sentence.line - 1])
    line = lines[sentence.line - 1]
    found = line.find(sentence.text[:40].rstrip())
    start, end = (line_start + found, line_start + found + len(sentence.text)) if found >= 0 else (
        line_start, line_start + len(line))  # fmt: skip
    end = min(end, line_start + len(line))
    return any(low <= start and end <= high for low, high in spans)


_RANK = {"supported": 0, "weak": 1, "unsupported": 2, "contradicted": 3, "misattributed": 4, "uncited": 5}
_NOT_CLAIMS = re.compile(r"^### (?:Sources|1\. Task)\n(?:(?!### ).*\n?)*", re.MULTILINE)


def _prose(text: str) -> str:
    """The prose that makes claims about sources: the program-written sources list and the task line (a
    restatement of the question, written without seeing any source) are blanked, line numbers kept."""
    return _NOT_CLAIMS.sub(lambda match: "\n" * match.group(0).count("\n"), text)


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
    words = text.split()
    if len(words) < 4 or text.rstrip().endswith("?"):
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
