"""URL normalization and link verdicts: is a written link the same resource as a supplied one?

Pure and fast (no embedder, no network). The rules are documented in docs/audit.md; in short:

* scheme http/https are equal; an explicit default port (80 for http, 443 for https) is dropped;
* host: lower case, one leading ``www.`` and one trailing ``.`` dropped;
* path: RFC 3986 dot segments removed, unreserved percent-escapes decoded, other escapes upper-cased,
  trailing ``/`` and ``.git`` dropped; the fragment is dropped; the query is kept (except on arXiv and
  inside a GitHub repository);
* arXiv: ``arxiv.org/abs|pdf|html/ID[vN][.pdf]``, ``arXiv:ID``, a bare ``ID[vN]`` and the arXiv DOI
  ``10.48550/arXiv.ID`` all name the paper ``ID``, whatever the version;
* GitHub: ``github.com/OWNER/REPO`` (owner and repo case-insensitive, ``.git`` dropped) covers every
  path inside that repository; a user page ``github.com/OWNER`` covers only itself.

Everything else is rejected with a reason code (see ``REASONS``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag_answer.entries import Entry

# Reason codes a LinkVerdict can carry, with what they mean.
REASONS: dict[str, str] = {
    "supplied": "names the same resource as a supplied link",
    "not_supplied": "not one of the supplied links",
    "lookalike_host": "host imitates a supplied host",
    "non_ascii_host": "host holds non-ASCII characters (IDN or Unicode confusable)",
    "punycode_host": "host holds a punycode (xn--) label",
    "ip_host": "host is an IP address",
    "credentials": "URL carries credentials or an '@' in its authority",
    "port": "URL names a non-default port",
    "scheme": "non-web scheme",
    "relative": "relative link: not a supplied resource",
    "malformed": "malformed URL",
    "mismatch": "link text names a different resource than its target",
}

WEB_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

# arXiv identifiers: new style YYMM.NNNN(N) (YY >= 07, MM 01-12), old style archive(.SC)/YYMMNNN.
ARXIV_NEW = r"(?:0[7-9]|[1-9]\d)(?:0[1-9]|1[0-2])\.\d{4,5}"
ARXIV_OLD = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]{2})?/\d{7}"
_ARXIV_ID = re.compile(rf"(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?P<version>v\d+)?", re.IGNORECASE)
_ARXIV_TEXT = re.compile(
    rf"^(?:arxiv\s*[:.]?\s*)?(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?$",
    re.IGNORECASE,
)
_ARXIV_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format|ps)/(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?(?:\.pdf)?$", re.IGNORECASE
)
_ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org")
_ARXIV_PREFIX = re.compile(r"^arxiv\s*[:.]?\s*\d", re.IGNORECASE)
_DOI_TEXT = re.compile(r"^(?:doi\s*:\s*)?(?P<doi>10\.\d{4,9}/\S+)$", re.IGNORECASE)
_DOI_HOSTS = ("doi.org", "dx.doi.org")
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?$", re.IGNORECASE)
_GITHUB_HOSTS = ("github.com",)

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):")
_HOSTNAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_IPV4ISH = re.compile(r"^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}$")
_DOMAINISH = re.compile(r"^[^\s/?#@:]+\.[^\W\d_]{2,}(?::\d*)?(?:[/?#]|$)")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")

# Characters that look like Latin letters or digits, folded for look-alike detection only.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ℓ": "l", "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k",
        "ρ": "p", "τ": "t", "υ": "u", "ϲ": "c", "ɑ": "a", "ı": "i", "0": "o", "1": "l", "|": "l", "5": "s",
        "Ь": "b", "Һ": "h", "В": "b", "Н": "h", "М": "m", "Т": "t", "К": "k",
    }
)  # fmt: skip


@dataclass(frozen=True)
class LinkVerdict:
    """The verdict on one written link: accepted or not, why, and the supplied link it matched."""

    accepted: bool
    reason: str
    matched: str | None = None
    code: str = "not_supplied"
    key: str | None = None  # the normalized resource key, when the link could be normalized


@dataclass(frozen=True)
class AllowedLinks:
    """The supplied links, normalized once: resource key -> (supplied link, entry id or None)."""

    keys: dict[str, tuple[str, str | None]]
    exact: dict[str, tuple[str, str | None]]
    hosts: frozenset[str]
    links: tuple[str, ...] = field(default=())

    def lookup(self, key: str) -> tuple[str, str | None] | None:
        return self.keys.get(key)


class _Reject(Exception):
    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(code)


def allowed_link_set(entries: Iterable[Entry] | Iterable[str]) -> AllowedLinks:
    """Normalize every supplied link once. Accepts entries (with ids) or plain link strings."""
    keys: dict[str, tuple[str, str | None]] = {}
    exact: dict[str, tuple[str, str | None]] = {}
    hosts: set[str] = set()
    links: list[str] = []
    for item in entries:
        pairs: Sequence[tuple[str, str | None]] = (
            [(item, None)] if isinstance(item, str) else [(link, item.id) for link in item.links]
        )
        for link, entry_id in pairs:
            links.append(link)
            exact.setdefault(link.strip(), (link, entry_id))
            try:
                key, host = resource_key(link)
            except _Reject:
                continue  # an odd supplied link still matches itself exactly
            keys.setdefault(key, (link, entry_id))
            if host:
                hosts.add(host)
    return AllowedLinks(keys=keys, exact=exact, hosts=frozenset(hosts), links=tuple(links))


def check_link(url: str, supplied: AllowedLinks | Iterable[Entry] | Iterable[str]) -> LinkVerdict:
    """Accept `url` only when it names the same resource as a supplied link; never raises."""
    allowed = supplied if isinstance(supplied, AllowedLinks) else allowed_link_set(supplied)
    written = url.strip()
    if written in allowed.exact:
        link, _ = allowed.exact[written]
        return LinkVerdict(True, REASONS["supplied"], link, "supplied", None)
    try:
        key, host = resource_key(url)
    except _Reject as rejection:
        reason = REASONS[rejection.code] + (f": {rejection.detail}" if rejection.detail else "")
        return LinkVerdict(False, reason, None, rejection.code, None)
    found = allowed.lookup(key)
    if found is not None:
        return LinkVerdict(True, REASONS["supplied"], found[0], "supplied", key)
    if host and (imitated := _imitated_host(host, allowed.hosts)):
        return LinkVerdict(
            False, f"{REASONS['lookalike_host']}: {host} imitates {imitated}", None, "lookalike_host", key
        )
    return LinkVerdict(False, REASONS["not_supplied"], None, "not_supplied", key)


def entry_for(verdict: LinkVerdict, allowed: AllowedLinks) -> str | None:
    """The id of the entry whose supplied link an accepted verdict matched."""
    if not verdict.accepted:
        return None
    if verdict.key is not None and verdict.key in allowed.keys:
        return allowed.keys[verdict.key][1]
    for link, entry_id in allowed.exact.values():
        if link == verdict.matched:
            return entry_id
    return None


def resource_key(url: str) -> tuple[str, str | None]:
    """(resource key, normalized host or None); raises _Reject with a reason code."""
    text = _clean(url)
    if not text:
        raise _Reject("malformed", "empty link")
    if match := _ARXIV_TEXT.match(text):
        return f"arxiv:{match.group('id').lower()}", "arxiv.org"
    if _ARXIV_PREFIX.match(text):
        raise _Reject("malformed", "not an arXiv identifier")
    if match := _DOI_TEXT.match(text):
        return _doi_key(match.group("doi")), "doi.org"
    scheme, rest = _split_scheme(text)
    if not rest.startswith("//"):
        raise _Reject("malformed", "expected '//' after the scheme")
    if rest.startswith("///"):
        raise _Reject("malformed", "empty host")
    body = rest[2:]
    cut = min((i for i in (body.find("/"), body.find("?"), body.find("#")) if i >= 0), default=len(body))
    authority, tail = body[:cut], body[cut:]
    host = _host(authority, scheme)
    path, query = _path_and_query(tail)
    return _key_for(host, path, query), host


def _clean(url: str) -> str:
    """Trim ASCII whitespace and one pair of <>; whitespace or control characters inside are refused.

    Browsers also drop tabs and newlines inside a URL and leading C0 controls; the auditor is stricter
    and rejects such links, naming a hidden non-web scheme when dropping them would reveal one.
    """
    text = url.strip(" \t\n\r\x0c")
    text = text[1:-1].strip(" \t\n\r\x0c") if text.startswith("<") and text.endswith(">") else text
    if any(ch in text for ch in "\t\n\r"):
        squeezed = re.sub(r"[\x00-\x20]", "", text)
        scheme = _SCHEME.match(squeezed)
        if scheme and scheme.group("scheme").lower() not in WEB_SCHEMES and not _DOMAINISH.match(squeezed):
            raise _Reject("scheme", f"'{scheme.group('scheme').lower()}:' hidden by whitespace")
        raise _Reject("malformed", "whitespace inside URL")
    return text


def _split_scheme(text: str) -> tuple[str, str]:
    if "\\" in text:
        raise _Reject("malformed", "backslash in URL")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp") for ch in text):
        raise _Reject("malformed", "space or control character in URL")
    if text.startswith("//"):
        return "https", text
    match = _SCHEME.match(text)
    if match and not _DOMAINISH.match(text):
        scheme = match.group("scheme").lower()
        if scheme not in WEB_SCHEMES:
            raise _Reject("scheme", f"'{scheme}:'")
        return scheme, text[match.end() :]
    if _DOMAINISH.match(text) or _looks_like_host(text):
        return "https", "//" + text
    raise _Reject("relative")


def _looks_like_host(text: str) -> bool:
    first = re.split(r"[/?#]", text, maxsplit=1)[0]
    return "." in first and not first.startswith(".") and " " not in first and any(ch.isalpha() for ch in first)


def _host(authority: str, scheme: str) -> str:
    if "@" in authority:
        raise _Reject("credentials", authority.split("@")[0] + "@")
    if authority.startswith("["):
        raise _Reject("ip_host", authority)
    host, _, port = authority.partition(":")
    if _ != "" and port != _DEFAULT_PORTS[scheme]:
        raise _Reject("port", f":{port}" if port else "empty port")
    if "%" in host:
        raise _Reject(
            "non_ascii_host" if "%" in host and _has_high_escape(host) else "malformed", "percent-encoded host"
        )
    if not host:
        raise _Reject("malformed", "empty host")
    if not host.isascii():
        folded = unicodedata.normalize("NFKC", host).lower()
        raise _Reject("non_ascii_host", f"{host} (reads as {folded.translate(_CONFUSABLES)})")
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not _HOSTNAME.match(host):
        raise _Reject("malformed", f"host {host!r}")
    if _IPV4ISH.match(host):
        raise _Reject("ip_host", host)
    if any(label.startswith("xn--") for label in host.split(".")):
        raise _Reject("punycode_host", host)
    if "." not in host:
        raise _Reject("malformed", f"host {host!r} has no dot")
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def _has_high_escape(text: str) -> bool:
    return any(int(code, 16) >= 0x80 for code in _PERCENT.findall(text))


def _path_and_query(tail: str) -> tuple[str, str]:
    tail = tail.split("#", 1)[0]
    path, _, query = tail.partition("?")
    return _normalize_path(path), _normalize_escapes(query)


def _normalize_escapes(text: str) -> str:
    text = "".join(ch if ch.isascii() else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "replace")) for ch in text)

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(fix, text)


def _normalize_path(path: str) -> str:
    segments: list[str] = []
    for segment in _normalize_escapes(path).split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    while segments and segments[-1] == "":
        segments.pop()
    while segments and segments[0] == "":
        segments.pop(0)
    if segments and segments[-1].lower().endswith(".git"):
        segments[-1] = segments[-1][:-4]
        if not segments[-1]:
            segments.pop()
    return "/" + "/".join(segments)


def _doi_key(doi: str) -> str:
    doi = doi.rstrip("/")
    if match := _ARXIV_DOI.match(doi):
        return f"arxiv:{match.group('id').lower()}"
    return f"doi:{_normalize_escapes(doi).lower()}"


def _key_for(host: str, path: str, query: str) -> str:
    if host in _ARXIV_HOSTS and (match := _ARXIV_PATH.match(path)):
        return f"arxiv:{match.group('id').lower()}"
    if host in _DOI_HOSTS and path.startswith("/10."):
        return _doi_key(path[1:])
    if host in _GITHUB_HOSTS:
        parts = [part for part in path.split("/") if part]
        if len(parts) >= 2:
            repo = parts[1][:-4] if parts[1].lower().endswith(".git") else parts[1]
            return f"github:{parts[0].lower()}/{repo.lower()}"
        if len(parts) == 1:
            return f"github-user:{parts[0].lower()}"
    key = f"web:{host}{'' if path == '/' else path}"
    return f"{key}?{query}" if query else key


def _imitated_host(host: str, supplied_hosts: frozenset[str]) -> str | None:
    """The supplied host `host` imitates (look-alike), or None when it is simply another site."""
    if host in supplied_hosts:
        return None
    skeleton = _skeleton(host)
    for real in sorted(supplied_hosts):
        core = real.rsplit(".", 1)[0]  # "github" of "github.com"
        if (
            host.startswith(real + ".")
            or host.endswith("." + real)
            or real.replace(".", "-") in host
            or real.replace(".", "") in host.replace(".", "").replace("-", "")
            or _skeleton(real) == skeleton
            or (len(core) >= 4 and core in host.replace("-", "").replace(".", ""))
            or _edit_distance(host, real) <= 2
        ):
            return real
    return None


def _skeleton(host: str) -> str:
    return unicodedata.normalize("NFKC", host).lower().translate(_CONFUSABLES).replace("rn", "m").replace("vv", "w")


def _edit_distance(left: str, right: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off early above 3."""
    if abs(len(left) - len(right)) > 3:
        return 4
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
