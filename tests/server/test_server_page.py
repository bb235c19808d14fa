"""The web page in a real browser (headless Debian chromium driven by Playwright) against a real server: ask,
watch it stream, click a sentence for its evidence, audit a pasted answer with a bad link; offline-only, labelled,
dark and light. With RAG_ANSWER_UPDATE_SCREENSHOT=1 it also writes docs/serve-page.png for the README."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT
from tests.server.conftest import EXAMPLE_ID, Server
from tests.server.test_server_api import QUESTION, asked  # noqa: F401 (the shared answer fixture)

pytestmark = [pytest.mark.llm, pytest.mark.browser]

SCREENSHOT = ROOT / "docs" / "serve-page.png"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: scripts/install.sh installs it (deselect with -m 'not browser')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server: Server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    opened = context.new_page()
    requests: list[str] = []
    opened.on("request", lambda request: requests.append(request.url))
    opened.goto(server.url + "/")
    opened.wait_for_selector(f"#model option[value='{EXAMPLE_ID}']", state="attached")
    yield opened
    assert requests and all(url.startswith(server.url + "/") for url in requests), requests  # nothing from elsewhere
    context.close()


def test_ask_stream_and_click_a_sentence_for_its_evidence(page, asked: dict) -> None:  # noqa: F811
    assert page.input_value("#question").startswith("I generated a studio portrait")  # the file's own question
    page.fill("#question", QUESTION)
    page.focus("#question")
    page.keyboard.press("Control+Enter")  # keyboard submit
    page.wait_for_selector("#status:has-text('Reading the sources')")
    assert page.is_hidden("#draft-box")  # drafts are off by default: nothing unchecked is shown at all
    page.wait_for_selector("#answer .claim", timeout=300_000)
    assert page.inner_text("#draft") == ""
    assert page.inner_text("#status") == "Done: answered and checked."

    claims = asked["audit"]["report"]["claims"]
    shown = page.locator("#answer .claim")
    assert shown.count() == len(claims)
    assert [shown.nth(i).get_attribute("data-verdict") for i in range(shown.count())] == [c["verdict"] for c in claims]
    colour = page.eval_on_selector("#answer .claim.v-supported", "node => getComputedStyle(node).backgroundColor")
    assert colour == "rgb(218, 251, 225)"  # the light theme's 'supported' colour

    shown.first.click()
    assert page.inner_text("#evidence .passage") == claims[0]["evidence"]
    entry = next(e for e in asked["sources"] if e["id"] == claims[0]["evidence_entry"])
    assert entry["title"] in page.inner_text("#evidence .entry")

    hrefs = set(page.eval_on_selector_all("#sources a", "nodes => nodes.map(node => node.href)"))
    assert hrefs == {url for source in asked["sources"] for url in (source["paper"], source["github"]) if url}
    answer_links = page.eval_on_selector_all("#answer a[href^='http']", "nodes => nodes.map(node => node.href)")
    assert set(answer_links) <= hrefs

    page.click("#copy")
    assert page.evaluate("navigator.clipboard.readText()") == asked["answer"]  # copy as Markdown
    if os.environ.get("RAG_ANSWER_UPDATE_SCREENSHOT") == "1":
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_audit_a_pasted_answer_shows_the_bad_link_defanged(page) -> None:
    page.fill("#pasted", "Skin models are compared on HAM10000 [@the-skin-game].\n"
                         "Download it from https://evil.example.com/skin.zip today.")  # fmt: skip
    page.click("#audit")
    page.wait_for_selector("#audit-links tr.rejected", timeout=120_000)
    assert page.inner_text("#audit-links tr.rejected .defanged") == "hxxps[:]//evil[.]example[.]com/skin[.]zip"
    assert "evil" not in " ".join(page.eval_on_selector_all("a", "nodes => nodes.map(node => node.href)"))
    assert page.inner_text("#audit-status").startswith("Problems found: links 0/1 supplied")


def test_a_part_of_the_question_reads_as_a_bold_lead_not_as_markdown(page) -> None:
    page.evaluate("renderAnswer({answer: '### 2. Answer\\n**What data trains it?** The Skin Game uses HAM10000 "
                  "[@the-skin-game].\\n', audit: null})")  # fmt: skip
    assert page.inner_text("#answer p strong") == "What data trains it?"
    assert "**" not in page.inner_text("#answer") and page.locator("#answer p a.marker").count() == 1


def test_every_control_is_labelled_and_the_theme_follows_the_system(page) -> None:
    unlabelled = page.eval_on_selector_all(
        "input, select, textarea, button",
        "nodes => nodes.filter(n => !(n.labels && n.labels.length) && !n.getAttribute('aria-label')"
        " && !n.textContent.trim()).map(n => n.id)",
    )
    assert unlabelled == []
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light, dark) == ("rgb(255, 255, 255)", "rgb(13, 17, 23)")


def test_the_page_is_self_contained(server: Server) -> None:
    import httpx

    response = httpx.get(server.url + "/", timeout=10)
    assert response.status_code == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    text = response.text.lower()
    assert "http://" not in text and "https://" not in text and "<link" not in text and " src=" not in text
