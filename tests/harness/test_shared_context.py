"""The worker's shared page: each test gets it back clean (cookies, routes, document, timeouts), and a test that
needs a page of its own (video) or broke the shared one gets a new one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser

from e2e.redaction import Redactor
from e2e.shared_context import ArtifactOptions, SharedContext

SITE = "http://shared-context.test"
# A cookie as open_page takes it (a storage state's, by domain and path): Playwright makes the same of a url.
DOMAIN = "shared-context.test"
PAGE = "<!doctype html><title>site</title><p id=note>loaded</p>"


class MakeShared(Protocol):
    """The `shared` fixture: a new SharedContext (on a context of its own) with these options."""

    def __call__(self, options: ArtifactOptions = ...) -> SharedContext: ...


@pytest.fixture
def shared(browser: Browser) -> Iterator[MakeShared]:
    def make(options: ArtifactOptions = ArtifactOptions()) -> SharedContext:
        context = browser.new_context()
        context.route(f"{SITE}/**", lambda route: route.fulfill(content_type="text/html", body=PAGE))
        made.append(SharedContext(context, options, timeout_ms=5_000))
        return made[-1]

    made: list[SharedContext] = []
    yield make
    for shared_context in made:
        shared_context.context.close()


def site_routes(shared: SharedContext) -> None:
    """The context's own route to the fake site, which close_page removes with the test's."""
    shared.context.route(f"{SITE}/**", lambda route: route.fulfill(content_type="text/html", body=PAGE))


def test_the_next_test_gets_the_same_page_blank_with_only_its_own_cookies(shared: MakeShared, tmp_path: Path) -> None:
    context = shared()
    first = context.open_page("first", cookies=[{"name": "session", "value": "one", "domain": DOMAIN, "path": "/"}])
    first.goto(SITE + "/")
    first.set_default_timeout(1)
    first.route("**/page-route", lambda route: route.fulfill(body="from the first test"))
    context.close_page(first, failed=False, folder=tmp_path, redactor=Redactor())

    second = context.open_page("second")
    assert second is first
    assert second.url == "about:blank"
    assert context.context.cookies() == []
    site_routes(context)
    second.goto(SITE + "/")
    assert second.locator("#note").text_content(timeout=5_000) == "loaded"
    # the first test's page route is gone: the request reaches the context's route instead
    response = second.goto(SITE + "/page-route")
    assert response is not None, "no response for /page-route"
    assert "from the first test" not in response.text()
    # and its 1 ms default timeout with it
    second.locator("#note").wait_for()


def test_the_next_test_gets_the_session_cookies_it_asks_for(shared: MakeShared, tmp_path: Path) -> None:
    context = shared()
    first = context.open_page("first", cookies=[{"name": "other", "value": "x", "domain": DOMAIN, "path": "/"}])
    context.close_page(first, failed=False, folder=tmp_path, redactor=Redactor())
    second = context.open_page("second", cookies=[{"name": "session", "value": "two", "domain": DOMAIN, "path": "/"}])
    assert [(c["name"], c["value"]) for c in context.context.cookies()] == [("session", "two")]
    assert second is first


def test_a_closed_page_is_replaced(shared: MakeShared, tmp_path: Path) -> None:
    context = shared()
    first = context.open_page("first")
    first.close()
    context.close_page(first, failed=True, folder=tmp_path, redactor=Redactor())
    second = context.open_page("second")
    assert second is not first and not second.is_closed()


def test_with_video_each_test_gets_a_page_of_its_own(shared: MakeShared, tmp_path: Path) -> None:
    context = shared(ArtifactOptions(video="retain-on-failure"))
    first = context.open_page("first")
    context.close_page(first, failed=False, folder=tmp_path, redactor=Redactor())
    assert first.is_closed()
    assert context.open_page("second") is not first


def test_a_failed_test_keeps_its_page_html_masked(shared: MakeShared, tmp_path: Path) -> None:
    context = shared(ArtifactOptions(screenshot="only-on-failure"))
    redactor = Redactor()
    redactor.add("s3cret-value-123")
    page = context.open_page("failing")
    site_routes(context)
    page.goto(SITE + "/")
    page.evaluate("document.body.append('s3cret-value-123')")
    context.close_page(page, failed=True, folder=tmp_path, redactor=redactor)
    html = (tmp_path / "page-1.html").read_text()
    assert "loaded" in html and "s3cret-value-123" not in html
    assert (tmp_path / "test-failed-1.png").stat().st_size > 0
