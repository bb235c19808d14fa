"""A name swapped for a neighbour in the entry's own sentence: the sentence restates one sentence of the entry but
puts another version of a name where the entry has this one ("MOT20" for MOT17, "3D" for 2D), or another label on
a figure the entry states ("a Dice score of 0.82" where the entry says "an F1 score of 0.82")."""

from __future__ import annotations

import re

from rag_answer.audit.facts import content_words
from rag_answer.audit.names import is_name

_TOKEN = re.compile(r"[A-Za-z0-9][\w.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_VERSIONED = re.compile(r"(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[\w-]+")
_FIGURE = re.compile(r"\d+\.\d+|\d{2,}")
OVERLAP = 0.5  # share of the sentence's content words that the entry's sentence must hold to be its source


def _clean(text: str) -> str:
    return re.sub(r"\\[a-z]+\{([^}]*)\}", r"\1", text)


def _source(sentence: str, passages: list[str]) -> str | None:
    """The entry sentence this sentence restates: the one holding most of its content words (at least OVERLAP)."""
    words = set(content_words(sentence))
    if not words or not passages:
        return None
    best = max(passages, key=lambda passage: len(words & set(content_words(_clean(passage)))))
    return _clean(best) if len(words & set(content_words(_clean(best)))) >= OVERLAP * len(words) else None


def _shape(token: str) -> str:
    return re.sub(r"\d+", "#", token.lower())


def swapped_version(sentence: str, passages: list[str]) -> str | None:
    """A versioned name (letters and digits) where the entry's sentence has another version of it and not this one."""
    source = _source(sentence, passages)
    if source is None:
        return None
    mine = {token.lower() for token in _VERSIONED.findall(sentence)}
    theirs = {token.lower() for token in _VERSIONED.findall(source)}
    for token in sorted(mine - theirs):
        others = [other for other in theirs - mine if _shape(other) == _shape(token)]
        if others:
            return f"'{token}' where the cited entry says '{others[0]}'"
    return None


def swapped_label(sentence: str, passages: list[str], width: int = 3) -> str | None:
    """A figure the entry states with a name just before it ("F1 score of 0.82") that the sentence gives the same
    words around, but another capitalised word in the name's place ("Dice score of 0.82"; not "error of 0.82")."""
    source = _source(sentence, passages)
    if source is None:
        return None
    mine, theirs = _TOKEN.findall(sentence), _TOKEN.findall(source)
    lowered = {token.lower() for token in theirs}
    for index, token in enumerate(mine):
        if not _FIGURE.fullmatch(token) or token not in theirs or index < width:
            continue
        at = theirs.index(token)
        if at < width:
            continue
        before, stated = mine[index - width : index], theirs[at - width : at]
        differ = [i for i in range(width) if before[i].lower() != stated[i].lower()]
        if len(differ) == 1:
            other, own = before[differ[0]], stated[differ[0]]
            if is_name(own) and other[0].isupper() and other.lower() not in lowered:  # a name for a name
                return f"'{other}' where the cited entry gives {token} as '{own}'"
    return None
