"""Facts a sentence states that can be checked without a model: numbers tied to the word they count, and names;
and the signs that a sentence says the opposite of its evidence (negation, antonyms, a reversed comparison, a
changed figure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag_answer.audit.lexicon import opposites, stopwords, word_numbers, word_set
from rag_answer.audit.names import find_names

_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|percent\b|[kKmMbB]\b|x\b|×|million\b|billion\b|thousand\b)?"
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
# Verb negation only: "no", "without" and "instead of" mostly paraphrase "free of X" ("with no manual tuning").
_NEGATION = re.compile(r"\b(?:not|never|cannot|can't|unable|\w+n't)\b", re.IGNORECASE)
_COMPARATIVE = re.compile(
    r"\b(?:outperform\w*|beat\w*|surpass\w*|exceed\w*|better than|worse than|faster than|slower than|more \w+ than|"
    r"fewer \w+ than|higher than|lower than|over|compared (?:to|with)|vs\.?|than)\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"\b(?:more|less|fewer|over|under|up to)(?: than)? (?:\d|one|two|three|four|five|ten|a |an |half)",
                     re.IGNORECASE)  # fmt: skip
# "from 21.0% to 16.7%": a change between two figures. Both figures can be in the entry yet not as a change
# ("reduces MSE by 21.0% and MAE by 16.7%"), which the per-number check cannot see.
_FIGURE = r"\d[\d.,]*\s*%?"
_FROM_TO = re.compile(
    r"\bfrom\s+(?:about\s+|around\s+|roughly\s+)?(" + _FIGURE + r")\s+(?:\w+\s+)?to\s+(" + _FIGURE + ")", re.IGNORECASE
)

Number = tuple[float, str, str, str]  # (value, unit, the word it counts, as written)


@dataclass
class Facts:
    numbers: list[Number]
    names: list[str]


def _word_number() -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(word_numbers()) + r")\b(?:\s+(?:times\s+|as\s+)?([A-Za-z][\w-]*))?",
                      re.IGNORECASE)  # fmt: skip


def extract_facts(text: str) -> Facts:
    """Numbers with their unit and the word after them ("11K frames" -> 11000, 'k', 'frames'), and names."""
    text = re.sub(r"\$|\\[a-z]+\{?|[{}~]", " ", text).replace("\\%", "%")  # LaTeX: $\sim$ 3\% -> 3%
    numbers = []
    for match in _NUMBER.finditer(text):
        unit = (match.group(2) or "").strip()
        after = re.match(r"\s*([A-Za-z][\w-]*)", text[match.end() :])
        word = after.group(1).lower() if after else ""
        value = float(match.group(1).replace(",", "")) * (_SCALE.get(unit.lower(), 1.0) if unit else 1.0)
        numbers.append((value, unit.lower().replace("percent", "%"), word, match.group(0).strip()))
    for match in _word_number().finditer(text):
        # Counted in words ("three memory stores"): checked only against a figure for the same thing.
        numbers.append((float(word_numbers()[match.group(1).lower()]), "word", (match.group(2) or "").lower(),
                        match.group(1)))  # fmt: skip
    return Facts(numbers, find_names(text))


def same_number(value: float, unit: str, known: Number) -> bool:
    other, other_unit, *_ = known
    if abs(value - other) <= 1e-9 * max(1.0, abs(value)):
        return True
    if value >= 1000 and value % 1000 == 0 and abs(value - other) <= 0.02 * value:
        return True  # "roughly 306,000" for 305,979
    # 85% and 0.85 state the same share; nothing looser ("0.2" is not "20").
    return (unit == "%") != (other_unit == "%") and abs(
        (value / 100 if unit == "%" else value) - (other / 100 if other_unit == "%" else other)
    ) < 1e-9


def stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+|\d+(?:\.\d+)?", text) if w.lower() not in stopwords()]


# "needs no priors", "does not depend on the number": a need or dependence denied, which evidence says with
# "without", "eliminating the need", "regardless of" (negative_polarity.txt).
_DENIED_NEED = re.compile(r"\b(?:needs?|requires?|relies|depends?)\s+(?:no|on no)\b|\b(?:does|do|did)\s*n[o']t\s+"
                          r"(?:need|require|rely|depend)\b", re.IGNORECASE)  # fmt: skip
_NEED_REMOVED = re.compile(r"\b(?:eliminat|remov|obviat)\w*\s+the\s+need\s+(?:for|of|to)\b", re.IGNORECASE)


def opposed(sentence: str, evidence: str, elsewhere: str = "") -> str | None:
    """Why the sentence says the opposite of its evidence passage, or None. A word the entry writes `elsewhere`
    (its whole text) is not the opposite of it: "instruction tuning improves zero-shot performance" against FLAN's
    passage on small models, where it "hurts", is the summary's own claim (claim labels round 4, test f24)."""
    # both sides the same way: a sentence that repeats "eliminating the need for" is not a "need" against "without"
    evidence, sentence = _NEED_REMOVED.sub(" without ", evidence), _NEED_REMOVED.sub(" without ", sentence)
    seen = {w.lower() for w in re.findall(r"[\w-]+", evidence)}
    if seen & word_set("negative_polarity.txt"):
        sentence = _DENIED_NEED.sub(" without ", sentence)  # the evidence's own way of saying it
    said = {w.lower() for w in re.findall(r"[\w-]+", sentence)}
    if _NEGATION.search(sentence) and not _NEGATION.search(evidence):
        return "negation: the evidence states it positively"
    written = seen | {w.lower() for w in re.findall(r"[\w-]+", elsewhere)}
    for one, other in opposites():
        for mine, theirs in ((one, other), (other, one)):
            if said & mine and not written & mine and seen & theirs:
                return f"'{sorted(said & mine)[0]}' where the evidence says '{sorted(seen & theirs)[0]}'"
    return None


def reversed_comparison(sentence: str, text: str, passages: list[str]) -> bool:
    """A comparison whose two named sides appear in the evidence the other way round."""
    sentence = _AMOUNT.sub(" ", sentence)  # "more than 99.9%", "over two terabytes" compare nothing
    if not _COMPARATIVE.search(sentence):
        return False
    lowered_text = text.lower()
    names = [n for n in dict.fromkeys(extract_facts(sentence).names) if n.lower() in lowered_text]
    words = [w for w in re.findall(r"[A-Za-z][\w-]{3,}", sentence)
             if w.lower() not in stopwords() and w.lower() in lowered_text]  # fmt: skip
    sides = names if len(names) >= 2 else list(dict.fromkeys(names + words))
    if len(sides) < 2:
        return False
    first, second = sorted((sides[0].lower(), sides[1].lower()), key=sentence.lower().index)  # as the claim says
    # one sentence at a time: sides in two sentences of a passage are no comparison (HiFi-GAN ... V100 GPU.)
    for passage in (part for text in passages for part in re.split(r"(?<=[.!?])\s+", text)):
        lowered = passage.lower()
        stated = _COMPARATIVE.search(passage)
        if first in lowered and second in lowered and stated:
            claimed, said = sentence.lower(), _COMPARATIVE.search(sentence)
            # the sides on either side of the comparison, the other way round (not two names on one side)
            return (lowered.index(second) < stated.start() < lowered.index(first)
                    and said is not None and claimed.index(first) < said.start() < claimed.index(second))  # fmt: skip
    return False


def changed_range(sentence: str, text: str) -> str | None:
    """A "from A to B" the entry does not state as a range or change of A to B (A to B, A-B, A -> B, A vs B)."""
    flat = " ".join(text.lower().split())
    for match in _FROM_TO.finditer(sentence):
        first, second = (re.escape(" ".join(figure.split()).rstrip(".,")) for figure in match.groups())
        if not re.search(first + r"\s*(?:to|-|–|—|→|->|vs\.?|and)\s*" + second, flat):
            return f"from {match.group(1).strip()} to {match.group(2).strip()}"
    return None


def changed_number(facts: Facts, known: list[Number]) -> str | None:
    """A number the entry states differently for the same thing ("11K frames" where it says 20K frames)."""
    for value, unit, word, raw in facts.numbers:
        if any(same_number(value, unit, number) for number in known):
            continue
        fraction = 0 < value < 1
        if any(known_word == word and word for _, _, known_word, _ in known) or any(
            (known_unit == unit and unit) or (fraction and 0 < other < 1) for other, known_unit, *_ in known
        ):
            return f"{raw} {word}".strip()
    return None


# "does not need shape refinement": a verb the evidence denies, with the first content word after it.
_DENIED = re.compile(r"\b(?:not|n't|never|no longer)\s+(?:be\s+|been\s+)?([a-z]+)\s+((?:[\w-]+\s+){0,2}?)([a-z][\w-]+)",
                     re.IGNORECASE)  # fmt: skip
_ANY_DENIAL = re.compile(r"\b(?:not|no|none|never|neither|nor|without|unlike|rather than|instead of|\w+n't|cannot|"
                         r"unable|fails?|lacks?|avoid\w*|eliminat\w*|obviat\w*|remov\w*|free|dispens\w*|skip\w*)\b",
                         re.IGNORECASE)  # fmt: skip


def denial_dropped(sentence: str, passages: list[str]) -> str | None:
    """The sentence affirms, with no denial word at all, what a passage of the entry denies: "still needs a shape
    refinement step" where the entry says it "does not need shape refinement"."""
    if _ANY_DENIAL.search(sentence):
        return None
    words = [stem(w) for w in re.findall(r"[A-Za-z][\w-]*", sentence)]
    for passage in passages:
        for match in _DENIED.finditer(passage):
            verb, thing = stem(match.group(1)), stem(match.group(3))
            if verb in stopwords() or thing in stopwords() or len(verb) < 3:
                continue
            at = [i for i, word in enumerate(words) if word == verb]
            if any(thing in words[i + 1 : i + 5] for i in at):
                return f"the cited entry says it does not {match.group(1)} {match.group(3)}"
    return None
