"""The link corpus: hand-written cases (link_cases.yaml) plus generated variants and attacks.

Done when: zero false accepts. Each case is checked with check_link, and each is also written into an answer
in several Markdown/HTML forms and run through extract_links + audit, so extraction is covered too.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

from rag_answer.audit import allowed_link_set, audit, check_link, extract_links
from rag_answer.sources import load_source

HERE = Path(__file__).parent
EXAMPLE = HERE.parents[1] / "examples" / "000_54cb972efbc5016b.txt"
ENTRIES = load_source(EXAMPLE).entries
ALLOWED = allowed_link_set(ENTRIES)
REPOS = ["yifeiyin04/Hi4D", "Kameronski/stable-diffusion-1.5", "lmietkiewicz/the-skin-game-research-paper"]
ARXIV_IDS = ["2502.02500", "2502.17093", "2303.15380"]


def _hand_written() -> tuple[list[str], list[tuple[str, str | None]]]:
    data = yaml.safe_load((HERE / "link_cases.yaml").read_text(encoding="utf-8"))
    accepted = [str(item) for item in data["accepted"]]
    rejected = [(item["url"], item.get("code")) for item in data["rejected"]]
    assert all(isinstance(url, str) for url in accepted + [url for url, _ in rejected]), "quote numeric cases"
    return accepted, rejected


def _generated_accepted() -> list[str]:
    cases = []
    schemes = ["https://", "http://", ""]
    hosts = ["github.com", "www.github.com", "GitHub.com", "WWW.GITHUB.COM"]
    suffixes = ["", "/", ".git", "/blob/main/README.md", "/tree/main/src", "/issues/1", "#readme", "?tab=readme"]
    for repo, scheme, host, suffix in itertools.product(REPOS, schemes, hosts, suffixes):
        cases.append(f"{scheme}{host}/{repo}{suffix}")
        cases.append(f"{scheme}{host}/{repo.lower()}{suffix}")
    for arxiv_id in ARXIV_IDS:
        for scheme, host, form, version in itertools.product(
            ["https://", "http://", ""],
            ["arxiv.org", "www.arxiv.org", "export.arxiv.org"],
            ["abs/{id}", "pdf/{id}", "pdf/{id}.pdf", "abs/{id}/", "html/{id}"],
            ["", "v1", "v2"],
        ):
            path = form.format(id=arxiv_id + version) if ".pdf" not in form else f"pdf/{arxiv_id}{version}.pdf"
            cases.append(f"{scheme}{host}/{path}")
        cases += [
            f"arXiv:{arxiv_id}",
            f"arXiv:{arxiv_id}v1",
            f"arxiv: {arxiv_id}",
            arxiv_id,
            f"{arxiv_id}v1",
            f"10.48550/arXiv.{arxiv_id}",
            f"https://doi.org/10.48550/arXiv.{arxiv_id}",
        ]
    return cases


LOOKALIKE_HOSTS = [
    "github.com.evil.io",
    "github.co",
    "githb.com",
    "gihtub.com",
    "githubb.com",
    "github-com.io",
    "evilgithub.com",
    "github.evil.io",
    "gist.github.com",
    "raw.githubusercontent.com",
    "github.io",
    "gitlab.com",
    "githu.com",
    "github.corn",
    "glthub.com",
    "github.org",
    "gіthub.com",
    "ɡithub.com",
    "githuƄ.com",
    "github.cοm",
    "xn--gthub-n4a.com",
    "github.com.",
    "github.com:8080",
    "github.com:22",
    "user@github.com",
    "github.com@evil.io",
    "github.com:443@evil.io",
    "140.82.112.3",
    "[2001:db8::1]",
    "github%2ecom",
]


def _generated_rejected() -> list[str]:
    cases = []
    for repo in REPOS:
        owner, name = repo.split("/")
        for host in LOOKALIKE_HOSTS:
            if host == "github.com.":
                continue  # the same host (a fully qualified name): accepted by rule
            cases.append(f"https://{host}/{repo}")
        cases += [
            f"https://github.com/{owner}",
            f"https://github.com/{owner}/",
            f"https://github.com/{owner}/{name}-evil",
            f"https://github.com/{owner}/{name}x",
            f"https://github.com/{owner}/{name[:-1]}",
            f"https://github.com/{owner}x/{name}",
            f"https://github.com/x{owner}/{name}",
            f"https://github.com/{name}/{owner}",
            f"https://github.com/{owner}/{name}/../other",
            f"https://github.com/{owner}/{name}/tree/../../../evil/{name}",
            f"https://github.com/evil/{name}",
            f"javascript:location='https://github.com/{repo}'",
            f"data:text/html,<a href=https://github.com/{repo}>",
            f"file:///github.com/{repo}",
            f"ftp://github.com/{repo}",
            f"https://github.com\\@evil.io/{repo}",
            f"https:github.com/{repo}",
            f"https://github.com/{owner}/{name}.git.evil",
            f"https://github.com/{owner}/{name}%2F..%2F..%2Fevil",
        ]
    for arxiv_id in ARXIV_IDS:
        yymm, number = arxiv_id.split(".")
        neighbours = [
            f"{yymm}.{int(number) + 1:05d}",
            f"{yymm}.{int(number) - 1:05d}",
            f"{yymm}.{number}1",
            f"{yymm}.{number[:-1]}",
            f"{int(yymm) + 1}.{number}",
        ]
        for other in neighbours:
            cases += [f"https://arxiv.org/abs/{other}", f"arXiv:{other}", other, f"https://arxiv.org/pdf/{other}v1.pdf"]
        for host in ["arxiv.org.evil.io", "arxlv.org", "arxiv.com", "аrxiv.org", "arxiv.org:8080", "me@arxiv.org"]:
            cases.append(f"https://{host}/abs/{arxiv_id}")
        cases += [
            f"https://huggingface.co/papers/{arxiv_id}",
            f"https://www.semanticscholar.org/arxiv/{arxiv_id}",
            f"https://arxiv.org/abs/{arxiv_id}/../../abs/2112.10752",
            f"10.48550/arXiv.{yymm}.{number}9",
        ]
    return cases


HAND_ACCEPTED, HAND_REJECTED = _hand_written()
ACCEPTED = HAND_ACCEPTED + _generated_accepted()
REJECTED = [url for url, _ in HAND_REJECTED] + _generated_rejected()


def test_corpus_is_large_enough() -> None:
    assert len(set(ACCEPTED)) + len(set(REJECTED)) >= 300
    assert len(set(REJECTED)) >= 250
    assert not set(ACCEPTED) & set(REJECTED)


def test_zero_false_accepts() -> None:
    false_accepts = [(url, check_link(url, ALLOWED)) for url in REJECTED if check_link(url, ALLOWED).accepted]
    assert false_accepts == []


def test_accepted_variants() -> None:
    false_rejects = [
        (url, check_link(url, ALLOWED).reason) for url in ACCEPTED if not check_link(url, ALLOWED).accepted
    ]
    assert false_rejects == []


@pytest.mark.parametrize(("url", "code"), [case for case in HAND_REJECTED if case[1]], ids=lambda value: repr(value))
def test_rejection_reason(url: str, code: str) -> None:
    verdict = check_link(url, ALLOWED)
    assert not verdict.accepted
    assert verdict.code == code, verdict.reason


def test_accepted_links_name_their_entry() -> None:
    verdict = check_link("https://arxiv.org/abs/2303.15380v2", ALLOWED)
    assert verdict.matched == "http://arxiv.org/pdf/2303.15380v1.pdf"
    findings = audit("see https://github.com/yifeiyin04/Hi4D/blob/main/x.py", ENTRIES, claims=False).links
    assert [finding.entry_id for finding in findings] == ["hi4d-4d-instance"]


def _written_forms(url: str, *, bare: bool = True) -> list[str]:
    forms = [
        f"See [the code]({url}) for details.",
        f'See <a href="{url}">the code</a>.',
        f"See [the code][ref].\n\n[ref]: {url}\n",
        f'See ![figure]({url} "Figure").',
    ]
    if "://" in url or url.startswith(("javascript:", "data:", "mailto:")):
        forms.append(f"See <{url}> for details.")
    if bare:
        forms += [
            f"See {url} for details.",
            f"See [the code](https://github.com/yifeiyin04/Hi4D '{url}').",
            f"Code:\n\n```\n{url}\n```\n",
            f"Run `curl {url}`.",
        ]
    return forms


def _bare_is_a_link(url: str) -> bool:
    """Whether `url` written alone in prose is a link at all (a relative path or a 6-digit 'id' is not)."""
    if check_link(url, ALLOWED).code == "relative":
        return False
    return not re.fullmatch(r"\d{4}\.\d{6,}|[\w-]+\.(?:md|py|txt)", url)


def _safe_in_text(url: str) -> bool:
    return not any(char in url for char in " <>\"'`()[]\\\t\n")


@pytest.mark.parametrize("url", sorted({url for url in REJECTED if url and _safe_in_text(url)}))
def test_rejected_in_every_written_form(url: str) -> None:
    for text in _written_forms(url, bare=_bare_is_a_link(url)):
        report = audit(text, ENTRIES, claims=False)
        assert report.rejected_links, f"no rejected link in {text!r}: {report.links}"
        assert report.exit_code() == 1
        if "](" in text and "'" not in text and "\n" not in text and "`" not in text:
            inline = [finding for finding in report.links if finding.url == url]
            assert inline and not any(finding.accepted for finding in inline), text


@pytest.mark.parametrize("url", sorted({url for url in ACCEPTED if _safe_in_text(url) and "://" in url}))
def test_accepted_in_every_written_form(url: str) -> None:
    for text in _written_forms(url):
        report = audit(text, ENTRIES, claims=False)
        assert not report.rejected_links, (text, report.rejected_links)
        assert report.links, text


def test_example_supplied_links_in_all_forms(example) -> None:
    forms = []
    for link in example.links:
        forms += _written_forms(link)
    forms += [
        "arXiv:2502.02500",
        "2502.02500v1",
        "arXiv 2303.15380",
        "github.com/yifeiyin04/Hi4D",
        "www.github.com/Kameronski/stable-diffusion-1.5.git",
        "doi:10.48550/arXiv.2502.17093",
    ]
    report = audit("\n\n".join(forms), example, claims=False)
    assert report.links and not report.rejected_links
    assert report.exit_code() == 0
    assert {finding.entry_id for finding in report.links} == {entry.id for entry in example.entries}


@pytest.mark.parametrize(
    "invented",
    [
        "https://github.com/CompVis/stable-diffusion",
        "arXiv:2112.10752",
        "https://arxiv.org/abs/2112.10752",
        "2112.10752",
    ],
)
def test_invented_links_are_rejected(example, invented: str) -> None:
    text = f"Stable Diffusion [@txt2img-stablediffusionv1] is described in {invented}."
    report = audit(text, example, claims=False)
    assert [finding.url for finding in report.rejected_links] == [invented]
    assert report.exit_code() == 1


def test_extraction_kinds() -> None:
    text = (
        "[a](https://x.io/1) [b][r] <https://x.io/3> ![c](https://x.io/4) <a href='https://x.io/5'>e</a> "
        "https://x.io/6 www.x.io/7 x.io/8 me@x.io arXiv:2401.00001 10.1000/xyz 2401.00002v2 `https://x.io/9`\n\n"
        '[r]: https://x.io/2\n[unused]: https://x.io/10\n\n<div>\n<img src="https://x.io/11">\n</div>\n'
    )
    kinds = {link.url: link.kind for link in extract_links(text)}
    assert kinds == {
        "https://x.io/1": "markdown_inline",
        "https://x.io/2": "markdown_reference",
        "https://x.io/3": "autolink",
        "https://x.io/4": "image",
        "https://x.io/5": "html_attribute",
        "https://x.io/6": "bare_url",
        "www.x.io/7": "bare_domain",
        "x.io/8": "bare_domain",
        "mailto:me@x.io": "email",
        "arXiv:2401.00001": "arxiv_id",
        "10.1000/xyz": "doi",
        "2401.00002v2": "arxiv_id",
        "https://x.io/9": "bare_url",
        "https://x.io/10": "reference_definition",
        "https://x.io/11": "html_attribute",
    }


@pytest.mark.parametrize(
    "text",
    [
        "version 1.5 of the model",
        "an F1 of 0.85",
        "v2.1.0",
        "in 2023, 11K frames",
        "1234.5678",
        "2013.99999",
        "see model.py and config.md",
        "e.g. this, i.e. that",
        "Fig. 2",
        "DINOv2-Large",
        "3.14159",
        "1.2.3.4.5",
    ],
)
def test_no_false_links_in_numbers_and_files(text: str) -> None:
    assert extract_links(text) == []


def test_text_target_mismatch() -> None:
    text = "[https://github.com/yifeiyin04/Hi4D](https://github.com/lmietkiewicz/the-skin-game-research-paper)"
    report = audit(text, ENTRIES, claims=False)
    assert report.links and all(finding.code == "mismatch" for finding in report.links)
    same = "[github.com/yifeiyin04/Hi4D](https://github.com/yifeiyin04/Hi4D/blob/main/README.md)"
    assert not audit(same, ENTRIES, claims=False).rejected_links
    titled = "[Hi4D code](https://github.com/lmietkiewicz/the-skin-game-research-paper)"
    assert [finding.code for finding in audit(titled, ENTRIES, claims=False).links] == ["mismatch"]
    arxiv = "[arXiv:2502.02500](https://arxiv.org/abs/2303.15380)"
    assert {finding.code for finding in audit(arxiv, ENTRIES, claims=False).links} == {"mismatch"}


def test_emphasis_cannot_hide_a_suffix() -> None:
    report = audit("https://github.com/yifeiyin04/Hi4D*evil*", ENTRIES, claims=False)
    assert report.rejected_links


def test_javascript_link_that_markdown_it_would_refuse_is_seen() -> None:
    links = extract_links("[click](javascript:alert(1)) and [x](&#106;avascript:alert(1))")
    assert [link.url for link in links] == ["javascript:alert(1)", "javascript:alert(1)"]
    assert all(not check_link(link.url, ALLOWED).accepted for link in links)
