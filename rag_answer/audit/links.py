"""Finding every link in an answer: Markdown structure from markdown-it-py, bare forms from a scanner.

Pure and fast: no embedder. `extract_links(text)` returns one FoundLink per link as written, in order:
inline, reference-style and autolinks, images, HTML attributes (href, src, ...), link titles, and in plain
text, inline code and code blocks the bare forms: scheme URLs, www. and bare domains, e-mail addresses,
arXiv ids (with or without an "arXiv:" prefix) and DOIs. URLs written inside a link's text are returned
too, with kind "link_text" and the link's target, text and target can be compared.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from rag_answer.audit.normalize import ARXIV_NEW, ARXIV_OLD

LINK_KINDS = (
    "markdown_inline",  # [text](target)
    "markdown_reference",  # [text][label] with "[label]: target"
    "reference_definition",  # a "[label]: target" no link uses
    "autolink",  # <https://...>
    "image",  # ![alt](src)
    "link_title",  # a URL inside a link's or image's title
    "link_text",  # a URL inside a link's text; `target` holds the link's target
    "html_attribute",  # <a href=...>, <img src=...>, ...
    "bare_url",  # scheme://... in text or code
    "bare_domain",  # www.example.com/..., github.com/owner/repo
    "email",  # name@example.com
    "arxiv_id",  # arXiv:2502.02500, 2502.02500v1
    "doi",  # 10.1234/abc, doi:10.1234/abc
)


@dataclass(frozen=True)
class FoundLink:
    """One link as written in the text: its target, how it was written, and its 1-based line."""

    url: str
    kind: str
    line: int
    text: str | None = None  # the link text, alt text, or None
    target: str | None = None  # for kind "link_text": the target of the link whose text holds this URL


_STOP = r"[^\s<>\"'`]"
_KNOWN_TLDS_WORDS = (
    "com net org edu gov mil int io ai dev app co me info biz xyz site online tech page cloud ly gl gg tv "
    "fm us uk de fr jp cn ru in ca au eu nl ch se no es it br kr be at dk fi ie nz za mx ar cz hu gr ro "
    "tr ua il sg hk tw vn id th my ph ir pk ng ke eg sa ae to ws la sc nu tk ml ga cf cx su is lt lv "
    "ee sk si hr rs bg by kz uz am ge az li lu mc pro name mobi asia museum aero coop jobs travel xxx "
    "science news blog shop store space website wiki live life world today academy email art design "
    "studio codes software network systems solutions club social "
)
_KNOWN_TLDS = frozenset(_KNOWN_TLDS_WORDS.split())
_NONWEB_SCHEMES = (
    "javascript|vbscript|livescript|data|file|blob|filesystem|mailto|tel|sms|intent|about|chrome|view-source|jar|"
    "ws|wss|ftp|sftp|ssh|git|svn|smb|ldap|gopher|irc|magnet|market|itms|steam|https?"
)
_SCANNERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bare_url", re.compile(rf"(?<![\w.-])(?:{_NONWEB_SCHEMES}):{_STOP}+", re.IGNORECASE)),
    ("bare_url", re.compile(rf"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.\-]*://{_STOP}+")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[^\W_][\w-]*\.)+[^\W\d_]{2,}")),
    ("bare_domain", re.compile(rf"(?<![\w.@/:-])www\.{_STOP}+", re.IGNORECASE)),
    (
        "bare_domain",
        re.compile(
            rf"(?<![\w.@/:\\-])(?:[^\W_](?:[\w-]{{0,61}}[^\W_])?\.)+(?P<tld>[^\W\d_]{{2,63}})(?![\w-])"
            rf"(?::\d+)?(?:[/?#]{_STOP}*)?"
        ),
    ),
    ("doi", re.compile(rf"(?<![\w./-])(?:doi\s*:\s*)?10\.\d{{4,9}}/{_STOP}+", re.IGNORECASE)),
    ("arxiv_id", re.compile(rf"\barxiv\s*[:.]?\s*(?:\d{{4}}\.\d+|{ARXIV_OLD})(?:v\d+)?(?![\w])", re.IGNORECASE)),
    ("arxiv_id", re.compile(rf"(?<![\w./-]){ARXIV_NEW}(?:v\d+)?(?![\w]|\.\d)")),
)
_TRAILING = ".,;:!?'\"*_~"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_URL_ATTRIBUTES_WORDS = (
    "href src srcset action formaction cite data poster background xlink:href longdesc manifest ping icon "
    "codebase archive lowsrc dynsrc usemap profile classid "
)
_URL_ATTRIBUTES = frozenset(_URL_ATTRIBUTES_WORDS.split())
_ATTRIBUTE = re.compile(r"([^\s=<>/\"']+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+))")
_META_REFRESH_URL = re.compile(r"url\s*=\s*(\S+)", re.IGNORECASE)


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """CommonMark with raw HTML on, linkify off (bare forms are found by the scanner), and links kept as written.

    markdown-it-py refuses `javascript:` and similar targets by default and would leave them as text; the
    auditor must see them, every target is accepted and left un-normalized.
    """
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False})
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    parser.normalizeLink = lambda url: url  # type: ignore[method-assign]
    parser.normalizeLinkText = lambda url: url  # type: ignore[method-assign]
    return parser


def extract_links(text: str) -> list[FoundLink]:
    """Every link in `text`, in every written form, in document order."""
    env: dict[str, Any] = {}
    tokens = markdown_parser().parse(text, env)
    references = env.get("references", {})
    reference_hrefs = {ref["href"] for ref in references.values()}
    used: set[str] = set()
    found: list[FoundLink] = []
    for token in tokens:
        first = token.map[0] + 1 if token.map else 1
        if token.type == "inline":
            found.extend(_inline_links(token, first, reference_hrefs, used))
        elif token.type == "fence":
            found.extend(scan_text(token.info, first))
            found.extend(scan_text(token.content, first + 1))
        elif token.type == "code_block":
            found.extend(scan_text(token.content, first))
        elif token.type == "html_block":
            found.extend(scan_html(token.content, first))
    for label, ref in references.items():
        line = ref["map"][0] + 1 if ref.get("map") else 1
        if ref["href"] not in used:  # a used definition is reported where it is used, with its title
            found.append(FoundLink(ref["href"], "reference_definition", line, text=label))
            if ref.get("title"):
                found.extend(_retyped(scan_text(ref["title"], line), "link_title"))
    found.sort(key=lambda link: link.line)
    return found


def _inline_links(token: Token, first_line: int, reference_hrefs: set[str], used: set[str]) -> list[FoundLink]:
    found: list[FoundLink] = []
    line = first_line
    plain: list[str] = []
    plain_line = first_line
    stack: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal plain_line
        if plain:
            found.extend(scan_text("".join(plain), plain_line))
            plain.clear()
        plain_line = line

    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            if stack:
                stack[-1]["text"].append(" ")
            else:
                plain.append("\n")
            line += 1
        elif kind == "link_open":
            flush()
            stack.append({"href": str(child.attrs.get("href", "")), "title": child.attrs.get("title"), "line": line,
                          "markup": child.markup, "text": []})  # fmt: skip
        elif kind == "link_close" and stack:
            found.extend(_close_link(stack.pop(), reference_hrefs, used))
            plain_line = line
        elif kind == "image":
            flush()
            alt = "".join(grand.content for grand in child.children or [])
            src = str(child.attrs.get("src", ""))
            found.append(FoundLink(src, "image", line, text=alt))
            found.extend(scan_text(alt, line))
            if child.attrs.get("title"):
                found.extend(_retyped(scan_text(str(child.attrs["title"]), line), "link_title"))
        elif kind == "html_inline":
            flush()
            found.extend(scan_html(child.content, line))
        elif kind in ("text", "text_special", "code_inline"):
            content = child.content if kind != "code_inline" else f" {child.content} "
            if stack:
                stack[-1]["text"].append(content)
            else:
                if not plain:
                    plain_line = line
                plain.append(content)
    flush()
    while stack:  # an unclosed link (never produced by markdown-it, but never lose a target)
        found.extend(_close_link(stack.pop(), reference_hrefs, used))
    return found


def _close_link(link: dict[str, Any], reference_hrefs: set[str], used: set[str]) -> list[FoundLink]:
    href, line, text = link["href"], link["line"], "".join(link["text"])
    found: list[FoundLink] = []
    if link["markup"] == "autolink":
        found.append(FoundLink(href, "autolink", line, text=text))
        return found
    kind = "markdown_reference" if href in reference_hrefs else "markdown_inline"
    if kind == "markdown_reference":
        used.add(href)
    found.append(FoundLink(href, kind, line, text=text))
    for inner in scan_text(text, line):
        found.append(FoundLink(inner.url, "link_text", line, text=text, target=href))
    if link["title"]:
        found.extend(_retyped(scan_text(str(link["title"]), line), "link_title"))
    return found


def _retyped(links: list[FoundLink], kind: str) -> list[FoundLink]:
    return [FoundLink(link.url, kind, link.line, text=link.url) for link in links]


def scan_html(content: str, first_line: int) -> list[FoundLink]:
    """URLs in HTML attributes (entity-decoded), then bare forms in the rest of the HTML."""
    found: list[FoundLink] = []
    blanked = list(content)
    for match in _ATTRIBUTE.finditer(content):
        name = match.group(1).lower()
        value_group = next(group for group in (2, 3, 4) if match.group(group) is not None)
        value = html.unescape(match.group(value_group))
        line = first_line + content.count("\n", 0, match.start())
        values: list[str] = []
        if name in _URL_ATTRIBUTES:
            values = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
        elif name == "content" and (refresh := _META_REFRESH_URL.search(value)):
            values = [refresh.group(1)]
        if values:
            found.extend(FoundLink(item, "html_attribute", line, text=name) for item in values if item.strip())
            start, end = match.span(value_group)
            blanked[start:end] = " " * (end - start)
    rest = "".join(blanked)
    found.extend(scan_text(html.unescape(rest), first_line))
    return found


def scan_text(text: str, first_line: int = 1) -> list[FoundLink]:
    """Bare links in plain text: scheme URLs, domains, e-mail addresses, arXiv ids and DOIs."""
    if not text:
        return []
    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, str, str]] = []
    for kind, pattern in _SCANNERS:
        for match in pattern.finditer(text):
            start, end = match.start(), _trim_end(text, match.start(), match.end())
            if end <= start or any(start < stop and begin < end for begin, stop in taken):
                continue
            if kind == "bare_domain" and "tld" in pattern.groupindex and not _is_domain(match, text[start:end]):
                continue
            taken.append((start, end))
            url = text[start:end]
            if kind == "email":
                url = f"mailto:{url}"
            hits.append((start, url, kind))
    hits.sort()
    return [FoundLink(url, kind, first_line + text.count("\n", 0, start)) for start, url, kind in hits]


def _trim_end(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation and closing brackets that do not belong to the URL (as GFM autolinks do)."""
    while end > start:
        char = text[end - 1]
        if char in _TRAILING:
            end -= 1
        elif char in _PAIRS:
            segment = text[start:end]
            if segment.count(char) > segment.count(_PAIRS[char]):
                end -= 1
            else:
                break
        else:
            break
    return end


def _is_domain(match: re.Match[str], written: str) -> bool:
    """A dotted name is a domain when its TLD is known, a path follows, or it holds non-ASCII letters."""
    tld = match.group("tld")
    host = re.split(r"[:/?#]", written, maxsplit=1)[0]
    return tld.lower() in _KNOWN_TLDS or not tld.isascii() or len(host) < len(written) or not host.isascii()
