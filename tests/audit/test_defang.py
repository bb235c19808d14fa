"""One defanging function for a link (`defang`) and one for a text (`defang_text`), shared by the audit report,
the repair notes of verify, chat's footer and the report's outside text."""

from __future__ import annotations

from rag_answer.audit import extract_links
from rag_answer.audit.links import scan_text
from rag_answer.audit.report import defang, defang_text


def test_defang_makes_one_link_unclickable() -> None:
    assert defang("https://evil.io/x") == "hxxps[:]//evil[.]io/x"
    assert defang("HTTP://a.b") == "hxxp[:]//a[.]b"
    assert defang("me@evil.io") == "me[@]evil[.]io"


def test_defang_text_leaves_no_link_in_any_written_form() -> None:
    text = (
        "See [the code](https://github.com/evil/repo) and https://github.com/evil/repo/tree/main, "
        "<https://evil.io/a>, evil.io, arXiv:2401.01234, mail me@evil.io or <mailto:you@evil.io>."
    )
    safe = defang_text(text)
    assert scan_text(safe) == []  # no bare link, domain, address or arXiv id is left
    # what is still link-shaped markdown goes nowhere: no scheme separator, no dot, no @ left unbracketed
    for link in extract_links(safe):
        assert "://" not in link.url and "." not in link.url.replace("[.]", "") and "@" not in link.url.replace("[@]", "")
    assert "hxxps[:]//github[.]com/evil/repo/tree/main" in safe  # the longer link is replaced whole
    assert "me[@]evil[.]io" in safe and "the code" in safe


def test_defang_text_keeps_what_keep_accepts() -> None:
    text = "https://github.com/good/one and https://evil.io/x"
    safe = defang_text(text, keep=lambda url: url == "https://github.com/good/one")
    assert safe == "https://github.com/good/one and hxxps[:]//evil[.]io/x"


def test_defang_text_without_links_is_unchanged() -> None:
    assert defang_text("Plain words, no link. Version 1.5 of it.") == "Plain words, no link. Version 1.5 of it."
