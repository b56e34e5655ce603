"""The read-only "Flows" pages: every flow with its description and its picture, and each flow step by step.

Any signed-in agent may look, in the agent's language: the description as the flow file says it in that
language, the words callers hear (each prompt as its sentence, a value the call fills in shown as a
blank), and the picture `ivr graph` draws, worded for the agent. With Graphviz installed each picture
is SVG, served from its own URL as ``image/svg+xml`` and shown with ``<img>`` (an image cannot run
script, and the desktop's CSP stays as strict as elsewhere); without Graphviz the page shows the
Mermaid text in a ``<pre>``.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response, abort, current_app, render_template
from markupsafe import Markup, escape

from ivr.content import graphviz
from ivr.engine.flows import FlowSet
from ivr.engine.graph import AGENT_NODE, Wording, build
from ivr.engine.steps import Action, Ask, Branch, Menu, Return, Say, Transfer, Use
from ivr.desktop import auth
from ivr.desktop import pages
from ivr.desktop.views import bp
from ivr.desktop.words import Words, code_spans

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
DROPPED_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video"}
_CACHE_SIZE = 64


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def clean_svg(svg: bytes) -> bytes:
    """The SVG without anything that could run or fetch: no script, no event handlers, no outside links.

    `dot` draws it from our own flows, so there should be nothing to remove; this is the belt to the
    braces of ``<img>`` and the CSP.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    if _local(root.tag) != "svg":
        raise ValueError("not an SVG picture")
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or _local(child.tag) in DROPPED_TAGS:
                parent.remove(child)
        for name in list(parent.attrib):
            local, value = _local(name).lower(), parent.attrib[name]
            if local.startswith("on") or (local == "href" and not value.startswith("#")) \
                    or re.search(r"(java|vb)script:|url\(\s*['\"]?(?!#)", value, re.IGNORECASE):
                del parent.attrib[name]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def wording(words: Words, flowset: FlowSet) -> Wording:
    """The picture's words in the agent's language, each prompt as the sentence callers hear."""
    graph = words.lookup("flows_page.graph") or {}
    return Wording(language=words.language, heard=lambda key: heard(words, flowset, key),
                   **graph)


def heard(words: Words, flowset: FlowSet, key: str) -> str:
    """A prompt as callers hear it in the agent's language; a value the call fills in is a blank ([montant])."""
    def blank(name: str, fmt: str) -> str:
        field = words.lookup(f"fields.{name}")
        what = str(words.noun(f"fields.{name}")) if field is not None else words(f"flows_page.values.{fmt}",
                                                                                  default="…")
        return words("flows_page.blank", what=what)

    text = flowset.prompts.outline(key, words.language, blank)
    return text if text is not None else words("flows_page.audio_only")


def _svg_for(flowset: Any, flow_name: str, words: Words) -> bytes | None:
    """Drawn once per flows version and language: `dot` is not run again for every agent who opens the page."""
    cache: dict[tuple[str, str, str], bytes | None] = current_app.extensions.setdefault("ivr.flow_svgs", {})
    key = (flowset.version or str(id(flowset)), flow_name, words.language)
    if key not in cache:
        raw = graphviz.flow_svg(flowset, flow_name, wording(words, flowset))
        if raw is None:  # Graphviz is not installed (or was removed): not cached, it may come back
            return None
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = clean_svg(raw)
    return cache[key]


def _flow_row(flowset: FlowSet, name: str, words: Words) -> dict[str, Any]:
    description = flowset.flows[name].description_in(words.language).strip()
    return {"name": name, "description": code_spans(description),
            "alt": words("flows_page.picture_of", description=description.replace("`", "")) if description
            else name,
            "mermaid": graphviz.flow_mermaid(flowset, name, wording(words, flowset))}


@bp.get("/flows")
@auth.login_required
def flows() -> str:
    flowset, words = pages.flowset(), pages.words()
    rows = []
    if flowset is not None:
        rows = [_flow_row(flowset, name, words) for name in sorted(flowset.flows,
                                                                   key=lambda n: (n != flowset.entry, n))]
    return render_template("desktop/flows.html", flows=rows, drawn=graphviz.available(),
                           version=flowset.version if flowset is not None else "")


@bp.get("/flows/<flow_name>")
@auth.login_required
def flow_page(flow_name: str) -> str:
    """One flow step by step: what each step does, what the caller hears there, where each key leads."""
    flowset, words = pages.flowset(), pages.words()
    if flowset is None or flow_name not in flowset.flows:
        abort(404)
    return render_template("desktop/flow.html", f=_flow_row(flowset, flow_name, words),
                           steps=steps_of(flowset, flow_name, words), drawn=graphviz.available(),
                           version=flowset.version)


def steps_of(flowset: FlowSet, flow_name: str, words: Words) -> list[dict[str, Any]]:
    """Each step: its name, what it does, the words callers hear, and its ways on (from the same graph as
    the picture, so the table and the picture agree)."""
    flow = flowset.flows[flow_name]
    graph = build(flowset, flow_name, wording(words, flowset))
    titles = {node.id: node.title for node in graph.nodes}
    rows = []
    for node in graph.nodes:
        step = flow.steps.get(node.title) if node.kind not in ("start", "agent", "elsewhere") else None
        if step is None:
            continue
        keys = step.prompt if isinstance(step, (Menu, Ask, Say)) else getattr(step, "say", ())
        exits = []
        for edge in graph.edges:
            if edge.source != node.id:
                continue
            label = escape(edge.label) if edge.retries or edge.label == words("flows_page.graph.otherwise") \
                else _code(edge.label)
            target = escape(titles[edge.target]) if edge.target == AGENT_NODE else _code(titles[edge.target])
            exits.append({"label": label, "target": target, "agent": edge.agent})
        rows.append({"id": step.id, "kind": words(f"flows_page.kinds.{step.kind}", default=step.kind),
                     "names": _code(_named(step)), "heard": [heard(words, flowset, key) for key in keys],
                     "exits": exits})
    return rows


def _named(step: Any) -> str:
    """The identifier a step acts on (an action, a sub-flow, a value, a reason, a result), if any."""
    for kind, attribute in ((Action, "name"), (Use, "subflow"), (Branch, "variable"), (Transfer, "reason"),
                            (Return, "outcome")):
        if isinstance(step, kind):
            return str(getattr(step, attribute) or "")
    return ""


def _code(text: str) -> Markup:
    return Markup("<code>{}</code>").format(text) if text else Markup("")


@bp.get("/flows/<flow_name>.svg")
@auth.login_required
def flow_picture(flow_name: str) -> Response:
    flowset = pages.flowset()
    if flowset is None or flow_name not in flowset.flows:
        abort(404)
    try:
        svg = _svg_for(flowset, flow_name, pages.words())
    except (graphviz.GraphvizFailed, subprocess.TimeoutExpired, ValueError, ET.ParseError):
        current_app.logger.warning("could not draw flow %s", flow_name)
        abort(404)
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'inline; filename="{flow_name}.svg"'
    return response
