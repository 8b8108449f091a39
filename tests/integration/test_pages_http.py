"""The web pages over HTTP without a browser (FastAPI's TestClient, so no JavaScript: the plain
forms): logins, CSRF on every POST, role scoping as the API's, the forms' writes and errors,
languages, security headers, and a catalogue with every word the templates ask for."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from arrears.service.web import i18n, service_messages
from arrears.service.web.rendering import TEMPLATES
from arrears.store.db import engine
from arrears.store.models import Account, Promise
from arrears.store.work import OfferRecord, WorkUnit
from service_book import OPENED, password_of
from service_fixtures import Book

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
ALERT = re.compile(r'role="alert"><p>(.*?)</p>', re.S)


def rows(book: Book, query: Any) -> list[Any]:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        eng.dispose()


class Browser:
    """A client with its own cookies, logged in through the login form."""

    def __init__(self, app: FastAPI, user_id: str | None = None) -> None:
        self.http = TestClient(app, follow_redirects=False)
        self.csrf = ""
        if user_id is not None:
            self.log_in(user_id)

    def log_in(self, user_id: str, password: str | None = None, next_url: str = "/") -> Any:
        form = self.http.get("/login")
        token = LOGIN_TOKEN.search(form.text).group(1)  # type: ignore[union-attr]
        answer = self.http.post(
            "/login",
            data={
                "user_id": user_id, "password": password or password_of(user_id),
                "login_token": token, "next": next_url,
            },
        )  # fmt: skip
        if answer.status_code == 303:
            home = self.http.get("/", follow_redirects=True)
            self.csrf = CSRF.search(home.text).group(1)  # type: ignore[union-attr]
        return answer

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.http.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture()
def app(book: Book) -> FastAPI:
    book.clock.now = OPENED
    return book.app()


@pytest.fixture()
def browser(app: FastAPI) -> Callable[[str | None], Browser]:
    return lambda user_id=None: Browser(app, user_id)


def held_case(agent: Browser) -> str:
    answer = agent.post("/work/next")
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[1]


# ---------------------------------------------------------------- logging in


def test_the_login_form_sets_an_httponly_strict_session_cookie_and_goes_to_next(browser):
    anonymous = browser(None)
    answer = anonymous.log_in("agent1", next_url="/work?lang=en")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/work?lang=en"
    cookie = answer.headers["set-cookie"].lower()
    assert "arrears_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_wrong_password_is_refused_on_the_form_and_next_may_not_leave_the_site(browser):
    anonymous = browser(None)
    wrong = anonymous.log_in("agent1", password="not-the-password")
    assert wrong.status_code == 401
    assert "Wrong user name or password." in wrong.text
    assert "arrears_session" not in wrong.headers.get("set-cookie", "")
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert browser(None).log_in("agent1", next_url=evil).headers["location"] == "/"


def test_a_login_post_without_the_forms_token_is_refused(browser):
    anonymous = browser(None)
    answer = anonymous.http.post(
        "/login", data={"user_id": "agent1", "password": password_of("agent1")}
    )
    assert answer.status_code == 403
    assert "arrears_session" not in answer.headers.get("set-cookie", "")


def test_a_page_without_a_session_goes_to_the_login_form(browser):
    anonymous = browser(None)
    answer = anonymous.get("/work")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fwork"
    htmx = anonymous.get("/work", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login")
    assert anonymous.http.post("/work/next").status_code == 303


@pytest.mark.parametrize(
    ("user_id", "home"),
    [("agent1", "/work"), ("supervisor", "/team"), ("manager", "/strategies"),
     ("compliance", "/strategies"), ("admin", "/team")],
)  # fmt: skip
def test_each_role_lands_on_its_page(browser, user_id, home):
    assert browser(user_id).get("/").headers["location"] == home


def test_logging_out_closes_the_session(browser):
    agent = browser("agent1")
    assert agent.http.post("/logout").status_code == 403  # no token
    out = agent.post("/logout")
    assert out.status_code == 303
    assert out.headers["location"] == "/login?ok=logged_out"
    assert agent.get("/work").status_code == 303


# ---------------------------------------------------------------- CSRF


def test_every_page_post_needs_the_sessions_csrf_token(browser):
    agent = browser("agent1")
    for url in ("/work/next", "/team/reassign", "/strategies/upload", "/strategies/rollback"):
        assert agent.http.post(url).status_code == 403, url
        assert agent.http.post(url, data={"csrf_token": "forged"}).status_code == 403, url
        assert agent.http.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403, url
    refused = agent.http.post("/work/next", data={"csrf_token": "forged"})
    assert "security token is missing or wrong" in refused.text
    # The htmx header carries it as well as the hidden field does.
    assert agent.http.post("/work/next", headers={"X-CSRF-Token": agent.csrf}).status_code == 303
    latin = {"X-CSRF-Token": "ä".encode("latin-1")}  # not ASCII: refused, not a 500
    assert agent.http.post("/work/next", headers=latin).status_code == 403


def test_another_sessions_token_does_not_do(browser):
    first, second = browser("agent1"), browser("agent1")
    assert first.csrf != second.csrf
    answer = first.http.post("/work/next", data={"csrf_token": second.csrf})
    assert answer.status_code == 403


# ---------------------------------------------------------------- role scoping


def test_a_case_is_404_to_whoever_may_not_read_it_as_in_the_api(book, browser):
    agent1, agent2 = browser("agent1"), browser("agent2")
    customer_id = held_case(agent1)
    assert agent1.get(f"/work/cases/{customer_id}").status_code == 200
    refused = agent2.get(f"/work/cases/{customer_id}")
    assert refused.status_code == 404
    assert "Not found, or not yours to see." in refused.text
    assert browser("manager").get(f"/work/cases/{customer_id}").status_code == 404
    assert browser("supervisor").get(f"/work/cases/{customer_id}").status_code == 200
    assert agent2.get("/work/cases/NO-SUCH-CUSTOMER").status_code == 404
    # Writing on it is refused the same way.
    written = agent2.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": "A1", "due_date": "2026-12-01", "amount": "10"},
    )
    assert written.status_code == 404


def test_contact_points_are_masked_for_an_agent_and_shown_to_compliance(browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    masked = agent.get(f"/work/cases/{customer_id}").text
    assert re.search(r'<td class="mono">\+?\d{0,3}\*+\d*</td>', masked)
    officer = browser("compliance").get(f"/work/cases/{customer_id}")
    assert officer.status_code == 200
    assert "You may read this case but not record on it." in officer.text
    assert re.search(r'<td class="mono">\+\d{6,}</td>', officer.text)


@pytest.mark.parametrize(
    ("user_id", "url"),
    [("manager", "/work"), ("agent1", "/team"), ("agent1", "/strategies"),
     ("agent1", "/strategies/1"), ("agent1", "/strategies/diff?from=1&to=1")],
)  # fmt: skip
def test_pages_of_other_roles_are_403(browser, user_id, url):
    assert browser(user_id).get(url).status_code == 403


def test_only_a_strategy_manager_uploads_activates_and_rolls_back(browser):
    supervisor = browser("supervisor")
    assert supervisor.get("/strategies").status_code == 200
    assert "Upload a version" not in supervisor.get("/strategies").text
    assert supervisor.post("/strategies/upload", {"text": "name: x"}).status_code == 403
    activated = supervisor.post("/strategies/1/activate", {"effective_date": "2026-12-01"})
    assert activated.status_code == 403
    assert supervisor.post("/strategies/rollback", {"name": "mixed-portfolio"}).status_code == 403


# ---------------------------------------------------------------- the agent's forms


def test_a_promise_from_the_form_is_stored_and_shown(book, browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    page = agent.get(f"/work/cases/{customer_id}").text
    account = re.search(r'id="promise-account".*?<option value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    answer = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "2026-12-03", "amount": "77.70",
         "idempotency_key": "k-promise-1"},
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/work/cases/{customer_id}?ok=promise"
    shown = agent.get(answer.headers["location"]).text
    assert "The promise was recorded." in shown
    assert "77.70" in shown.split('id="promises"')[1]
    # The same form sent twice (its idempotency key) stores one promise.
    again = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "2026-12-03", "amount": "77.70",
         "idempotency_key": "k-promise-1"},
    )  # fmt: skip
    assert again.status_code == 303
    stored = rows(
        book,
        sa.select(Promise.promise_id)
        .join(Account, Account.account_id == Promise.account_id)
        .where(Account.customer_id == customer_id, Promise.amount == 77.70),
    )
    assert len(stored) == 1


def test_a_refused_promise_shows_the_reason_and_keeps_the_values(browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    page = agent.get(f"/work/cases/{customer_id}").text
    account = re.search(r'id="promise-account".*?<option value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    late = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "2027-06-01", "amount": "12.34"},
    )
    assert late.status_code == 422
    assert "a promise is due between today and 31 days on" in ALERT.search(late.text).group(1)  # type: ignore[union-attr]
    assert 'value="12.34"' in late.text
    assert 'value="2027-06-01"' in late.text
    bad = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "soon", "amount": "-1"},
    )
    assert bad.status_code == 422
    assert "due_date" in ALERT.search(bad.text).group(1)  # type: ignore[union-attr]


def test_an_attempt_an_offer_and_a_hold_from_the_forms(browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    page = agent.get(f"/work/cases/{customer_id}").text
    account = re.search(r'id="attempt-account".*?<option value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    phone = re.search(r'<option value="([^"]+)"[^>]*>phone', page).group(1)  # type: ignore[union-attr]
    attempt = agent.post(
        f"/work/cases/{customer_id}/attempt",
        {"account_id": account, "contact_id": phone, "channel": "human_call", "outcome": "rpc"},
    )
    assert attempt.status_code == 303
    assert "ok=attempt" in attempt.headers["location"]
    shown = agent.get(attempt.headers["location"]).text
    assert "right-party contact" in shown.split('id="ledger"')[1]
    wrong_channel = agent.post(
        f"/work/cases/{customer_id}/attempt",
        {"account_id": account, "contact_id": phone, "channel": "email", "outcome": "sent"},
    )
    assert wrong_channel.status_code == 422
    offer = agent.post(
        f"/work/cases/{customer_id}/offer",
        {"account_id": account, "kind": "instalments", "instalments": "3", "discount": ""},
    )
    assert offer.status_code in (303, 409, 422), offer.text
    hold = agent.post(
        f"/work/cases/{customer_id}/status",
        {"account_id": account, "status": "dispute", "note": "says it was paid"},
    )
    assert hold.status_code == 303
    assert "dispute" in agent.get(f"/work/cases/{customer_id}").text


def test_the_script_panel_is_a_fragment_for_htmx_and_the_case_page_otherwise(browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    page = agent.get(f"/work/cases/{customer_id}").text
    account = re.search(r'id="script-account".*?<option value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    url = f"/work/cases/{customer_id}/script?account_id={account}&tone=negotiation"
    fragment = agent.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "negotiation" in fragment.text
    plain = agent.get(url)
    assert plain.status_code == 303
    assert plain.headers["location"].endswith(f"account_id={account}&tone=negotiation")
    assert 'value="negotiation" selected' in agent.get(plain.headers["location"]).text
    assert agent.get(url.replace("negotiation", "threat")).status_code == 422


def test_finishing_a_case_takes_it_out_of_the_queue(browser):
    agent = browser("agent2")
    customer_id = held_case(agent)
    done = agent.post(f"/work/cases/{customer_id}/release", {"done": "1"})
    assert done.status_code == 303
    assert done.headers["location"] == "/work?ok=finished"
    queue = agent.get(done.headers["location"]).text
    assert "The case is finished for today." in queue
    assert f">{customer_id}</th>" not in queue
    assert agent.post(f"/work/cases/{customer_id}/release", {"done": "0"}).status_code == 404


# ---------------------------------------------------------------- offers waiting for approval


ASKED = (("settlement", "20"), ("instalments", "2"), ("fee_waiver", "2"))
"""test_service_outcomes.ASKED in the form's percent: above an agent's authority under the
example's offer rules, within a supervisor's (or a manager's)."""
APPROVE = re.compile(r'action="(/work/cases/[^"/]+/offers/([^"/]+)/approve)"')


def _offers_of(book: Book, account: str) -> set[str]:
    return {r.offer_id for r in rows(book, sa.select(OfferRecord.offer_id).where(
        OfferRecord.account_id == account))}  # fmt: skip


def _waiting_offer(book: Book, agent: Browser) -> tuple[str, str, Any]:
    """An offer of the agent's that needs a senior role: (customer, account, its row)."""
    for _ in range(30):
        customer_id = held_case(agent)
        page = agent.get(f"/work/cases/{customer_id}").text
        field = page.split('id="offer-account"')[1].split("</select>")[0]
        accounts = re.findall(r'<option value="([^"]+)"', field)
        for account, (kind, discount) in itertools.product(accounts, ASKED):
            before = _offers_of(book, account)
            made = agent.post(
                f"/work/cases/{customer_id}/offer",
                {"account_id": account, "kind": kind, "discount": discount},
            )
            assert made.status_code == 303, made.text
            (new,) = _offers_of(book, account) - before
            offer = rows(book, sa.select(OfferRecord).where(OfferRecord.offer_id == new))[0]
            if offer.status == "needs_approval":
                return customer_id, account, offer
        agent.post(f"/work/cases/{customer_id}/release", {"done": "1"})
    raise AssertionError("some case allows an offer above the agent's limit")


def _promise_rows(page: str) -> int:
    if 'id="promises"' not in page:  # "No promise."
        return 0
    return page.split('id="promises"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr>")


def test_the_supervisor_approves_an_agents_offer_from_the_case_page(book, browser):
    agent = browser("agent1")
    customer_id, account, offer = _waiting_offer(book, agent)
    case = f"/work/cases/{customer_id}"
    # The agent sees its offer waiting, and no Approve button; posting it anyway is refused.
    mine = agent.get(case).text
    assert "needs approval" in mine.split('id="offers"')[1]
    assert APPROVE.search(mine) is None and ">Approve<" not in mine
    url = f"{case}/offers/{offer.offer_id}/approve"
    assert agent.post(url).status_code == 403

    supervisor = browser("supervisor")
    page = supervisor.get(case).text
    shown = {m.group(2): m.group(1) for m in APPROVE.finditer(page)}
    assert shown.get(offer.offer_id) == url
    promises_before = _promise_rows(page)
    stored_before = {r.promise_id for r in rows(book, sa.select(Promise.promise_id).where(
        Promise.account_id == account))}  # fmt: skip
    approver = supervisor
    answer = supervisor.post(url)
    if offer.decision["approver_role"] == "manager":
        # Beyond a supervisor's authority: the refusal is shown on the case; an admin approves.
        assert answer.status_code == 403
        assert "not within your authority" in ALERT.search(answer.text).group(1)  # type: ignore[union-attr]
        approver = browser("admin")
        answer = approver.post(url)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{case}?ok=approved"
    after = approver.get(answer.headers["location"]).text
    assert "The offer was approved: its payments are recorded as promises." in after
    assert "approved" in after.split('id="offers"')[1]
    assert APPROVE.search(after) is None  # nothing waits any more
    new = rows(book, sa.select(Promise).where(
        Promise.account_id == account, Promise.promise_id.notin_(stored_before)))  # fmt: skip
    assert new and sum(Decimal(str(p.amount)) for p in new) == Decimal(
        offer.decision["terms"]["total"]
    )
    assert _promise_rows(after) == promises_before + len(new)
    table = after.split('id="promises"')[1].split("</table>")[0]
    for p in new:
        assert f"{Decimal(str(p.amount)):,.2f}" in table
    # Sent again (a double click): the offer no longer waits, said on the case page.
    again = approver.post(url)
    assert again.status_code == 409
    assert "not waiting for approval" in ALERT.search(again.text).group(1)  # type: ignore[union-attr]
    # An offer of another case is not approved through this one.
    assert approver.post(f"/work/cases/NO-SUCH/offers/{offer.offer_id}/approve").status_code == 404


# ---------------------------------------------------------------- the supervisor


def test_the_team_page_shows_todays_figures_and_reassigns(book, browser):
    supervisor = browser("supervisor")
    page = supervisor.get("/team")
    assert page.status_code == 200
    for label in ("Attempts", "Right-party contacts", "Amount promised", "Compliance blocks"):
        assert label in page.text
    assert book.team in page.text
    unit = rows(
        book,
        sa.select(WorkUnit.customer_id)
        .where(WorkUnit.team_id == book.team, WorkUnit.owner_id == book.users["agent1"])
        .order_by(WorkUnit.customer_id.desc())
        .limit(1),
    )[0]
    moved = supervisor.post(
        "/team/reassign", {"customer_id": unit.customer_id, "agent_id": book.users["agent2"]}
    )
    assert moved.status_code == 303
    assert browser("agent2").get(f"/work/cases/{unit.customer_id}").status_code == 200
    refused = supervisor.post(
        "/team/reassign", {"customer_id": unit.customer_id, "agent_id": "NO-SUCH-AGENT"}
    )
    assert refused.status_code == 422
    assert "NO-SUCH-AGENT" in ALERT.search(refused.text).group(1)  # type: ignore[union-attr]
    foreign = rows(
        book, sa.select(WorkUnit.customer_id).where(WorkUnit.team_id != book.team).limit(1)
    )[0]
    not_mine = supervisor.post(
        "/team/reassign", {"customer_id": foreign.customer_id, "agent_id": book.users["agent2"]}
    )
    assert not_mine.status_code == 404


# ---------------------------------------------------------------- the strategy manager


def test_the_manager_uploads_a_file_compares_and_sees_the_errors_of_a_bad_one(book, browser):
    manager = browser("manager")
    text = (book.run / "strategy.yaml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^version: .*$", "version: 99", text, count=1)
    uploaded = manager.http.post(
        "/strategies/upload",
        data={"csrf_token": manager.csrf, "text": ""},
        files={"file": ("mine.yaml", changed.encode(), "text/yaml")},
    )
    assert uploaded.status_code == 303, uploaded.text
    location = uploaded.headers["location"]
    new_id = int(re.search(r"/strategies/(\d+)\?ok=uploaded", location).group(1))  # type: ignore[union-attr]
    page = manager.get(location).text
    assert "The version was stored." in page
    assert "No problem found." in page
    assert "Changes from version 1" in page
    same = manager.post("/strategies/upload", {"text": changed})
    assert same.headers["location"] == f"/strategies/{new_id}?ok=known"
    diff = manager.get(f"/strategies/diff?from=1&to={new_id}")
    assert diff.status_code == 200
    assert "Changed settings" in diff.text
    assert '<td class="mono ins">99</td>' in diff.text
    broken = manager.post("/strategies/upload", {"text": "name: [unclosed\nversion: 1\n"})
    assert broken.status_code == 422
    assert "The strategy does not parse." in broken.text
    assert "name: [unclosed" in broken.text  # kept in the textarea
    past = manager.post(f"/strategies/{new_id}/activate", {"effective_date": "2020-01-01"})
    assert past.status_code == 422
    assert "in the past" in ALERT.search(past.text).group(1)  # type: ignore[union-attr]
    assert manager.get("/strategies/999999").status_code == 404


# ---------------------------------------------------------------- languages, headers, files


def test_the_language_comes_from_the_query_then_the_cookie_then_the_browser(browser):
    agent = browser("agent1")
    english = agent.get("/work")
    assert '<html lang="en">' in english.text
    assert "My queue" in english.text
    chinese = agent.get("/work", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in chinese.text
    assert "我的队列" in chinese.text
    assert "获取下一个案件" in chinese.text
    switched = agent.get("/work?lang=zh-CN")
    assert "arrears_lang=zh-CN" in switched.headers["set-cookie"]
    assert "我的队列" in agent.get("/work").text  # kept by the cookie
    assert "My queue" in agent.get("/work?lang=en").text
    login_form = browser(None).get("/login", headers={"Accept-Language": "zh"})
    assert '<html lang="zh-CN">' in login_form.text


def test_pages_carry_the_security_headers_and_htmx_comes_from_this_site(browser):
    agent = browser("agent1")
    page = agent.get("/work")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/static/htmx.min.js"]
    assert f'hx-headers=\'{{"X-CSRF-Token": "{agent.csrf}"}}\'' in page.text
    htmx = agent.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:200]
    assert "Zero-Clause BSD" in agent.get("/static/htmx.LICENSE").text
    assert agent.get("/static/site.css").status_code == 200


def test_every_form_field_has_a_label(book, browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    for page in (
        agent.get(f"/work/cases/{customer_id}").text,
        browser("supervisor").get("/team").text,
        browser("manager").get("/strategies").text,
        browser("manager").get("/strategies/1").text,
        browser(None).get("/login").text,
    ):
        inputs = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
        for tag in inputs:
            if 'type="hidden"' in tag:
                continue
            field_id = re.search(r'id="([^"]+)"', tag)
            assert field_id, tag
            assert f'for="{field_id.group(1)}"' in page, tag
        for th in re.findall(r"<th\b[^>]*>", page):
            assert "scope=" in th, th


def test_the_catalogue_has_both_languages_for_every_word_the_templates_use():
    for key, (en, zh) in i18n.MESSAGES.items():
        assert en.strip() and zh.strip(), key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key
    used: set[str] = set()
    for template in Path(TEMPLATES).glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", template.read_text("utf-8")))
    assert used, "no t(...) call found"
    assert sorted(used - i18n.MESSAGES.keys()) == []


def test_a_refusal_of_the_service_is_said_in_chinese_on_a_chinese_page(browser):
    agent = browser("agent1")
    customer_id = held_case(agent)
    page = agent.get(f"/work/cases/{customer_id}").text
    account = re.search(r'id="promise-account".*?<option value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    chinese = {"Accept-Language": "zh-CN"}
    late = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "2027-06-01", "amount": "12.34"},
        headers=chinese,
    )
    assert late.status_code == 422
    said = ALERT.search(late.text).group(1)  # type: ignore[union-attr]
    assert said == "承诺还款日须在今天起 31 天之内，2027-06-01 不在此范围内"
    # A message no rule knows (the form's validation) stays in its English.
    bad = agent.post(
        f"/work/cases/{customer_id}/promise",
        {"account_id": account, "due_date": "soon", "amount": "5"},
        headers=chinese,
    )
    assert bad.status_code == 422
    assert "due_date" in ALERT.search(bad.text).group(1)  # type: ignore[union-attr]


def test_each_service_message_rule_says_exactly_its_values():
    for said in service_messages.SAID:
        groups = set(said.pattern.groupindex)
        for words in said.words:
            assert set(re.findall(r"{(\w+)}", words)) == groups, said.key
        assert set(said.labels) <= groups, said.key
        assert i18n.MESSAGES[said.key] == said.words
    # Recognised by status and wording; a domain word in the message is said with its label.
    found = service_messages.wording(409, "offer ofr-1 is approved, not waiting for approval")
    assert found == (
        "svc.offer_not_waiting",
        {"offer": ("", "ofr-1"), "status": ("offer", "approved")},
    )
    assert (
        service_messages.wording(422, "offer ofr-1 is approved, not waiting for approval") is None
    )
    assert service_messages.wording(409, "something else") is None


def test_the_language_is_chosen_by_rank():
    assert i18n.choose([None, "zh-Hans"], None) == "zh-CN"
    assert i18n.choose(["fr"], "fr-FR,zh-TW;q=0.2,en;q=0.8") == "en"
    assert i18n.from_accept_language("en;q=0.1, zh-CN;q=0.9") == "zh-CN"
    assert i18n.from_accept_language("de, *;q=0.5") is None
    assert i18n.choose([], None) == "en"


@pytest.fixture(autouse=True)
def _no_leftover_clock(book: Book) -> Iterator[None]:
    yield
    book.clock.now = OPENED
