"""Comparisons as frames: two sides (the words before the comparative and after it) and what is compared (an
attribute with a direction: "more accurate" +, "slower" is "fast" -). A sentence whose frame puts the entry's two
sides the other way round, or the same way round with the opposite direction, reverses what the entry says:
"the original CycleGAN-VC was judged more natural than CycleGAN-VC2" against "CycleGAN-VC2 outperforms
CycleGAN-VC"; "Magic3D takes twice as long as DreamFusion" against "Magic3D is 2x faster than DreamFusion".

Also the direction of a graded quantity: "less data-efficient" where the entry only says "higher data-efficiency".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag_answer.audit.facts import stem
from rag_answer.audit.lexicon import affixes, json_data, stopwords
from rag_answer.audit.sentences import plain_sentences

_TOKEN = re.compile(r"[A-Za-z0-9][\w.;-]*[A-Za-z0-9]|[A-Za-z0-9]")
_BOUNDARY = re.compile(r"[,;:]|\b(?:that|which|while|whereas|but|because|where|when|although)\b", re.IGNORECASE)
_VERB = re.compile(r"\b(?:(outperform\w*|beats?|surpass\w*|exceed\w*)|(underperform\w*|lags?\s+behind|trails?|"
                   r"falls?\s+short\s+of))\b", re.IGNORECASE)  # fmt: skip
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been)\s+(?:outperformed|beaten|surpassed|exceeded)\s+by\b", re.I)
_THAN = re.compile(r"\bthan\b", re.IGNORECASE)
_AS_AS = re.compile(r"\b(?:twice|thrice|half|\d+(?:\.\d+)?\s*(?:×|x|times)|\w+\s+times)\s+as\s+(\w+)\s+as\b", re.I)
_CONTRAST = re.compile(r"^(?P<left>.*?)\b(?:is|are|was|were)\s+(?P<attr>\w+)\b[^;]*?\b(?:while|whereas|but)\s+"
                       r"(?P<right>.*?)\s+(?:is|are|was|were|do|does)\s*(?:not|n't)\b", re.IGNORECASE)  # fmt: skip
_SELF = re.compile(r"\b(?:our|we|which|it|this\s+(?:model|method|approach|system|work))\b", re.IGNORECASE)
_DEGREE = re.compile(r"\b(more|less|higher|lower|greater|fewer)\s+([a-z][\w-]{3,})", re.IGNORECASE)


@dataclass
class Frame:
    left: set[str]
    right: set[str]
    attributes: dict[str, int]  # attribute -> +1 (more of it) or -1; "perform" for outperform / better


def _scales() -> dict[str, tuple[str, int]]:
    return {word: (scale, sign) for word, (scale, sign) in json_data("scales.json")["words"].items()}


def attribute(word: str) -> tuple[str, int]:
    """A comparative's attribute and direction: faster -> (fast, +1), slower -> (fast, -1), easier -> (easy, +1)."""
    word = word.lower()
    for form in (word, re.sub(r"ier$", "y", word), re.sub(r"(\w)\1er$", r"\1", word), re.sub(r"e?r$", "", word)):
        if form in _scales():
            return _scales()[form]
    base = re.sub(r"ier$", "y", word) if word.endswith("ier") else re.sub(r"e?r$", "", word)
    return base[:4], 1


def keys(text: str) -> set[str]:
    """The words that tell one side of a comparison from the other: stems of content words and of their parts."""
    out: set[str] = set()
    for token in _TOKEN.findall(text.lower()):
        parts = [token] + (token.split("-") if "-" in token else [])
        out.update(stem(part) for part in parts if part and part not in stopwords() and part not in affixes())
    return out


def _attributes(between: str) -> dict[str, int]:
    found: dict[str, int] = {}
    words = re.findall(r"[a-z][\w-]*", between.lower())
    for index, word in enumerate(words):
        if word in ("more", "less") and index + 1 < len(words):
            scale, sign = attribute(words[index + 1])
            found[scale] = sign if word == "more" else -sign
        elif word.endswith("er") and (index == 0 or words[index - 1] not in ("more", "less")):
            scale, sign = attribute(word)
            found.setdefault(scale, sign)
    return found


_MULTIPLIER = r"\d[\d.]*\s*(?:×|x\b|times)|twice|\w+\s+times"


def _comparative_start(segment: str) -> int:
    """Where the comparative of a segment that ends before "than" begins: its first "more"/"less"/"better"/"worse",
    multiplier or comparative adjective of a known scale, else the word just before "than"."""
    words = list(re.finditer(r"[A-Za-z][\w-]*|" + _MULTIPLIER, segment))
    for match in words:
        word = match.group(0).lower()
        known = word.endswith("er") and attribute(word)[0] in {scale for scale, _ in _scales().values()}
        if word in ("more", "less", "better", "worse") or known or re.fullmatch(_MULTIPLIER, word):
            return match.start()
    return words[-1].start() if words and words[-1].group(0).lower().endswith("er") else len(segment)


def _clauses(sentence: str) -> list[str]:
    text = re.sub(r"\$?\\times\$?", "×", sentence)
    text = re.sub(r"\\[a-z]+\{([^}]*)\}", r"\1", text).replace("(", " ").replace(")", " ")
    return [part for part in text.split(";") if part.strip()]


def _before(text: str) -> str:
    return _BOUNDARY.split(text)[-1]


def _after(text: str) -> str:
    return _BOUNDARY.split(text)[0]


def _frame(left: str, right: str, attributes: dict[str, int], own: set[str]) -> Frame:
    """Words like "our model" or "which" (or no word at all) on the left stand for the entry's own system."""
    left_keys = keys(left)
    if _SELF.search(left) or not any(key[0].isalpha() for key in left_keys):
        left_keys |= own
    return Frame(left_keys, keys(right), attributes)


def frames(sentence: str, own: set[str] = frozenset()) -> list[Frame]:
    """Every comparison a sentence makes; `own`: the keys of the entry's own name (for "our model", "which")."""
    out = []
    for clause in _clauses(sentence):
        passive = [match.span() for match in _PASSIVE.finditer(clause)]
        for start, end in passive:  # "X is outperformed by Y": Y outperforms X
            out.append(_frame(_after(clause[end:]), _before(clause[:start]), {"perform": 1}, set()))
        for match in _VERB.finditer(clause):
            if not any(start <= match.start() < end for start, end in passive):
                sign = 1 if match.group(1) else -1
                out.append(_frame(_before(clause[: match.start()]), _after(clause[match.end() :]), {"perform": sign},
                                  own))  # fmt: skip
        for match in _THAN.finditer(clause):
            segment = _before(clause[: match.start()])
            cut = _comparative_start(segment)
            found = _attributes(segment[cut:])
            if found:
                out.append(_frame(segment[:cut], _after(clause[match.end() :]), found, own))
        for match in _AS_AS.finditer(clause):
            before = _before(clause[: match.start()])
            word = match.group(1).lower()
            found = {"fast": -1} if word == "long" and re.search(r"\btak", before) else dict([attribute(word)])
            out.append(_frame(before, _after(clause[match.end() :]), found, own))
        contrast = _CONTRAST.match(clause)
        if contrast:  # "weights are easy to quantize while activations are not"
            found = dict([attribute(contrast.group("attr"))])
            out.append(_frame(_before(contrast.group("left")), contrast.group("right"), found, own))
    return out


def _relation(claim: Frame, stated: Frame) -> int:
    """+1: the claim compares as the statement does; -1: the other way round; 0: cannot tell."""
    shared = set(claim.attributes) & set(stated.attributes)
    if not shared:
        general = "perform" in claim.attributes or "perform" in stated.attributes
        if not general:
            return 0
        direction = max(claim.attributes.values(), key=abs) * max(stated.attributes.values(), key=abs)
    else:
        direction = claim.attributes[min(shared)] * stated.attributes[min(shared)]
    mine_left, mine_right = claim.left - claim.right, claim.right - claim.left
    their_left, their_right = stated.left - stated.right, stated.right - stated.left
    straight = bool(mine_left & their_left) and bool(mine_right & their_right)
    crossed = bool(mine_left & their_right) and bool(mine_right & their_left)
    if straight == crossed:
        return 0
    return direction if straight else -direction


def own_keys(title: str) -> set[str]:
    """The entry's own name: its title before a colon ("SAM 2: Segment Anything..." -> sam, 2), else the title."""
    return keys(title.split(":", 1)[0])


def reversed_frames(sentence: str, title: str, summary: str) -> bool:
    """The entry compares the same two sides on the same scale, only the other way round, and never this way."""
    own = own_keys(title)
    claims = frames(sentence, own)
    if not claims:
        return False
    relations = [_relation(claim, stated) for stated in (f for s in plain_sentences(summary) for f in frames(s, own))
                 for claim in claims]  # fmt: skip
    return -1 in relations and 1 not in relations


def _degrees(text: str) -> list[tuple[str, int]]:
    signs = {"more": 1, "higher": 1, "greater": 1, "less": -1, "lower": -1, "fewer": -1}
    return [(match.group(2).lower(), signs[match.group(1).lower()]) for match in _DEGREE.finditer(text)]


def _same_quantity(one: str, other: str) -> bool:
    """data-efficient ~ data-efficiency: one word up to its last three letters."""
    size = max(5, min(len(one), len(other)) - 3)
    return one[:size] == other[:size] and min(len(one), len(other)) >= size


def reversed_degree(sentence: str, summary: str) -> str | None:
    """A quantity the sentence says goes one way ("less data-efficient") where every statement of the entry about
    it goes the other ("higher data-efficiency"). Comparisons with "than" are left to the frames."""
    if _THAN.search(sentence):
        return None
    passages = [passage for passage in plain_sentences(summary) if not _THAN.search(passage)]
    stated = [degree for passage in passages for degree in _degrees(passage)]
    for word, sign in _degrees(sentence):
        same = [other_sign for other, other_sign in stated if _same_quantity(word, other)]
        if same and all(other_sign == -sign for other_sign in same):
            return f"'{word}' goes the other way in the cited entry"
    return None
