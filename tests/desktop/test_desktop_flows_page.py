"""The desktop's read-only "Flows" page: every flow, its description, and the picture `ivr graph` draws.

With Graphviz the picture is an SVG served from its own URL (image/svg+xml) and shown with <img>;
without it, the Mermaid text in a <pre>. Nothing runs inline: the desktop's CSP stays as strict.
"""

from __future__ import annotations

import html
import re

import pytest

from ivr.content import graphviz
from ivr.desktop.flows_page import clean_svg
from ivr.desktop.words import code_spans
from ivr.engine.graph import mermaid

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing, sign_in, text  # noqa: F401

needs_dot = pytest.mark.skipif(not graphviz.available(), reason="Graphviz (dot) is not installed")


def shipped_flows(app):
    return app.extensions["ivr.flows"].current


def test_the_flows_page_needs_a_signed_in_agent(client):
    response = client.get("/agent/flows")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    picture = client.get("/agent/flows/main.svg")
    assert picture.status_code == 302 and "/agent/login" in picture.headers["Location"]


def test_any_agent_sees_every_flow_with_its_description(app, desk):
    page = desk.get("/agent/flows")
    assert page.status_code == 200
    body = text(page)
    flowset = shipped_flows(app)
    assert flowset.flows
    for name, flow in flowset.flows.items():
        assert f'data-flow="{name}"' in body
        assert html.unescape(str(code_spans(flow.description_in("fr")))) in body  # the agent's language
    assert "<h1>Parcours</h1>" in body  # the demo agent works in French
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in body and "onload=" not in body


def test_the_page_is_in_the_navigation_in_both_languages(app, desk):
    assert '<a href="/agent/flows">Parcours</a>' in text(desk.get("/agent/"))
    english = text(desk.get("/agent/flows?lang=en"))
    assert "<h1>Flows</h1>" in english and '<a href="/agent/flows">Flows</a>' in english


@needs_dot
def test_with_graphviz_each_flow_is_an_svg_image_from_its_own_url(app, desk):
    body = text(desk.get("/agent/flows"))
    sources = re.findall(r'<img src="([^"]+)"', body)
    assert len(sources) == len(shipped_flows(app).flows)
    assert any(src.startswith("/agent/flows/main.svg") for src in sources)
    picture = desk.get(sources[0])
    assert picture.status_code == 200
    assert picture.mimetype == "image/svg+xml"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in picture.headers["Content-Security-Policy"]
    svg = picture.get_data(as_text=True)
    assert "<svg" in svg and "<script" not in svg


@needs_dot
def test_the_svg_shows_the_same_picture_as_ivr_graph(app, desk):
    svg = desk.get("/agent/flows/main.svg").get_data(as_text=True)
    drawn = graphviz.flow_svg(shipped_flows(app), "main").decode()
    # the same nodes, in the same order, as the command draws
    titles = [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", svg)]
    assert titles and titles == [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", drawn)]


def test_an_unknown_flow_has_no_picture(desk):
    assert desk.get("/agent/flows/nope.svg").status_code == 404


def test_without_graphviz_the_mermaid_text_is_shown_in_a_pre(app, desk, monkeypatch):
    monkeypatch.setattr(graphviz.shutil, "which", lambda _name: None)
    body = desk.get("/agent/flows").get_data(as_text=True)
    assert "<img" not in body
    assert '<pre class="mermaid-text">' in body
    expected = mermaid(shipped_flows(app), "main")
    assert expected.splitlines()[0] in text(desk.get("/agent/flows"))
    assert "Graphviz" in text(desk.get("/agent/flows"))
    assert desk.get("/agent/flows/main.svg").status_code == 404


def test_the_svg_is_cleaned_of_anything_that_could_run():
    dirty = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
             b'xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
             b'<script>alert(2)</script><g onclick="x()"><a xlink:href="javascript:alert(3)"><text>main</text></a>'
             b'<a href="https://evil.example/"><text>x</text></a><use href="#n1"/></g>'
             b'<foreignObject><div>hi</div></foreignObject></svg>')
    clean = clean_svg(dirty).decode()
    assert "alert" not in clean and "onclick" not in clean and "evil.example" not in clean
    assert "foreignObject" not in clean and "<script" not in clean
    assert "<text>main</text>" in clean and 'href="#n1"' in clean
    with pytest.raises(ValueError):
        clean_svg(b"<html><body/></html>")


# -- in the agent's language, with the words callers hear --------------------------------------------

def test_a_flows_page_shows_the_words_callers_hear_in_the_agents_language_not_prompt_keys(app, desk):
    french = text(desk.get("/agent/flows/status"))
    assert "<h1>Parcours <code>status</code></h1>" in french
    assert "Une fois vérifiée, la personne entend l'état de sa demande." in french
    assert ("<p>Votre demande de [terme] est approuvée. Votre premier paiement de [montant] sera versé le "
            "[date].</p>") in french
    assert "Pour réécouter, faites le 1." in french
    english = text(desk.get("/agent/flows/status?lang=en"))
    assert "<h1>Flow <code>status</code></h1>" in english
    assert "<p>Your [term] application is approved. Your first payment of [amount] will be made on [date].</p>" \
        in english
    for page in (french, english, text(desk.get("/agent/flows")), text(desk.get("/agent/flows?lang=en"))):
        assert "status.approved" not in page and "status.after" not in page and "menu: " not in page


def test_a_value_the_caller_gave_is_named_as_the_desktop_names_it(desk):
    page = text(desk.get("/agent/flows/address"))
    assert "[code postal]" in page and "[numéro civique]" in page and "[rue]" in page


def test_the_picture_as_text_is_worded_for_the_agent(app, desk, monkeypatch):
    monkeypatch.setattr(graphviz.shutil, "which", lambda _name: None)
    page = text(desk.get("/agent/flows/identify"))
    mermaid_text = page.split('<pre class="mermaid-text">', 1)[1].split("</pre>", 1)[0]
    assert "Ces renseignements ne correspondent pas" in mermaid_text and "silence ou pas compris" in mermaid_text
    assert "identify.mismatch" not in mermaid_text and "no answer / not understood" not in mermaid_text


@needs_dot
def test_the_svg_is_drawn_in_the_agents_language(desk):
    def words_of(svg: str) -> str:
        return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))

    french = words_of(desk.get("/agent/flows/identify.svg").get_data(as_text=True))
    assert "Ces renseignements ne correspondent pas" in french and "identify.mismatch" not in french
    english = words_of(desk.get("/agent/flows/identify.svg?lang=en").get_data(as_text=True))
    assert "This information does not match your file." in english


def test_descriptions_show_code_as_code_never_as_backticks(desk):
    for path in ("/agent/flows", "/agent/flows/identify", "/agent/flows?lang=en", "/agent/admin/agents"):
        page = text(desk.get(path))
        assert "`" not in page.split("<main>", 1)[-1]
    assert "(niveau <code>identify</code> de <code>verification.yaml</code>)" in text(desk.get("/agent/flows/identify"))
    assert "se vérifient avec <code>ivr lint</code>." in text(desk.get("/agent/flows"))


def test_an_unknown_flow_has_no_page(desk):
    assert desk.get("/agent/flows/nope").status_code == 404
