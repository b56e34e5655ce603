"""Staff sign-in through the agency's identity provider (OpenID Connect, with Authlib's Flask client).

The authorization code flow with PKCE (S256), `state` and `nonce`, the provider found from its issuer's
`/.well-known/openid-configuration`, the ID token checked by Authlib (signature from the provider's
keys, `iss`, `aud`, `exp`, `nonce`). The desktop's role comes from the provider's groups at every
sign-in (`IVR_OIDC_ROLES`, the highest role any of the person's groups gives); someone in none of them
is refused, and the sessions they still have open end. An agent account is made at the first sign-in
(no password) and found again by the provider's subject, never by a name. Settings: `IVR_OIDC_*` in ivr/config.py; README "Desktop security".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, current_app
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import clock
from ivr.config import ConfigError
from ivr.content.flowstore import languages
from ivr.desktop import sessions
from ivr.desktop.accounts import agent_from_provider
from ivr.store.models.desktop import Agent
from ivr.desktop.roles import RANK, ROLES, Role

log = logging.getLogger("ivr.desktop.oidc")
CLIENT = "agency"


@dataclass(frozen=True)
class Settings:
    """The desktop's client at the agency's provider, and which of its groups give which role."""

    issuer: str
    client_id: str
    client_secret: str
    roles: dict[str, Role]  # provider group -> desktop role
    groups_claim: str = "groups"
    scopes: str = "openid profile email"
    name: str = ""  # shown on the button: "Sign in with <name>"
    sign_out_at_provider: bool = False


class SignInRefused(Exception):
    """The provider's answer lets nobody in: `reason` is logged (no personal data) and chooses the words shown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_roles(text: str) -> dict[str, Role]:
    """`IVR_OIDC_ROLES`: `group=role` pairs separated by commas, or by semicolons when a group name has commas
    (an LDAP DN: `cn=ivr-agents,ou=groups=agent; ...`); the role is what follows the last `=`.

    Raises ConfigError, naming the variable, for a pair without `=` or an unknown role, or for no pair at all.
    """
    mapping: dict[str, Role] = {}
    for pair in (p.strip() for p in text.split(";" if ";" in text else ",")):
        if not pair:
            continue
        group, equals, role = pair.rpartition("=")
        if not equals or not group.strip() or role.strip() not in ROLES:
            raise ConfigError(
                f"IVR_OIDC_ROLES has '{pair}', which is not 'group=role' with a role among {', '.join(ROLES)}: "
                "write it as 'ivr-agents=agent,ivr-supervisors=supervisor,ivr-admins=admin'.")
        mapping[group.strip()] = Role(role.strip())
    if not mapping:
        raise ConfigError(
            "IVR_OIDC_ISSUER is set but IVR_OIDC_ROLES is empty, so nobody could sign in through the provider: "
            "map the provider's groups to roles, e.g. 'ivr-agents=agent,ivr-supervisors=supervisor'.")
    return mapping


def settings_from(config: dict[str, Any]) -> Settings | None:
    """The provider settings of an app's configuration, or None when IVR_OIDC_ISSUER is not set."""
    issuer = str(config.get("OIDC_ISSUER") or "").rstrip("/")
    if not issuer:
        return None
    where = urlparse(issuer)
    loopback = where.hostname in ("localhost", "127.0.0.1", "::1")
    if where.scheme != "https" and not (where.scheme == "http" and loopback):
        raise ConfigError(f"IVR_OIDC_ISSUER is '{issuer}': use the provider's https:// address "
                          "(plain http is accepted only on this machine, for tests).")
    return Settings(issuer=issuer, client_id=str(config["OIDC_CLIENT_ID"]),
                    client_secret=str(config["OIDC_CLIENT_SECRET"]), roles=parse_roles(str(config.get("OIDC_ROLES") or "")),
                    groups_claim=str(config.get("OIDC_GROUPS_CLAIM") or "groups"),
                    scopes=str(config.get("OIDC_SCOPES") or "openid profile email"),
                    name=str(config.get("OIDC_NAME") or where.hostname or issuer),
                    sign_out_at_provider=bool(config.get("OIDC_SIGN_OUT")))


def init_app(app: Flask) -> None:
    """Register the provider's client when IVR_OIDC_ISSUER is set (its metadata is fetched at first use)."""
    settings = settings_from(app.config)
    if settings is None:
        return
    oauth = OAuth(app)
    oauth.register(CLIENT, client_id=settings.client_id, client_secret=settings.client_secret,
                   server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": settings.scopes, "code_challenge_method": "S256", "timeout": 10})
    app.extensions["ivr.oidc"] = settings
    app.extensions["ivr.oidc.client"] = oauth.create_client(CLIENT)


def settings() -> Settings | None:
    """The running app's provider settings, or None when sign-in goes by passwords only."""
    return current_app.extensions.get("ivr.oidc")


def _client() -> Any:
    return current_app.extensions["ivr.oidc.client"]


def _metadata() -> dict[str, Any]:
    """The provider's discovery document, whose `issuer` must be the configured one (OpenID Discovery §4.3)."""
    metadata = _client().load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != settings().issuer:
        raise SignInRefused("issuer_mismatch")
    return metadata


def start(redirect_uri: str) -> Response:
    """Send the browser to the provider; Authlib keeps `state`, `nonce` and the PKCE verifier in the session."""
    try:
        _metadata()
        return _client().authorize_redirect(redirect_uri)
    except requests.RequestException as error:
        log.warning("identity provider unreachable: %s", type(error).__name__)
        raise SignInRefused("provider_unreachable") from error


def finish(db: Session) -> Agent:
    """The agent the provider's answer (on the redirect URI) signs in; SignInRefused otherwise."""
    client = _client()
    try:
        _metadata()
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise SignInRefused("no_id_token")
        if settings().groups_claim not in claims and client.load_server_metadata().get("userinfo_endpoint"):
            extra = dict(client.userinfo(token=token))
            if extra.get("sub") == claims["sub"]:  # OpenID Connect Core §5.3.2: the same person, or ignored
                claims = {**extra, **claims}
    except (AuthlibBaseError, JoseError) as error:
        log.warning("sign-in through the identity provider failed: %s", type(error).__name__)
        raise SignInRefused("provider_answer") from error
    except requests.RequestException as error:
        log.warning("identity provider unreachable: %s", type(error).__name__)
        raise SignInRefused("provider_unreachable") from error
    subject = f"{settings().issuer} {claims['sub']}"
    role = role_for(claims.get(settings().groups_claim), settings().roles)
    if role is None:
        # Taken out of the desktop's groups: the sessions this person still has open end too.
        former = db.scalar(select(Agent).where(Agent.oidc_subject == subject))
        if former is not None and sessions.end_all_for(db, former, clock.now(), "inactive"):
            db.commit()
        raise SignInRefused("no_desktop_group")
    agent = agent_from_provider(db, subject=subject,
                                name=str(claims.get("preferred_username") or claims.get("email") or claims["sub"]),
                                display_name=str(claims.get("name") or ""), locale=str(claims.get("locale") or ""),
                                role=role.value, languages=languages())
    if not agent.active:
        raise SignInRefused("inactive")
    return agent


def role_for(groups: Any, mapping: dict[str, Role]) -> Role | None:
    """The highest role that any of `groups` (a list of names, or one name) gives; None for none of them."""
    names = [groups] if isinstance(groups, str) else list(groups or [])
    found = [mapping[name] for name in names if isinstance(name, str) and name in mapping]
    return max(found, key=RANK.__getitem__) if found else None


def sign_out_redirect(after: str) -> Response | None:
    """RP-initiated logout (IVR_OIDC_SIGN_OUT): the provider's end-session page, back to `after`; else None."""
    if not settings().sign_out_at_provider:
        return None
    try:
        if not _metadata().get("end_session_endpoint"):
            return None
        return _client().logout_redirect(post_logout_redirect_uri=after, client_id=settings().client_id)
    except (requests.RequestException, SignInRefused, AuthlibBaseError):
        return None
