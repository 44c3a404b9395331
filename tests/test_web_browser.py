"""End to end in headless Chromium: ask, see the answer at once, click a marker, read the card;
the same on a phone-sized screen; and the JSON API beside the page.

Needs /usr/bin/chromium (Debian's package; `make browser` installs it). Without it the test is
skipped with the reason, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from support import ROOT

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

from ijdqa import web
from ijdqa.app import build_assistant
from ijdqa.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
FOUNDED = "When was the IHRC founded?"
TWEET = "Which tweet is cited for Khamenei's call to arm the west bank?"
TWEET_URL = "https://twitter.com/khamenei_ir/status/1262513122532896771"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def app_url(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser test cannot run: {reason}")
        pytest.skip(reason)
    assistant = build_assistant(Settings(index_dir=shared_index))
    folder = tmp_path_factory.mktemp("runs")
    gold = folder / "small.jsonl"  # three questions: the button's run takes seconds
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    demo = web.create_app(assistant, runs_dir=folder / "runs", gold=gold)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    web.launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(params=[pytest.param((1400, 1000), id="desktop")])
def page(app_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that records every request and blocks (and records) any to a non-loopback host."""
    from playwright.sync_api import sync_playwright

    width, height = request.param

    outside: list[str] = []

    def guard(route: Any) -> None:
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height})
        context.route("**/*", guard)
        page = context.new_page()
        page.on(
            "websocket",
            lambda ws: (
                outside.append(ws.url) if urlparse(ws.url).hostname not in LOOPBACK else None
            ),
        )
        page.on("dialog", lambda d: (outside.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(app_url)
        page.locator("#ijdqa-question textarea").wait_for(timeout=60_000)
        yield page
        browser.close()
    assert not outside, f"requests to non-loopback hosts (or dialogs): {outside}"


def ask(page: Any, question: str) -> Any:
    """Submit a question; return the locator of the new assistant bubble once it is final."""
    before = page.locator("#ijdqa-chat .bot-row").count()
    page.locator("#ijdqa-question textarea").fill(question)
    page.locator("#ijdqa-question textarea").press("Enter")
    bubble = page.locator("#ijdqa-chat .bot-row").nth(before)
    final = ".ijdqa-answer:not(.ijdqa-pending), .ijdqa-refusal, .ijdqa-error"
    bubble.locator(final).first.wait_for(timeout=60_000)
    return bubble


def test_ask_stream_click_marker_and_see_quote_page_and_source(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.evaluate(WATCH_STREAM)
    first = ask(page, FOUNDED)
    marker = first.locator("a.ijdqa-marker").first
    expect(marker).to_be_visible(timeout=30_000)
    expect(first).to_contain_text("1997")
    lengths = page.evaluate("window.__lengths")
    assert len(set(lengths)) == 1, f"the answer was typed out in pieces: {lengths}"

    marker.click()
    card = page.locator("#ijdqa-cite-1-1")
    expect(card).to_be_visible()
    expect(card).to_contain_text("page 1")
    expect(card.locator("mark")).to_contain_text("founded in London in 1997")
    assert page.url.endswith("#ijdqa-cite-1-1")

    second = ask(page, TWEET)
    second.locator("a.ijdqa-marker").first.click()
    card = page.locator("#ijdqa-cite-2-1")
    expect(card).to_be_visible()
    expect(card).to_contain_text("footnote 12")
    expect(card).to_contain_text("2020-05-19")
    link = card.locator(f'a[href="{TWEET_URL}"]')
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    shot(page, tmp_path, "web_chat.png")

    refused = ask(page, "Who is the president of France?")
    expect(refused.locator(".ijdqa-refusal")).to_contain_text("See also")

    hostile = ask(page, HOSTILE + FOUNDED)
    question = page.locator("#ijdqa-chat .user-row").last
    expect(question).to_contain_text("<script>window.__pwned = 1</script>")
    expect(hostile).to_contain_text("1997")
    assert page.evaluate("window.__pwned === undefined")

    before = page.locator("#ijdqa-chat .bot-row").count()
    page.get_by_text("What does footnote 15 cite?", exact=True).click()  # asked at once
    ibid = page.locator("#ijdqa-chat .bot-row").nth(before)
    expect(ibid).to_contain_text("footnote 14", timeout=60_000)


def test_report_tab_links_markers_to_footnotes(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Report").click()
    view = page.locator("#ijdqa-page-view")
    expect(view).to_contain_text("Page 1")
    view.locator('sup a[href="#ijdqa-fn-1"]').click()
    expect(view.locator("#ijdqa-fn-1")).to_contain_text("https://www.ihrc.org.uk/about/about-us/")
    page.get_by_role("tab", name="Footnotes").click()
    expect(page.locator("#ijdqa-footnotes")).to_contain_text("twitter.com/khamenei_ir")
    page.get_by_role("tab", name="Evaluation").click()
    expect(page.locator("#ijdqa-eval")).to_contain_text("No evaluation run yet")
    page.locator("#ijdqa-run-eval").click()
    expect(page.locator("#ijdqa-eval")).to_contain_text("Latest run", timeout=120_000)
    page.get_by_role("tab", name="Report").click()
    shot(page, tmp_path, "web_report.png")


PHONE = pytest.param((390, 844), id="phone")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_phone_chat_fits_the_screen_and_a_citation_opens_under_its_marker(
    page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    chat = page.locator("#ijdqa-chat")
    box = chat.bounding_box()
    assert box and box["height"] <= 844 * 0.7, f"the chat is {box} on an 844 px screen"
    answer = ask(page, FOUNDED)
    expect(page.locator("#ijdqa-cite-1-1")).to_be_attached()  # the panel has its card
    expect(page.locator("#ijdqa-markdown")).to_contain_text("1997")  # the page has settled
    marker = answer.locator("a.ijdqa-marker").first
    marker.click()
    inline = answer.locator(".ijdqa-inline .ijdqa-cite")
    expect(inline).to_be_visible()
    expect(inline.locator("mark")).to_contain_text("founded in London in 1997")
    card, at = inline.bounding_box(), marker.bounding_box()
    assert card and at and 0 <= card["y"] - at["y"] <= 600, (card, at)  # near, not 1,360 px down
    assert page.evaluate("document.querySelectorAll('#ijdqa-cite-1-1').length") == 1
    marker.click()  # a second click closes it
    expect(inline).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways ({width} px)"
    shot(page, tmp_path, "web_phone.png")


def test_bold_text_uses_weight_700(page: Any) -> None:
    weights = page.evaluate(
        "() => [...document.querySelectorAll('strong, b, button, h1, h2, h3')]"
        ".map(e => getComputedStyle(e).fontWeight)"
    )
    assert weights and "600" not in weights, weights


def test_json_api_beside_the_page(page: Any, app_url: str) -> None:
    reply = page.request.post(
        f"{app_url}api/ask", data={"question": TWEET}, headers={"content-type": "application/json"}
    )
    assert reply.ok, reply.text()
    answer = reply.json()
    urls = [s["url"] for c in answer["citations"] for s in c["sources"]]
    assert TWEET_URL in urls and not answer["refused"]
    spec = page.request.get(f"{app_url}api/openapi.json").json()
    assert "/api/ask" in spec["paths"]


def shot(page: Any, tmp_path: Path, name: str) -> None:
    """A screenshot in the test's tmp folder, copied to test-output/ for people to look at."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    (ROOT / "test-output").mkdir(exist_ok=True)
    shutil.copy(path, ROOT / "test-output" / name)


# Records the length of the newest answer text each time the chat changes.
WATCH_STREAM = """() => {
  window.__lengths = [];
  const chat = document.querySelector('#ijdqa-chat');
  new MutationObserver(() => {
    const texts = chat.querySelectorAll('.ijdqa-answer .ijdqa-text');
    const n = texts.length ? texts[texts.length - 1].innerText.length : 0;
    if (n && n !== window.__lengths[window.__lengths.length - 1]) window.__lengths.push(n);
  }).observe(chat, {childList: true, subtree: true, characterData: true});
}"""
