"""Sentences: the one splitter of plain text (answers, entry summaries, the index's passages) and the sentences of
an answer's Markdown prose, each with its line, link targets and place in the answer's text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag_answer.audit.lexicon import split_abbreviations
from rag_answer.audit.links import markdown_parser, scan_text
from rag_answer.citations import MARKER_PATTERN

# A full stop (with closing quotes or brackets, and the markers written after it) and the space after it.
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?:[ \t]*(?:\[@[^\]\n]*\])+)?(?:\s+|$)")
_LEADING_MARKERS = re.compile(r"\s*(?:\[@[a-z0-9][a-z0-9-]*\]\s*)+")
_LINK_LABELS = re.compile(r"\b(?:paper|github|code|links?)\s*:", re.IGNORECASE)


@dataclass
class Sentence:
    text: str
    line: int
    hrefs: list[str] = field(default_factory=list)
    inherited: tuple[str, ...] = ()  # markers leading the list item this sentence belongs to
    program: bool = False  # every character lies in a program-written span


def split_plain(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of plain text. A stop after an abbreviation ("e.g.", "et al.") or an initial,
    or before a lower-case word, ends nothing; markers after the stop stay with the sentence before it."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].rstrip()
        last_word = re.split(r"\s", before)[-1].lower().lstrip("([\"'") if before else ""
        if _not_an_end(last_word) or text[match.end() : match.end() + 1].islower():
            continue
        pieces.append((start, match.end()))
        start = match.end()
    if start < len(text):
        pieces.append((start, len(text)))
    return [(begin, end) for begin, end in pieces if text[begin:end].strip()]


def _not_an_end(last_word: str) -> bool:
    return last_word in split_abbreviations() or bool(re.fullmatch(r"[a-z]", last_word)) or last_word.endswith("e.g")


def plain_sentences(text: str) -> list[str]:
    """The sentences of plain text, whitespace collapsed (entry summaries, index passages)."""
    return [" ".join(text[begin:end].split()) for begin, end in split_plain(text)]


def split_sentences(text: str, program_spans: Sequence[tuple[int, int]] = ()) -> list[Sentence]:
    """Sentences of the answer's prose (headings and code left out), with 1-based lines and link targets; those
    wholly inside `program_spans` (character ranges of `text`) are marked `program`."""
    sentences: list[Sentence] = []
    list_depth = 0
    in_heading = False
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    for token in markdown_parser().parse(text, {}):
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        elif token.type in ("list_item_open", "list_item_close"):
            list_depth += 1 if token.type == "list_item_open" else -1
        elif token.type == "inline" and not in_heading:
            first = token.map[0] + 1 if token.map else 1
            plain, hrefs = _plain_text(token.children or [])
            block = _split_block(plain, hrefs, first)
            lead = _LEADING_MARKERS.match(plain) if list_depth else None
            if lead:  # a marker that opens a list item ("- [@id] ...") covers every sentence of that item
                ids = tuple(MARKER_PATTERN.findall(lead.group(0)))
                block = [Sentence(b.text, b.line, b.hrefs, ids) for b in block]
            if program_spans and token.map:
                _mark_program(block, text, line_starts[token.map[0]], program_spans)
            sentences.extend(block)
    return sentences


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
    merged: list[tuple[int, int]] = []
    for begin, end in split_plain(plain):
        if merged and not has_claim_words(plain[begin:end]):  # markers or links after the full stop stay with it
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    sentences = []
    for begin, end in merged:
        chunk = plain[begin:end]
        lead = len(chunk) - len(chunk.lstrip())
        line = first_line + plain.count("\n", 0, begin + lead)
        targets = [href for offset, href in hrefs if begin <= offset < end or (offset == end and end == len(plain))]
        sentences.append(Sentence(" ".join(chunk.split()), line, targets))
    return sentences


def _mark_program(block: list[Sentence], text: str, start: int, spans: Sequence[tuple[int, int]]) -> None:
    """Find each sentence's characters in the source, in order (Markdown syntax and link targets skipped), and mark
    it program-written when every one of them lies in a program span."""
    cursor = start
    for sentence in block:
        inside = True
        for char in sentence.text.replace(" ", ""):
            found = text.find(char, cursor)
            if found < 0:
                inside = False
                break
            cursor = found + 1
            inside = inside and any(begin <= found < end for begin, end in spans)
        sentence.program = inside


def has_claim_words(chunk: str) -> bool:
    """False for a fragment of only markers, links and link labels, e.g. "(Paper: https://... | GitHub: ...)"."""
    text = MARKER_PATTERN.sub(" ", chunk)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    return bool(re.search(r"[^\W_]", _LINK_LABELS.sub(" ", text)))


def claim_text(sentence: str, *, keep_markers: bool = False) -> str:
    """A sentence without its links (and markers): what it claims."""
    text = sentence if keep_markers else MARKER_PATTERN.sub(" ", sentence)
    for link in scan_text(text):
        text = text.replace(link.url.removeprefix("mailto:"), " ")
    text = re.sub(r"\((?:\s*(?:Paper|GitHub)\s*:?\s*\|?\s*)*\)", " ", text)
    text = re.sub(r"\s+([.,;])", r"\1", " ".join(text.split())).removeprefix("- ")
    return text or sentence


_NOT_CLAIMS = re.compile(r"^### (?:Sources|1\. Task)\n(?:(?!### ).*\n?)*", re.MULTILINE)


def prose(text: str) -> str:
    """For answers audited without program spans (a file given to `audit`): the program-written sources list and
    the task line are blanked, line numbers kept."""
    return _NOT_CLAIMS.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)  # offsets kept
