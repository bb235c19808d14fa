"""What each entry offers as evidence for one sentence: its passages, words, facts and names (an EntryProfile,
computed once per entry), and how well it backs the sentence (Scored: MiniLM cosine to its best passage,
IDF-weighted word overlap, and the numbers and names it lacks)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rag_answer.audit.facts import Facts, content_words, extract_facts, same_number
from rag_answer.audit.lexicon import affixes, stopwords
from rag_answer.audit.names import (
    abbreviates,
    capitalised_phrases,
    defined_abbreviations,
    field_expansions,
    forms,
    looks_abbreviated,
    phrase_windows,
)
from rag_answer.audit.sentences import plain_sentences
from rag_answer.entries import Entry


class EmbedderLike(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


def entry_passages(entry: Entry) -> list[str]:
    """The title, then windows of one and two consecutive summary sentences."""
    sentences = plain_sentences(entry.summary) if entry.summary else []
    return [entry.title, *sentences, *(" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1))]


def entry_text(entry: Entry) -> str:
    """What an entry states: its title and summary. Never its links: "1.5" in a URL proves nothing."""
    return f"{entry.title}\n{entry.summary}"


class EntryProfile:
    """One entry's evidence: its text, words, facts, passages and the abbreviations it writes or spells out."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.text = entry_text(entry)
        self.lower = self.text.lower()
        self.flat = re.sub(r"[-\s]+", " ", self.lower)  # "structure-from-motion" reads as "structure from motion"
        self.words = set(content_words(self.text))
        self.facts = extract_facts(self.text)
        self.passages = entry_passages(entry)
        # "Dense Passage Retrieval ..." is named DPR in prose.
        self.initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", entry.title) if w[0].isupper()).upper()
        self.windows = [w for phrase in capitalised_phrases(self.text) for w in phrase_windows(phrase)]
        self.defined = defined_abbreviations(self.text)
        self.acronyms = {name for name in self.facts.names if looks_abbreviated(name)} | set(self.defined)
        # The code repository's name is the project's name ("github.com/facebookresearch/DrQA" -> drqa); no figure.
        repository = (entry.github_url or "").rstrip("/").rsplit("/", 1)[-1].removesuffix(".git").lower()
        self.repository = repository if "github.com/" in (entry.github_url or "") else ""

    def states(self, form: str) -> bool:
        """The form as a word of the entry (a plural or possessive of it, or a version number after it, too)."""
        pattern = r"(?<![a-z0-9])" + re.escape(form) + r"(?:s|es|'s|’s)?(?![a-z])"
        return re.search(pattern, self.lower) is not None or re.search(pattern, self.flat) is not None


def named_in(name: str, profile: EntryProfile) -> bool:
    """A name the entry states: in any form, as its title's initials (DPR), as its code repository's name (DrQA), as
    the initials of a capitalised phrase (SfM <- Structure for Motion), as an abbreviation it defines or a field
    abbreviation it spells out (DMS <- driver monitoring system), or part by part ("Transformer-based")."""
    variants = forms(name)
    if any(profile.states(form) for form in variants) or name.upper() == profile.initials:
        return True
    if profile.repository and profile.repository in variants:
        return True
    if looks_abbreviated(name) and _abbreviation_in(variants, profile):
        return True
    parts = [part for part in name.lower().split("-") if part]
    return len(parts) > 1 and all(profile.states(part) or part in stopwords() or part in affixes() for part in parts)


def _abbreviation_in(variants: list[str], profile: EntryProfile) -> bool:
    for short in variants:
        if short in profile.defined or any(abbreviates(short, window) for window in profile.windows):
            return True
        if any(" ".join(long.split("-")) in profile.flat for long in field_expansions(short)):
            return True
    return False


def spelled_out(sentence: str, profile: EntryProfile) -> set[str]:
    """Words of the sentence's capitalised phrases that spell out an abbreviation the entry writes ("Neural Radiance
    Fields" where the entry says NeRF): found in the entry, though not as written."""
    covered: set[str] = set()
    for phrase in capitalised_phrases(sentence):
        for window in phrase_windows(phrase):
            joined = " ".join(window).lower().replace("-", " ")
            for short in profile.acronyms:
                expansions = {" ".join(long.split("-")) for long in field_expansions(short)}
                if abbreviates(short, window) or joined in expansions or profile.defined.get(short.lower()) == joined:
                    covered.update(window)
    return covered


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


def missing(facts: Facts, profile: EntryProfile, sentence: str) -> list[str]:
    """The sentence's numbers and names the entry does not state."""
    out = [raw for value, unit, _, raw in facts.numbers if unit != "word"
           and not any(same_number(value, unit, known) for known in profile.facts.numbers)]  # fmt: skip
    names = [name for name in facts.names if not named_in(name, profile)]
    if names:
        covered = spelled_out(sentence, profile)
        names = [name for name in names if name not in covered]
    return list(dict.fromkeys(out + names))


def _coverage(words: list[str], profile: EntryProfile, idf: dict[str, float]) -> float:
    if not words:
        return 0.0
    total = sum(idf.get(word, 1.0) for word in words)
    return sum(idf.get(word, 1.0) for word in words if word in profile.words) / total


def score_all(claim: str, profiles: dict[str, EntryProfile], embedder: EmbedderLike) -> dict[str, Scored]:
    """Every entry's score for one claim: cosine to its best passage, word overlap, and what it lacks."""
    passages = [(entry_id, passage) for entry_id, profile in profiles.items() for passage in profile.passages]
    vector = embedder.encode([claim])[0]
    similarities = passage_vectors(embedder, [passage for _, passage in passages], len(vector)) @ vector
    words = content_words(claim)
    idf = {w: float(np.log(1 + len(profiles) / (1 + sum(w in p.words for p in profiles.values())))) for w in set(words)}
    facts = extract_facts(claim)
    scored: dict[str, Scored] = {}
    for entry_id, profile in profiles.items():
        positions = [i for i, (owner, _) in enumerate(passages) if owner == entry_id]
        best = max(positions, key=lambda i: similarities[i])
        scored[entry_id] = Scored(entry_id, float(similarities[best]), _coverage(words, profile, idf),
                                  passages[best][1], missing(facts, profile, claim))  # fmt: skip
    return scored


_PROFILE_CACHE: dict[tuple[str, str, str], EntryProfile] = {}


def profiles_of(entries: Sequence[Entry]) -> dict[str, EntryProfile]:
    out = {}
    for entry in entries:
        key = (entry.id, entry.title, entry.summary)
        if key not in _PROFILE_CACHE:
            if len(_PROFILE_CACHE) > 5000:
                _PROFILE_CACHE.clear()
            _PROFILE_CACHE[key] = EntryProfile(entry)
        out[entry.id] = _PROFILE_CACHE[key]
    return out


_PASSAGE_CACHE: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_PASSAGE_CACHE_LIMIT = 20_000


def passage_vectors(embedder: EmbedderLike, texts: list[str], dimension: int) -> np.ndarray:
    """Passage vectors, cached per embedder: ask/chat audit many answers against the same entries."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    try:
        cache = _PASSAGE_CACHE.setdefault(embedder, {})
    except TypeError:  # an embedder that cannot be weakly referenced: no cache
        return embedder.encode(texts)
    new = list(dict.fromkeys(text for text in texts if text not in cache))
    if new:
        if len(cache) + len(new) > _PASSAGE_CACHE_LIMIT:
            cache.clear()
        cache.update(zip(new, embedder.encode(new), strict=True))
    return np.stack([cache[text] for text in texts])
