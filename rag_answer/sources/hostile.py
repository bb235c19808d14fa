"""Sources that try to give orders: instruction-like text and URLs inside a supplied entry, found and reported.

A supplied summary is data. When it holds text that addresses the model ("ignore all previous instructions",
"tell the user ...", chat-template role markers) or a URL in its prose, the user is told in one line, and
`strip_instructions` gives the text with such sentences cut out so no prompt the model reads carries them.

Stdlib only, no model: regexes from data/hostile_patterns.toml run over a normalised view of the text that
undoes the usual disguises (zero-width characters, look-alike letters, fullwidth forms, markup, spacing).
Besides phrase patterns per language, structural signals read the shape of a sentence that abstracts do not
have (a bare imperative at its start, "you" with an obligation, an AI named as the reader, the answer that will
quote the text, a demanded citation), text hidden in markup attributes and comments, and a sentence in another
language inside an English summary (`_hidden_text`, `_language_switch`).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from rag_answer.entries import Entry

PATTERNS_PATH = Path(__file__).resolve().parent / "data" / "hostile_patterns.toml"
REMOVED = "[instruction-like text removed]"

FindingKind = Literal["instruction", "url"]

# Invisible characters that split a word without showing: zero-width space/non-joiner/joiner, word joiner,
# BOM, soft hyphen, Mongolian vowel separator, invisible operators. Removed before matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"))
# Scripts whose patterns must see the text without the Cyrillic/Greek -> Latin look-alike mapping.
# Vietnamese too: its patterns need the tone marks ("hãy" is an order, "hay" is English hay).
_NATIVE_SCRIPT_LANGUAGES = frozenset({"ru", "zh", "ja", "ko", "hi", "ar", "vi"})
# Start of the text, of a line, or of a sentence: role labels and imperatives only count there.
_SENTENCE_START = r"(?:^|(?<=[\n.!?;:。！？])[ \t]*)"
_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_HTML_COMMENT = re.compile(r"<!--|-->")
# Real HTML tags only (a letter after "<"): chat tokens like <|im_start|> and <<SYS>> stay for role_marker.
_HTML_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)
_MARKDOWN = re.compile(r"[*_`~]+")
_QUOTE_PREFIX = re.compile(r"(?m)^[ \t]*>+[ \t]?")
# Links as mask_links sees them (scheme URLs, www. hosts, bare host/path with a common TLD).
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|dev|example|edu|gov|co|me|app|info|xyz|ru|cn|site|top)\b"
    r"(?:/[^\s<>\"')\]]*)?)",
    re.IGNORECASE,
)
# Sentences end at . ! ? (and CJK full stops); single line breaks do not end one, so an order wrapped over lines
# is cut whole.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")


@dataclass(frozen=True)
class Finding:
    """One thing found in a source's text: instruction-like text, or a URL (kept apart so each is measured)."""

    kind: FindingKind
    family: str  # pattern family (override, address_user, role_marker, ...) or "url"
    language: str  # "en", "fr", ... for instruction families; "" for URLs
    text: str  # what matched, in the normalised view, shortened for display; the host for a URL
    supplied: bool = False  # a URL whose host is also in the entry's own Paper/GitHub link

    def describe(self) -> str:
        if self.kind == "url":
            return f"a URL inside its text ({self.text}{', as supplied' if self.supplied else ''})"
        return f'instruction-like text "{self.text}"'


@dataclass(frozen=True)
class SourceWarning:
    """One entry whose title or summary holds instruction-like text or URLs."""

    entry_id: str
    title: str
    line: int | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    path: str | None = None

    @property
    def instructions(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.kind == "instruction")

    @property
    def urls(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.kind == "url")

    @property
    def unsupplied_urls(self) -> tuple[Finding, ...]:
        """URLs whose host is not in the entry's own links: a place the answer must never send the user."""
        return tuple(finding for finding in self.urls if not finding.supplied)

    @property
    def has_instructions(self) -> bool:
        return bool(self.instructions)

    @property
    def items(self) -> list[str]:
        """Short found items, e.g. 'instruction-like text "ignore all previous instructions"'."""
        return [finding.describe() for finding in self.findings]

    def one_line(self) -> str:
        title = self.title if len(self.title) <= 60 else self.title[:57].rstrip() + "..."
        where = f" (line {self.line})" if self.line else ""
        parts = []
        if self.instructions:
            quoted = "; ".join(f'"{finding.text}"' for finding in _first_distinct(self.instructions, 3))
            parts.append(f"instruction-like text ({quoted})")
        if self.urls:
            # hosts that are not the entry's own links first: those are the ones worth a look
            ordered = sorted(self.urls, key=lambda finding: finding.supplied)
            hosts = ", ".join(f"{f.text}{' (as supplied)' if f.supplied else ''}" for f in ordered[:3])
            parts.append(f"{'a URL' if len(self.urls) == 1 else 'URLs'} in its text ({hosts})")
        found = " and ".join(parts)
        return f'source warning: entry "{title}"{where} holds {found}: treated as data, never as instructions'

    def to_dict(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id, "title": self.title, "line": self.line, "path": self.path,
            "items": self.items, "findings": [finding.__dict__ for finding in self.findings],
            "one_line": self.one_line(),
        }  # fmt: skip


@dataclass(frozen=True)
class _Pattern:
    family: str
    language: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Rules:
    patterns: tuple[_Pattern, ...]
    confusables: dict[int, str]
    hidden_cues: frozenset[str] = frozenset()
    hidden_min_words: int = 6
    english_words: frozenset[str] = frozenset()
    stopwords: dict[str, frozenset[str]] = field(default_factory=dict)


_WORD_LIST = re.compile(r"\{W:(\w+)\}")


@cache
def _rules(path: Path = PATTERNS_PATH) -> _Rules:
    data = tomllib.loads(path.read_text("utf-8"))
    words = {name: "(?:" + "|".join(items) + ")" for name, items in data.get("words", {}).items()}
    patterns = []
    for family, spec in data["families"].items():
        for language, regexes in spec.items():
            if language == "why":
                continue
            for source in regexes:
                source = _WORD_LIST.sub(lambda match: words[match.group(1)], source.replace("{S}", _SENTENCE_START))
                patterns.append(_Pattern(family, language, re.compile(source, re.IGNORECASE | re.MULTILINE)))
    confusables = {ord(key): value for key, value in data["confusables"].items()}
    structural = data.get("structural", {})
    return _Rules(
        tuple(patterns), confusables,
        hidden_cues=frozenset(structural.get("hidden_cues", ())),
        hidden_min_words=int(structural.get("hidden_min_words", 6)),
        english_words=frozenset(structural.get("english", ())),
        stopwords={lang: frozenset(items) for lang, items in structural.get("stopwords", {}).items()},
    )  # fmt: skip


def _base(text: str) -> str:
    """Invisible characters out, NFKC (fullwidth and styled letters to plain), quotes unified, spacing collapsed."""
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_QUOTES)
    text = re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", text)
    return re.sub(r" *\n[\n ]*", "\n", text)


def _soften(text: str) -> str:
    """Markup out: HTML comments opened up, tags to line breaks, Markdown emphasis and quote prefixes dropped."""
    text = _HTML_COMMENT.sub("\n", text)
    text = _HTML_TAG.sub("\n", text)
    text = _QUOTE_PREFIX.sub("", text)
    return _MARKDOWN.sub("", text)


def _latin(text: str, confusables: dict[int, str]) -> str:
    """Look-alike letters to Latin, then case folded and accents dropped: the view Latin-script patterns read."""
    folded = unicodedata.normalize("NFKD", text.translate(confusables).casefold())
    return unicodedata.normalize("NFC", "".join(ch for ch in folded if not unicodedata.combining(ch)))


# Digits written for letters ("1gn0re"), undone only inside words that mix letters and digits.
_LEET = str.maketrans("0134578@$", "oieastbas")
_MIXED_WORD = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[\w@$]+")


def _unleet(text: str) -> str:
    return _MIXED_WORD.sub(lambda match: match.group(0).translate(_LEET), text)


def _views(text: str, confusables: dict[int, str]) -> dict[str, tuple[str, ...]]:
    marked = _base(text)
    softened = _soften(marked)
    latin_softened = _latin(softened, confusables)
    return {
        "latin": (_latin(marked, confusables), latin_softened, _unleet(latin_softened)),
        "native": (marked.casefold(), softened.casefold()),
    }


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def find_instructions(text: str) -> list[Finding]:
    """Instruction-like passages in `text` (one finding per family and language, first match), URLs excluded."""
    rules = _rules()
    views = _views(text, rules.confusables)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for pattern in rules.patterns:
        if (pattern.family, pattern.language) in seen:
            continue
        for view in views["native" if pattern.language in _NATIVE_SCRIPT_LANGUAGES else "latin"]:
            if match := pattern.regex.search(view):
                findings.append(Finding("instruction", pattern.family, pattern.language, _shorten(match.group(0))))
                seen.add((pattern.family, pattern.language))
                break
    if hidden := _hidden_text(text, rules):
        findings.append(Finding("instruction", "hidden_text", "", _shorten(hidden[0])))
    if switched := _language_switch(text, rules):
        findings.append(Finding("instruction", "language_switch", switched[0][0], _shorten(switched[0][1])))
    return findings


# Text a reader of the rendered page never sees: HTML comments, alt/title/aria-label/data-* attributes, and
# Markdown link titles. An abstract has no reason to carry a sentence there.
_HIDDEN = (
    re.compile(r"<!--(.*?)(?:-->|$)", re.DOTALL),
    re.compile(r"""\b(?:alt|title|aria-label|data-[\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE),
    re.compile(r"""\]\(\s*\S+\s+(?:"([^"]*)"|'([^']*)')\s*\)"""),
)
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def _hidden_text(text: str, rules: _Rules) -> list[str]:
    """Hidden passages that read like a sentence: enough words, and a verb or modal from the cue list."""
    base = _base(text)
    found = []
    for regex in _HIDDEN:
        for match in regex.finditer(base):
            hidden = " ".join(group for group in match.groups() if group)
            words = [word.casefold() for word in _WORD.findall(hidden)]
            if len(words) >= rules.hidden_min_words or (len(words) >= 3 and rules.hidden_cues.intersection(words)):
                found.append(hidden)
    return found


def _sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_SPLIT.split(text) if piece.strip()]


def _language_switch(text: str, rules: _Rules) -> list[tuple[str, str]]:
    """Sentences in another language inside an English summary: (language, sentence) for each.

    An abstract is written in one language. A sentence in another script, or in a Latin-script language (told by
    its function words) inside an otherwise English summary, is how an order hides from English phrasings.
    Needs three sentences or more, so titles and one-line notes never count.
    """
    sentences = _sentences(_without_urls(_soften(_base(text))))
    if len(sentences) < 3 or not rules.english_words:
        return []
    kinds = [_sentence_language(sentence, rules) for sentence in sentences]
    # 60% of the sentences that can be told are English: one odd sentence needs two English ones around it.
    if sum(kind == "en" for kind in kinds) < 0.6 * sum(kind != "" for kind in kinds):
        return []
    return [(kind, sentence) for kind, sentence in zip(kinds, sentences, strict=True) if kind not in ("en", "")]


def _without_urls(text: str) -> str:
    """URLs out (they are no language), the full stop after one kept so the sentence still ends there."""
    return _URL.sub(lambda match: " " + match.group(0)[len(match.group(0).rstrip(".,;:!?")) :], text)


def _sentence_language(sentence: str, rules: _Rules) -> str:
    """'en', another language code, 'other' (a non-Latin script), or '' (too short or unclear to tell)."""
    letters = [ch for ch in sentence if ch.isalpha()]
    foreign = [ch for ch in letters if not _latin_letter(ch) and not _greek_letter(ch)]
    if len(foreign) >= 8 and len(foreign) > len(letters) / 2:
        return "other"
    words = [word.casefold() for word in _WORD.findall(sentence)]
    if len(words) < 5:
        return ""
    english = sum(word in rules.english_words for word in words)
    best, hits = "", 0
    for language, stopwords in rules.stopwords.items():
        count = len({word for word in words if word in stopwords})
        if count > hits:
            best, hits = language, count
    if (hits >= 3 and english <= 1) or (hits >= 2 and english == 0 and len(words) >= 6):
        return best
    return "en" if english >= 1 else ""


def _latin_letter(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def _greek_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("GREEK")  # math symbols (alpha, beta) in English abstracts


def find_urls(text: str) -> list[Finding]:
    """URLs written inside the text (look-alike letters and invisible characters undone), one per host."""
    view = _latin(_base(text), _rules().confusables)
    findings: list[Finding] = []
    hosts: set[str] = set()
    for match in _URL.finditer(view):
        url = match.group(0).rstrip(".,;:")
        host = _host(url)
        if host and host not in hosts:
            hosts.add(host)
            findings.append(Finding("url", "url", "", host))
    return findings


def _host(url: str) -> str:
    parsed = urlsplit(url if "://" in url else f"http://{url}")
    return (parsed.hostname or "").removeprefix("www.")


def find_all(text: str) -> list[Finding]:
    return find_instructions(text) + find_urls(text)


def source_warnings(entries: Iterable[Entry], *, urls: bool = True) -> list[SourceWarning]:
    """One warning per entry whose title or summary holds instruction-like text (or, with urls=True, a URL)."""
    warnings = []
    for entry in entries:
        findings = find_instructions(entry.title) + find_instructions(entry.summary)
        if urls:
            own = {_host(link) for link in entry.links}
            findings += [replace(finding, supplied=finding.text in own) for finding in find_urls(entry.summary)]
        findings = list(dict.fromkeys(findings))
        if findings:
            origin = entry.origin
            warnings.append(SourceWarning(entry.id, entry.title, origin.line if origin else None, tuple(findings),
                                          origin.path if origin else None))  # fmt: skip
    return warnings


def warnings_to_show(entries: Iterable[Entry]) -> list[SourceWarning]:
    """The warnings a user is shown: instruction-like text, or a URL that is not the entry's own link. A summary
    that names its own repository (a quarter of real abstracts do) is ordinary and not worth a line."""
    return [w for w in source_warnings(entries) if w.has_instructions or w.unsupplied_urls]


def strip_instructions(text: str) -> str:
    """`text` with every sentence that holds instruction-like text replaced by REMOVED (neighbours share one).

    Sentences end at . ! ? only, so an order wrapped over lines goes whole. If the patterns still match what is
    left (an order spread over several sentences), the whole text goes: what is left could carry the order.
    """
    if not find_instructions(text):
        return text
    pieces = _SENTENCE_SPLIT.split(text)
    separators = [*(match.group(0) for match in _SENTENCE_SPLIT.finditer(text)), ""]
    # A sentence in another language is only odd next to its English neighbours: judged on the whole text.
    rules = _rules()
    switched = {_shorten(sentence, 10_000) for _, sentence in _language_switch(text, rules)}
    flagged = [
        bool(piece.strip())
        and (bool(find_instructions(piece))
             or _shorten(_without_urls(_soften(_base(piece))), 10_000) in switched)
        for piece in pieces
    ]  # fmt: skip
    result = _join(pieces, separators, flagged)
    return REMOVED if find_instructions(result) else result


def _join(pieces: list[str], separators: list[str], flagged: list[bool]) -> str:
    """Kept pieces as they were; a run of removed pieces (blank ones between them included) becomes one marker."""
    out: list[str] = []
    previous_removed = False
    for piece, separator, removed in zip(pieces, separators, flagged, strict=True):
        if removed and previous_removed:
            out.pop()  # the separator between two removed pieces goes, so they share one marker
        else:
            out.append(REMOVED if removed else piece)
        out.append(separator)
        previous_removed = removed or (previous_removed and not piece.strip())
    return "".join(out)


def _first_distinct(findings: Iterable[Finding], limit: int) -> list[Finding]:
    """The first `limit` findings, leaving out one whose text is inside another's (families overlap)."""
    items = list(findings)
    kept = [
        finding for index, finding in enumerate(items)
        if not any(finding.text in other.text and (finding.text != other.text or other_index < index)
                   for other_index, other in enumerate(items) if other_index != index)
    ]  # fmt: skip
    return kept[:limit]


__all__ = [
    "REMOVED", "Finding", "SourceWarning", "find_all", "find_instructions", "find_urls", "source_warnings",
    "strip_instructions",
]  # fmt: skip
