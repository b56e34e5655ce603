"""The Twilio gateway: what it asks Twilio's REST API to do, checked without any network."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.calls.gateway import GatewayError, QueueMember, conference_name
from ivr.telephony.gateway import TwilioGateway

ACCOUNT = "AC" + "1" * 32


class RecordingHttpClient(HttpClient):
    """Answers like Twilio and keeps every request; never opens a socket."""

    def __init__(self, status: int = 201):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.requests: list[dict] = []
        self.status = status

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        if self.status >= 400:
            return Response(self.status, json.dumps({"code": 20003, "message": "Authenticate", "status": self.status}))
        sid = "CA" + "9" * 32 if method == "POST" and uri.endswith("/Calls.json") else uri.rsplit("/", 1)[-1][:-5]
        return Response(self.status, json.dumps({"sid": sid, "account_sid": ACCOUNT, "status": "queued"}))


def test_the_agent_is_dialled_with_a_whisper_then_the_caller_joins_the_conference():
    http = RecordingHttpClient()
    gateway = TwilioGateway(ACCOUNT, "secret", http_client=http)
    connection = gateway.connect_agent("CAcaller", "+15145550100", "+18005550100",
                                       [("en", "Client verified, French, Address change")])
    assert connection.conference == conference_name("CAcaller") == "ivr-CAcaller"
    assert connection.agent_leg == "CA" + "9" * 32
    dial_agent, move_caller = http.requests
    assert dial_agent["method"] == "POST"
    assert dial_agent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert dial_agent["data"]["To"] == "+15145550100" and dial_agent["data"]["From"] == "+18005550100"
    agent_twiml = ET.fromstring(dial_agent["data"]["Twiml"])
    assert [v.tag for v in agent_twiml] == ["Say", "Dial"]
    assert agent_twiml[0].text == "Client verified, French, Address change"
    conference = agent_twiml.find("Dial/Conference")
    assert conference.text == "ivr-CAcaller"
    assert conference.get("startConferenceOnEnter") == "true"
    assert move_caller["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls/CAcaller.json"
    caller_twiml = ET.fromstring(move_caller["data"]["Twiml"])
    assert [v.tag for v in caller_twiml] == ["Dial"]  # no whisper for the caller
    assert caller_twiml.find("Dial/Conference").get("startConferenceOnEnter") == "false"
    assert caller_twiml.find("Dial/Conference").text == "ivr-CAcaller"
    assert dial_agent["auth"] == (ACCOUNT, "secret")


def test_twilio_refusing_is_a_gateway_error_the_desktop_can_explain():
    gateway = TwilioGateway(ACCOUNT, "wrong", http_client=RecordingHttpClient(status=401))
    with pytest.raises(GatewayError, match="Twilio could not connect the call"):
        gateway.connect_agent("CAcaller", "client:demo", "+18005550100", [])


def test_with_an_account_sid_the_app_uses_twilio_and_without_it_the_recording_gateway(tmp_path):
    from ivr.app import create_app
    from ivr.telephony.gateway import RecordingGateway

    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}
    assert isinstance(create_app({**base, "TESTING": True}).extensions["ivr.gateway"], RecordingGateway)
    real = create_app({**base, "TWILIO_ACCOUNT_SID": ACCOUNT, "DEMO": False}).extensions["ivr.gateway"]
    assert isinstance(real, TwilioGateway)


class TwilioQueues(RecordingHttpClient):
    """Answers the Queue, Member and Call resources as Twilio would, for two queues."""

    OURS, OTHER = "QU" + "1" * 32, "QU" + "2" * 32
    WAITING = "CA" + "a" * 32

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri})
        if self.status >= 400:
            return Response(self.status, json.dumps({"code": 20003, "message": "Authenticate", "status": self.status}))
        if uri.endswith("/Queues.json"):
            body = {"queues": [{"sid": self.OURS, "friendly_name": "agents-fr"},
                               {"sid": self.OTHER, "friendly_name": "someone-elses-queue"}]}
        elif uri.endswith(f"/Queues/{self.OURS}/Members.json"):
            body = {"queue_members": [{"call_sid": self.WAITING, "position": 1, "wait_time": 30},
                                      {"call_sid": "<script>", "position": 2}]}
        elif uri.endswith(f"/Calls/{self.WAITING}.json"):
            body = {"sid": self.WAITING, "from": "+15145550142", "status": "in-progress"}
        else:
            raise AssertionError(f"the gateway asked for {uri}")
        return Response(200, json.dumps(body))


def test_the_gateway_lists_who_waits_in_our_queues_as_twilio_sees_them():
    http = TwilioQueues()
    gateway = TwilioGateway(ACCOUNT, "secret", http_client=http)
    members = gateway.queue_members({"agents-fr", "agents-en", "agents-bilingual"})
    assert members == [QueueMember(TwilioQueues.WAITING, "agents-fr")]  # a value not shaped as a CallSid is dropped
    assert not any(TwilioQueues.OTHER in r["uri"] for r in http.requests)  # another application's queue is left alone
    assert gateway.caller_of(TwilioQueues.WAITING) == "+15145550142"  # read through the webhook border's rule


def test_twilio_refusing_to_list_its_queues_is_a_gateway_error():
    gateway = TwilioGateway(ACCOUNT, "wrong", http_client=TwilioQueues(status=401))
    with pytest.raises(GatewayError):
        gateway.queue_members({"agents-fr"})
    with pytest.raises(GatewayError):
        gateway.caller_of(TwilioQueues.WAITING)
