"""A claim that is the cited entry's own words: one of its summary sentences (or a run of at least QUOTED words of
one), turned to the third person, with the entry's name as its subject. It needs no judge: the answer path shows
such sentences (a summary sentence nearest to a part, a stand-in for a failed sentence), and the small model
often copies one. Only the subject may differ, and only by words of the entry's title ("GLIP achieves 52.5 AP"
cited to Grounding DINO, whose summary says "Grounding DINO achieves 52.5 AP", is not a quote); and the entry's
sentence must be about the entry itself, its run opening the sentence after words of the title or an opening
such as "In this paper, we" ("Existing detectors require ..." turned into "Grounding DINO requires ..." is
not a quote)."""

from __future__ import annotations

import re

from rag_answer.audit.sentences import plain_sentences
from rag_answer.entries import Entry

QUOTED = 8  # words in the run, after the words below are left out
SUBJECT = 6  # words before the run, at most
# person and article words the third-person rewrite changes ("we" -> "the authors", "our" -> "their")
_LEFT_OUT = frozenset(["a", "an", "the", "we", "our", "us", "their", "they", "them", "it", "its", "this", "paper",
                       "work", "study", "authors", "authors'", "here"])  # fmt: skip
# what may come before the run in the entry's sentence: "In this paper, we present ..." (not "Existing methods
# require ...": a limitation of earlier work, which a reading can turn into the entry's own)
_OPENING = frozenset(["in", "on", "model", "to", "end", "that", "final", "moreo", "speci", "addit", "furth"])
_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")


def _words(text: str) -> list[str]:
    """Lower-case words without the left-out ones, each cut to five letters ("proposes" ~ "propose")."""
    return [word[:5] if word.isalpha() else word for word in _WORD.findall(text.lower()) if word not in _LEFT_OUT]


def is_quote(claim: str, entry: Entry) -> bool:
    """Whether the claim (markers already removed) is a run of one of the entry's summary sentences, word for word
    but for the rewrite to the third person and a subject taken from the title or from that sentence."""
    if is_title_words(claim, entry):
        return True
    words = _words(claim)
    if len(words) < QUOTED:
        return False
    title = set(_words(entry.title))
    for sentence in plain_sentences(entry.summary):
        own = _words(sentence)
        for skip in range(min(SUBJECT, len(words) - QUOTED) + 1):
            run = words[skip:]
            start = _find(own, run)
            if start is None:
                continue
            if set(words[:skip]) <= title | _OPENING and set(own[:start]) <= title | _OPENING:
                return True
    return False


def is_title_words(claim: str, entry: Entry) -> bool:
    """The claim is the entry's title in its words ("Feature Fusion Attention Network (FFA-Net) for Single Image
    Dehazing"): at least TITLED words, every one the title's, but for a short form in brackets that the entry writes
    itself. The judge had been asked about such part-4 items twice per answer, and said no to some (a title that
    reads like a claim)."""
    bare = _ASIDE.sub(lambda aside: "" if aside.group(1) in f"{entry.title} {entry.summary}" else aside.group(0), claim)
    words = _whole_words(bare)  # whole: "detects" is not the title's "Detection"
    return len(words) >= TITLED and set(words) <= set(_whole_words(entry.title))


TITLED = 3
_ASIDE = re.compile(r"\s*\(([^()]{1,30})\)")


def _whole_words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in _LEFT_OUT]


def _find(haystack: list[str], needle: list[str]) -> int | None:
    size = len(needle)
    for start in range(len(haystack) - size + 1):
        if haystack[start : start + size] == needle:
            return start
    return None
