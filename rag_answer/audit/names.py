"""Names: which words of a sentence are names an entry must state, and whether the entry states them, in any of
the forms prose gives a name (plural, possessive, hyphenated, abbreviated or spelled out).

A word is a name only when it is one: a word with a digit or inner capitals (DINOv2, NeRF, GPT-4), an acronym
(LAION), or a capitalised word inside a sentence (Euclid, Swahili) that is not a common English word in any case
(wordfreq). Labels of the product's own formats ("Answered", "Dataset", "Model") and acronyms every field uses
(GPU, 3D) are data files, never names.
"""

from __future__ import annotations

import re
from functools import cache

from wordfreq import zipf_frequency

from rag_answer.audit.lexicon import affixes, common_acronyms, field_abbreviations, format_labels, stopwords

_NAME = re.compile(
    r"(?<![\w-])(?=[\w-]*[A-Za-z])(?:[A-Za-z]+\d[\w-]*|\d+[A-Za-z][\w-]*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+[A-Z][\w-]*)"
)
_CAPITALISED = re.compile(r"(?<=[a-z0-9,;)] )[A-Z][a-z]{2,}(?:-[A-Za-z]+)?(?![\w-])")
_POSSESSIVE = re.compile(r"['’]s?$")
# Zipf frequency (log10 per billion words) at or above which a word is common English: "dataset" is 3.0, "answered"
# 4.3; names of the fields sit below (Euclid 2.9, Swahili 2.9, NeRF 2.9). A word in capitals is shouting only
# when it is a very common word ("ONLY" 6.1; not "SAM" 4.6, "MAP" 4.8).
COMMON_ZIPF = 3.0
SHOUTED_ZIPF = 5.5
# Lower-case words that join a capitalised phrase ("Structure from Motion") and may give its initials a letter.
_JOINERS = frozenset({"of", "for", "from", "and", "the", "to", "in", "with", "via", "on", "by", "a", "an"})


def find_names(text: str) -> list[str]:
    """The names a text states, as written (without a possessive), in order."""
    found = _NAME.findall(text) + _CAPITALISED.findall(text)
    return [name for name in (_POSSESSIVE.sub("", word) for word in found) if is_name(name)]


@cache
def is_name(word: str) -> bool:
    """True for a name; False for a format label, a field-wide acronym or a common English word."""
    if word.lower() in format_labels() or word.upper() in common_acronyms():
        return False
    if word.upper().rstrip("S") in common_acronyms():
        return False
    parts = [part for part in word.split("-") if part]
    if len(parts) > 1:
        return any(is_name(part) for part in parts if part.lower() not in affixes())
    if re.search(r"\d", word) or (re.search(r".[A-Z]", word) and not word.isupper()):
        return True  # DINOv2, NeRF, SfM
    if word.isupper():
        return len(word) > 1 and zipf_frequency(word.lower(), "en") < SHOUTED_ZIPF
    return zipf_frequency(word.lower(), "en") < COMMON_ZIPF and zipf_frequency(_singular(word), "en") < COMMON_ZIPF


def _singular(word: str) -> str:
    lowered = word.lower()
    if len(lowered) > 4 and lowered.endswith("es") and lowered[-3] in "sxz":
        return lowered[:-2]
    return lowered[:-1] if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith("ss") else lowered


def forms(name: str) -> list[str]:
    """Lower-case forms of a name to look for: as written, and singular ("NeRFs", "LLMs", "Transformers")."""
    lowered = _POSSESSIVE.sub("", name.lower())
    plural = lowered[:-1] if len(lowered) > 2 and lowered.endswith("s") else lowered
    return list(dict.fromkeys(form for form in (lowered, plural, _singular(lowered)) if form))


def looks_abbreviated(name: str) -> bool:
    """SfM, NeRF, DMS, LLMs: two or more capitals."""
    return len(re.findall(r"[A-Z]", name)) >= 2


def capitalised_phrases(text: str) -> list[list[str]]:
    """Runs of capitalised words, with the lower-case joiners inside them ("Structure for Motion")."""
    phrases: list[list[str]] = []
    current: list[str] = []
    for word in re.findall(r"[A-Za-z][\w]*", text):
        if word[0].isupper() or (word.lower() in _JOINERS and current):
            current.append(word)
        else:
            phrases.append(current)
            current = []
    phrases.append(current)
    out = []
    for phrase in phrases:
        while phrase and phrase[-1].lower() in _JOINERS:
            phrase = phrase[:-1]
        if len(phrase) >= 2:
            out.append(phrase)
    return out


def abbreviates(short: str, words: list[str]) -> bool:
    """Whether `short` is made of prefixes of `words` in order, each capitalised word giving at least its first
    letter and joiners giving at most theirs: SfM <- Structure from Motion, NeRF <- Neural Radiance Fields."""
    letters = re.sub(r"[^a-z0-9]", "", short.lower())
    words = [part for word in words for part in word.split("-") if part]  # All-in-One -> All, in, One
    if len(letters) < 2 or len(words) < 2:
        return False
    lowered, optional = [w.lower() for w in words], [w.lower() in _JOINERS for w in words]
    if short.endswith("s") and short[:-1].upper() == short[:-1] and _prefixes(letters[:-1], lowered, optional):
        return True  # PAFs <- Part Affinity Fields
    return _prefixes(letters, lowered, optional)


def _prefixes(letters: str, words: list[str], optional: list[bool]) -> bool:
    if not words:
        return not letters
    word, rest, skip = words[0], words[1:], optional[0]
    if skip and _prefixes(letters, rest, optional[1:]):
        return True
    for size in range(1, len(word) + 1):
        if letters[:size] != word[:size]:
            break
        if _prefixes(letters[size:], rest, optional[1:]):
            return True
    return False


def phrase_windows(phrase: list[str]) -> list[list[str]]:
    """Every run of 2-6 words of a phrase that starts and ends on a capitalised word."""
    out = []
    for start in range(len(phrase)):
        for end in range(start + 2, min(len(phrase), start + 6) + 1):
            window = phrase[start:end]
            if window[0][0].isupper() and window[-1][0].isupper():
                out.append(window)
    return out


_DEFINED = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,6}?[A-Za-z][\w-]*)\s*\(([A-Za-z][\w-]{1,15})\)")


def defined_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations a text defines, lower case -> the phrase: "Neural Radiance Fields (NeRF)"."""
    out: dict[str, str] = {}
    for match in _DEFINED.finditer(text):
        words = match.group(1).split()
        short = match.group(2)
        for start in reversed(range(len(words))):  # the shortest tail of the words before "(" that it fits
            tail = words[start:]
            if abbreviates(short, tail) or abbreviates(short, [w for w in tail if w.lower() not in stopwords()]):
                out[short.lower()] = " ".join(tail).lower()
                break
    return out


def field_expansions(short: str) -> tuple[str, ...]:
    """The expansions of a field-wide abbreviation (data file), looked up as written or case-folded."""
    table = field_abbreviations()
    if short in table:
        return table[short]
    folded = {key.lower(): value for key, value in table.items()}
    return folded.get(short.lower(), folded.get(short.lower().rstrip("s"), ()))
