"""Find a call or a client (issue 16): by confirmation number, client number, caller number or CallSid.

Page `GET /agent/search` (the form) and `POST /agent/search` (the results); JSON `POST /agent/api/search`
(`{"kind": ..., "key": ...}`, token or session). Both apply the same rights and write the same audit row:
- every role may search; a found call is listed only if the claimed-call policy (ivr.desktop.roles) opens
  it to the agent; the others are counted as withheld. A client's file (name, number) is shown to every role,
  as the client's contact history is. A search that found only calls the agent may not open is refused:
  403, logged by reason without any value (roles.refused), and audited as `refused`.
- every search, found, not found, refused or not a key, writes one audit row (ivr.services.search.record)
  with the kind of key and a keyed hash of it, never the key in clear.
Why POST: the key would otherwise sit in the URL, so in the browser's history, in a Referer, and in the
access logs of any proxy in front; ivr.logs scrubs this server's own lines of phone numbers and 9-digit
client numbers, but a confirmation number (8 digits) or a CallSid is no shape it masks, and other servers'
logs are not ours to scrub. The only key that appears in a link on the results is the client number the
agent typed (the client's file, `/agent/api/clients/<number>/contacts`, which the desktop already has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import Response, g, jsonify, render_template, request, url_for

from ivr.desktop import auth, pages
from ivr.desktop.accounts import actor_id
from ivr.desktop.roles import may_open
from ivr.desktop.views import bp
from ivr.desktop.words import Words
from ivr.services.search import InvalidKey, KeyKind, Outcome, SearchKey, find, record
from ivr.store import db
from ivr.store.search import FoundCall, FoundClient

TYPED_MAX = 100
"""No key is longer than a CallSid (34 characters); more is cut before it is read."""


@dataclass
class Searched:
    """What one search shows an agent: the calls their role opens, the file, and what was held back."""

    key: SearchKey | None = None
    calls: list[FoundCall] = field(default_factory=list)
    client: FoundClient | None = None
    withheld: int = 0
    more: bool = False
    invalid: InvalidKey | None = None


def _search(kind: str, typed: str) -> Searched:
    """Read the key, look it up, keep what the agent may see, audit and commit; 403 (after the audit) when
    everything found is closed to the agent."""
    session, actor = db.session(), actor_id(g.agent)
    try:
        key = SearchKey.read(kind, typed[:TYPED_MAX])
    except InvalidKey as invalid:
        record(session, actor, None, Outcome.INVALID, kind=invalid.kind.value if invalid.kind else None)
        session.commit()
        return Searched(invalid=invalid)
    found = find(session.connection(), key)
    shown = [call for call in found.calls if may_open(g.agent, call, call.agent_id)]
    withheld = len(found.calls) - len(shown)
    refused = withheld > 0 and not shown and found.client is None
    outcome = Outcome.REFUSED if refused else Outcome.NOTHING if found.empty else Outcome.FOUND
    client_id = found.client.id if found.client else None
    record(session, actor, key, outcome, shown=len(shown), withheld=withheld, client_id=client_id)
    session.commit()
    if refused:
        auth.forbid("search_found_only_calls_closed_to_role")
    return Searched(key, shown, found.client, withheld, found.more)


def _aware(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:  # SQLite hands back naive UTC
        return when.replace(tzinfo=timezone.utc)
    return when


def _outcome_label(call: FoundCall, words: Words) -> str:
    status = words(f"statuses.{call.status}", default=call.status)
    if call.outcome:
        return words("search.status_and_outcome", status=status,
                     outcome=words(f"outcomes.{call.outcome}", default=call.outcome))
    return status


def _file_link(searched: Searched) -> str | None:
    """The client's file, only when its number is the key the agent typed: no other value goes into a URL."""
    if searched.client is None or searched.key is None or searched.key.kind is not KeyKind.CLIENT_NUMBER:
        return None
    return url_for("desktop.api_contacts", client_number=searched.client.client_number)


def _rows(searched: Searched, words: Words) -> list[dict[str, Any]]:
    clock = pages.clock()
    return [{
        "call_sid": call.call_sid,
        "time": words.datetime(clock.local(_aware(call.started_at))),
        "started_at": _aware(call.started_at).isoformat(),
        "language": call.language,
        "language_label": words.language_label(call.language),
        "status": call.status,
        "outcome": call.outcome,
        "outcome_label": _outcome_label(call, words),
        "verified": call.verified,
        "client_name": call.client.name if call.client else None,
        "client_number": call.client.client_number if call.client else None,
    } for call in searched.calls]


@bp.get("/search")
@auth.login_required
def search() -> str:
    return render_template("desktop/search.html", kinds=list(KeyKind), kind=KeyKind.CLIENT_NUMBER.value, typed="",
                           searched=None)


@bp.post("/search")
@auth.login_required
def search_results() -> Any:
    kind, typed = request.form.get("kind", ""), request.form.get("key", "")
    searched, words = _search(kind, typed), pages.words()
    page = render_template("desktop/search.html", kinds=list(KeyKind), kind=kind, typed=typed[:TYPED_MAX],
                           searched=searched, rows=_rows(searched, words), file_link=_file_link(searched),
                           invalid_words=f"search.invalid_{searched.invalid.kind or 'kind'}" if searched.invalid else None)
    return page, 400 if searched.invalid else 200


@bp.post("/api/search")
@auth.api_auth
def api_search() -> Response:
    """`{"kind": "client_number", "key": "100 200 300"}` (JSON or a form) -> the calls and the file found."""
    asked = request.get_json(silent=True) if request.is_json else request.form
    if not hasattr(asked, "get"):  # a JSON list or number: no key in it
        asked = {}
    searched = _search(str(asked.get("kind") or ""), str(asked.get("key") or ""))
    if searched.invalid is not None:
        response = jsonify(error="invalid_key", message=str(searched.invalid))
        response.status_code = 400
        return response
    client = searched.client
    return jsonify(kind=searched.key.kind.value, calls=[_api_row(row) for row in _rows(searched, pages.words())],
                   client={"client_number": client.client_number, "name": client.name,
                           "contacts_url": _file_link(searched)} if client else None,
                   withheld=searched.withheld, more=searched.more)


def _api_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in row.items() if k != "time"},
            "url": url_for("desktop.call_page", call_sid=row["call_sid"])}
