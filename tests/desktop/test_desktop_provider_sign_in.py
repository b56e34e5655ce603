"""Agents sign in through the agency's identity provider (OpenID Connect), roles from its groups.

A real OpenID provider (oidc-provider-mock, on a loopback port) and the desktop on a real server;
`requests` follows the redirects as a browser does, and the provider's authorization form is filled
in as a person would. Nothing leaves this machine.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import oidc_provider_mock
import pytest
import requests
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.config import ConfigError
from ivr.desktop.accounts import ensure_demo_agent
from ivr.store.models.desktop import Agent, AgentSession
from ivr.desktop.oidc import parse_roles, role_for
from ivr.desktop.roles import Role
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN
from tests.support.desktop_fixtures import quick_password_hashing  # noqa: F401
from tests.support.servers import in_thread

ROLES = "ivr-agents=agent,ivr-supervisors=supervisor,ivr-admins=admin"


@pytest.fixture
def provider():
    """The agency's identity provider: any client id and secret are accepted, a nonce is required."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def person(provider: str, sub: str, **claims) -> None:
    """What the provider will say about `sub` (its ID token carries these claims)."""
    answer = requests.put(f"{provider}/users/{sub}", json=claims, timeout=5)
    assert answer.status_code == 204


@pytest.fixture
def desktop_settings(provider):
    return {"OIDC_ISSUER": provider, "OIDC_CLIENT_ID": "ivr-desktop", "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_ROLES": ROLES, "OIDC_NAME": "Agency ID"}


@pytest.fixture
def desktop(database_url, desktop_settings):
    """The desktop served on a loopback port, its sign-in going through the provider."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "test-secret", "PUBLIC_URL": "", **desktop_settings})
    with db.session_for(app) as session:
        seed_demo(session)
        ensure_demo_agent(session)
    with in_thread(app) as url:
        yield app, url
    app.extensions["ivr.db.engine"].dispose()


def sign_in_through_provider(url: str, sub: str, browser: requests.Session | None = None) -> requests.Response:
    """Click "Se connecter avec Agency ID", then authorize as `sub` on the provider's form."""
    browser = browser or requests.Session()
    page = browser.get(f"{url}/agent/login", timeout=10)
    link = re.search(r'href="([^"]+)">Se connecter avec Agency ID<', page.text)
    assert link, "the sign-in page has no button for the provider"
    at_provider = browser.get(url + link.group(1).replace("&amp;", "&"), timeout=10)
    assert at_provider.status_code == 200 and "/oauth2/authorize" in at_provider.url
    return browser.post(at_provider.url, data={"sub": sub}, timeout=10)


def agent_named(app, username: str) -> Agent | None:
    with db.session_for(app) as s:
        return s.scalar(select(Agent).where(Agent.username == username))


def test_an_agent_in_the_agents_group_signs_in_and_gets_an_account_without_a_password(desktop, provider):
    app, url = desktop
    person(provider, "f3a9c2", preferred_username="marie.tremblay@agency.example", name="Marie Tremblay",
           groups=["ivr-agents", "staff"])
    landed = sign_in_through_provider(url, "f3a9c2")
    assert landed.status_code == 200 and urlparse(landed.url).path == "/agent/"
    assert "Marie Tremblay" in landed.text
    marie = agent_named(app, "marie.tremblay")
    assert marie.role == "agent" and marie.password_hash == "" and marie.oidc_subject == f"{provider} f3a9c2"
    # No password opens that account, not even an empty one.
    browser = requests.Session()
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{url}/agent/login").text).group(1)
    answer = browser.post(f"{url}/agent/login", data={"csrf": token, "username": "marie.tremblay", "password": ""},
                          allow_redirects=False)
    assert answer.status_code in (400, 401)


def test_the_request_to_the_provider_carries_state_nonce_and_a_pkce_challenge(desktop):
    _app, url = desktop
    browser = requests.Session()
    browser.get(f"{url}/agent/login")
    to_provider = browser.get(f"{url}/agent/login/provider", allow_redirects=False)
    assert to_provider.status_code == 302
    asked = parse_qs(urlparse(to_provider.headers["Location"]).query)
    assert asked["response_type"] == ["code"] and asked["client_id"] == ["ivr-desktop"]
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) >= 43
    assert asked["state"][0] and asked["nonce"][0] and "openid" in asked["scope"][0].split()
    assert asked["redirect_uri"] == [f"{url}/agent/login/provider/callback"]


def test_roles_follow_the_providers_groups_at_every_sign_in(desktop, provider):
    app, url = desktop
    person(provider, "b71", preferred_username="luc", name="Luc Gagnon", groups=["ivr-agents", "ivr-supervisors"])
    sign_in_through_provider(url, "b71")
    assert agent_named(app, "luc").role == "supervisor"
    person(provider, "b71", preferred_username="luc", name="Luc Gagnon", groups=["ivr-agents"])
    browser = requests.Session()
    sign_in_through_provider(url, "b71", browser)
    assert agent_named(app, "luc").role == "agent"
    assert browser.get(f"{url}/agent/reports").status_code == 403


def test_someone_in_none_of_the_desktops_groups_is_refused(desktop, provider):
    app, url = desktop
    person(provider, "c42", preferred_username="paul", name="Paul", groups=["finance"])
    refused = sign_in_through_provider(url, "c42")
    assert refused.status_code == 403
    assert "n'est dans aucun groupe qui ouvre le poste des agents" in refused.text.replace("&#39;", "'")
    assert agent_named(app, "paul") is None
    assert requests.get(f"{url}/agent/", cookies=refused.cookies, allow_redirects=False).status_code == 302


def test_someone_taken_out_of_the_groups_is_refused_and_their_open_sessions_end(desktop, provider):
    app, url = desktop
    person(provider, "c43", preferred_username="rene", groups=["ivr-agents"])
    at_work = requests.Session()
    sign_in_through_provider(url, "c43", at_work)
    assert at_work.get(f"{url}/agent/", allow_redirects=False).status_code == 200
    person(provider, "c43", preferred_username="rene", groups=["finance"])  # moved to another team
    assert sign_in_through_provider(url, "c43").status_code == 403
    assert at_work.get(f"{url}/agent/", allow_redirects=False).status_code == 302


def test_a_provider_account_never_takes_over_a_local_account_of_the_same_name(desktop, provider):
    app, url = desktop
    person(provider, "d55", preferred_username="demo", name="Someone Else", groups=["ivr-agents"])
    sign_in_through_provider(url, "d55")
    demo = agent_named(app, "demo")
    assert demo.oidc_subject is None and demo.role == "admin"
    assert agent_named(app, "demo-2").oidc_subject == f"{provider} d55"


def test_signing_out_ends_the_session_on_the_server(desktop, provider):
    app, url = desktop
    person(provider, "e66", preferred_username="lea", groups=["ivr-agents"])
    browser = requests.Session()
    sign_in_through_provider(url, "e66", browser)
    copy = requests.Session()
    copy.cookies.update(browser.cookies)  # someone kept a copy of the cookie
    queue = browser.get(f"{url}/agent/")
    token = re.search(r'name="csrf" value="([^"]+)"', queue.text).group(1)
    out = browser.post(f"{url}/agent/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status_code == 302 and urlparse(out.headers["Location"]).path == "/agent/login"
    assert copy.get(f"{url}/agent/", allow_redirects=False).status_code == 302
    with db.session_for(app) as s:
        assert s.scalar(select(AgentSession.end_reason)) == "signed_out"


def test_a_forged_answer_from_the_provider_is_refused(desktop):
    app, url = desktop
    browser = requests.Session()
    browser.get(f"{url}/agent/login/provider", allow_redirects=False)
    forged = browser.get(f"{url}/agent/login/provider/callback?code=made-up&state=not-ours")
    assert forged.status_code == 400 and "n'a pas abouti" in forged.text.replace("&#39;", "'")
    assert browser.get(f"{url}/agent/", allow_redirects=False).status_code == 302


@pytest.mark.parametrize("desktop_settings", [{}])
def test_without_a_provider_the_sign_in_page_has_no_provider_button(desktop):
    _app, url = desktop
    page = requests.get(f"{url}/agent/login").text
    assert "Se connecter avec" not in page and 'name="password"' in page
    assert requests.get(f"{url}/agent/login/provider").status_code == 404


class TestPasswordsTurnedOff:
    @pytest.fixture
    def desktop_settings(self, provider):
        return {"OIDC_ISSUER": provider, "OIDC_CLIENT_ID": "ivr-desktop", "OIDC_CLIENT_SECRET": "s3cret",
                "OIDC_ROLES": ROLES, "OIDC_NAME": "Agency ID", "PASSWORD_SIGN_IN": False}

    def test_the_sign_in_page_offers_only_the_provider_and_refuses_passwords(self, desktop):
        app, url = desktop
        page = requests.get(f"{url}/agent/login").text
        assert "Se connecter avec Agency ID" in page and 'name="password"' not in page
        client = app.test_client()
        client.get("/agent/login")
        with client.session_transaction() as session:
            token = session["csrf"]
        answer = client.post("/agent/login", data={"csrf": token, "username": "demo", "password": "demo"})
        assert answer.status_code == 403 and "ne prend pas de mot de passe" in answer.get_data(as_text=True)


class TestSignOutAtTheProvider:
    @pytest.fixture
    def desktop_settings(self, provider):
        return {"OIDC_ISSUER": provider, "OIDC_CLIENT_ID": "ivr-desktop", "OIDC_CLIENT_SECRET": "s3cret",
                "OIDC_ROLES": ROLES, "OIDC_NAME": "Agency ID", "OIDC_SIGN_OUT": True}

    def test_signing_out_also_ends_the_providers_session_and_comes_back(self, desktop, provider):
        _app, url = desktop
        person(provider, "e67", preferred_username="lea", groups=["ivr-agents"])
        browser = requests.Session()
        sign_in_through_provider(url, "e67", browser)
        token = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{url}/agent/").text).group(1)
        out = browser.post(f"{url}/agent/logout", data={"csrf": token}, allow_redirects=False)
        end = urlparse(out.headers["Location"])
        assert f"{end.scheme}://{end.netloc}" == provider and end.path == "/oauth2/end_session"
        assert parse_qs(end.query)["post_logout_redirect_uri"] == [f"{url}/agent/login"]
        assert browser.get(f"{url}/agent/", allow_redirects=False).status_code == 302


def test_the_group_to_role_setting_is_read_as_documented():
    assert parse_roles("ivr-agents=agent, ivr-supervisors=supervisor") == {
        "ivr-agents": Role.AGENT, "ivr-supervisors": Role.SUPERVISOR}
    assert parse_roles("cn=ivr-agents,ou=groups=agent; cn=ivr-admins,ou=groups=admin") == {
        "cn=ivr-agents,ou=groups": Role.AGENT, "cn=ivr-admins,ou=groups": Role.ADMIN}
    for wrong in ("ivr-agents=boss", "ivr-agents", ""):
        with pytest.raises(ConfigError, match="IVR_OIDC_ROLES"):
            parse_roles(wrong)
    mapping = parse_roles(ROLES)
    assert role_for(["staff", "ivr-admins", "ivr-agents"], mapping) == Role.ADMIN
    assert role_for("ivr-agents", mapping) == Role.AGENT
    assert role_for(["staff"], mapping) is None and role_for(None, mapping) is None


def test_a_provider_without_its_client_or_over_plain_http_is_refused_at_start(database_url):
    base = {"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "k"}
    with pytest.raises(ConfigError, match="IVR_OIDC_CLIENT_ID"):
        create_app({**base, "OIDC_ISSUER": "https://id.agency.example", "OIDC_ROLES": ROLES})
    with pytest.raises(ConfigError, match="https://"):
        create_app({**base, "OIDC_ISSUER": "http://id.agency.example", "OIDC_CLIENT_ID": "c",
                    "OIDC_CLIENT_SECRET": "s", "OIDC_ROLES": ROLES})
    with pytest.raises(ConfigError, match="IVR_PASSWORD_SIGN_IN"):
        create_app({**base, "PASSWORD_SIGN_IN": False})
