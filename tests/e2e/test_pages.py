"""The web pages in Chromium (Debian's, driven by Playwright) over a demo book on SQLite: an agent
gets the next case and records a promise, a manager uploads, compares, activates and rolls back
a strategy version, role scoping, CSRF, Chinese pages, and the forms without JavaScript.
A screenshot of each scenario is kept in $ARREARS_ARTIFACTS (default tests/artifacts/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from arrears.service import strategies
from arrears.store.db import engine
from arrears.store.models import Account, Promise
from arrears.store.work import WorkUnit
from browser import ARTIFACTS, chromium
from databases import fresh_database
from live_server import live_server
from service_book import OPENED, Book, build_book, password_of

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    folder = tmp_path_factory.mktemp("pages")
    with fresh_database("sqlite", folder) as url:
        yield build_book(url, folder / "demo")


@pytest.fixture(scope="module")
def base(book: Book) -> Iterator[str]:
    with live_server(book.app()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(autouse=True)
def opening_time(book: Book) -> None:
    book.clock.now = OPENED


@pytest.fixture()
def new_page(browser: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (no shared cookies); page errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(locale: str = "en-US", javascript: bool = True) -> Any:
        context = browser.new_context(
            viewport=LAPTOP, locale=locale, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"pages-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def log_in(page: Any, base: str, user_id: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#user_id").fill(user_id)
    page.locator("#password").fill(password_of(user_id))
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/(work|team|strategies|cases)$"))


def rows(book: Book, query: Any) -> list[Any]:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        eng.dispose()


def test_an_agent_gets_the_next_case_reads_the_script_and_records_a_promise(
    book: Book, base: str, new_page: Any
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, base, "agent1")
    expect(page.locator("h1")).to_have_text("My queue")
    page.get_by_role("button", name="Get Next").click()
    expect(page.locator("h1")).to_contain_text("Case C")
    customer_id = re.search(r"/work/cases/(\w+)", page.url).group(1)  # type: ignore[union-attr]

    # The contact points are masked, each with its "may I call now" badge.
    contacts = page.locator("table.contacts tbody tr")
    assert contacts.count() >= 1
    assert "*" in contacts.first.locator("td.mono").inner_text()
    expect(contacts.first.locator(".badge")).to_have_count(1)

    # The script for another tone, loaded in place by htmx.
    page.locator("#script-tone").select_option("pressure")
    expect(page.locator("#script-text .help")).to_contain_text("pressure")
    assert page.locator("#script-text .script").inner_text().strip()

    # A promise above the balance is refused on the page, the address still the case's.
    page.locator("#promise-due").fill("2026-12-05")
    page.locator("#promise-amount").fill("99999999")
    page.get_by_role("button", name="Record the promise").click()
    expect(page.get_by_role("alert")).to_contain_text("more than the outstanding balance")
    assert page.url.endswith(f"/work/cases/{customer_id}")
    expect(page.locator("#promise-amount")).to_have_value("99999999")

    page.locator("#promise-amount").fill("123.45")
    page.get_by_role("button", name="Record the promise").click()
    expect(page.get_by_role("status")).to_have_text("The promise was recorded.")
    promises = page.locator("#promises tbody tr")
    expect(promises.first).to_contain_text("123.45")
    expect(promises.first).to_contain_text("2026-12-05")
    shot(page, "agent-promise")

    stored = rows(
        book,
        sa.select(Promise.amount, Promise.due_date, Promise.status)
        .join(Account, Account.account_id == Promise.account_id)
        .where(Account.customer_id == customer_id, Promise.amount == Decimal("123.45")),
    )
    assert [(str(r.due_date), r.status) for r in stored] == [("2026-12-05", "open")]


def test_a_manager_uploads_compares_activates_and_rolls_back_a_strategy(
    book: Book, base: str, new_page: Any
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, base, "manager")
    # The imported version is made active from today, so there is one to roll back to.
    page.goto(f"{base}/strategies/1")
    page.locator("#activate-date").fill("2026-11-30")
    page.get_by_role("button", name="Activate this version").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 is active from 2026-11-30")
    expect(page.locator("#version-1 .badge")).to_contain_text("active")

    text = (book.run / "strategy.yaml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^version: .*$", "version: 4", text, count=1)
    assert changed != text
    page.locator("#upload-text").fill(changed)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("status")).to_have_text("The version was stored.")
    expect(page.locator("h1")).to_contain_text("mixed-portfolio 4")
    new_id = int(re.search(r"/strategies/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("#validate-title + p")).to_contain_text("No problem found")
    changes = page.locator("table.changes").first
    expect(changes.locator("tr", has_text="version")).to_contain_text("3")
    expect(changes.locator("tr", has_text="version")).to_contain_text("4")
    shot(page, "manager-diff")

    expect(page.locator("#activate-date")).to_have_value("2026-12-01")
    page.get_by_role("button", name="Activate this version").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Version {new_id} is active from 2026-12-01"
    )
    row = page.locator(f"#version-{new_id}")
    expect(row).to_contain_text("from 2026-12-01 (scheduled)")
    expect(page.locator("#version-1 .badge")).to_contain_text("active")
    shot(page, "manager-activated")

    # The next day (a new session: the first has expired) the new version is active;
    # rolling back makes version 1 active again.
    book.clock.advance(days=1)
    page.goto(f"{base}/strategies")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fstrategies$"))
    log_in(page, base, "manager")
    expect(page.locator(f"#version-{new_id} .badge")).to_contain_text("active")
    page.get_by_role("button", name="Roll back mixed-portfolio").click()
    expect(page.get_by_role("status")).to_contain_text("version 1 is active again")
    expect(page.locator("#version-1 .badge")).to_contain_text("active")
    expect(page.locator(f"#version-{new_id} .badge")).to_have_count(0)
    shot(page, "manager-rollback")

    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            day = book.clock.now.date()
            assert strategies.active_version(connection, "mixed-portfolio", day) == 1
    finally:
        eng.dispose()


def test_an_agent_gets_404_for_another_agents_case(book: Book, base: str, new_page: Any) -> None:
    from playwright.sync_api import expect

    theirs = rows(
        book,
        sa.select(WorkUnit.customer_id)
        .where(WorkUnit.mode == "dispatch", WorkUnit.owner_id == book.users["agent1"])
        .limit(1),
    )[0].customer_id
    page = new_page()
    log_in(page, base, "agent2")
    answer = page.goto(f"{base}/work/cases/{theirs}")
    assert answer.status == 404
    expect(page.locator("h1")).to_contain_text("404")
    assert theirs not in page.locator("main").inner_text().split("Details")[0]
    shot(page, "agent2-404")


def test_a_post_without_the_csrf_token_is_refused(book: Book, base: str, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, base, "agent2")
    # Strip both carriers of the token: the form's field and htmx's header.
    page.evaluate(
        """() => {
            document.body.removeAttribute('hx-headers');
            document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove());
        }"""
    )
    with page.expect_response(lambda r: r.url.endswith("/work/next")) as answer:
        page.get_by_role("button", name="Get Next").click()
    assert answer.value.status == 403
    assert page.url.endswith("/work")
    expect(page.locator("main")).to_contain_text("security token is missing or wrong")
    shot(page, "csrf-403")
    forged = page.request.post(f"{base}/work/next", form={"csrf_token": "forged"})
    assert forged.status == 403


def test_the_chinese_pages_show_chinese_labels_and_the_switcher_changes_language(
    book: Book, base: str, new_page: Any
) -> None:
    from playwright.sync_api import expect

    page = new_page(locale="zh-CN")
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    expect(page.locator("h1")).to_have_text("登录")
    log_in(page, base, "supervisor")
    expect(page.locator("h1")).to_have_text("我的团队（今日）")
    for label in ("今日指标", "拨打次数", "本人接通", "承诺金额", "合规拦截", "重新分配案件"):
        expect(page.locator("main")).to_contain_text(label)
    shot(page, "supervisor-zh")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("My teams today")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{base}/strategies")  # the choice is kept
    expect(page.locator("h1")).to_have_text("Strategy versions")


def test_the_forms_work_without_javascript(book: Book, base: str, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page(javascript=False)
    log_in(page, base, "agent2")
    page.get_by_role("button", name="Get Next").click()
    expect(page.locator("h1")).to_contain_text("Case C")
    page.locator("#script-tone").select_option("warning")
    page.get_by_role("button", name="Show the script").click()
    expect(page.locator("#script-text .help")).to_contain_text("warning")
    page.locator("#attempt-outcome").select_option("no_answer")
    page.get_by_role("button", name="Record the attempt").click()
    expect(page.get_by_role("status")).to_contain_text("The attempt was recorded")
    expect(page.locator("#ledger tbody tr").first).to_contain_text("no answer")
    page.get_by_role("button", name="Finish for today").click()
    expect(page.get_by_role("status")).to_have_text("The case is finished for today.")
    shot(page, "no-javascript")
