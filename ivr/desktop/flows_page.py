"""The read-only "Flows" page: every flow with its description and the same picture as `ivr graph`.

Any signed-in agent may look. With Graphviz installed each flow is drawn as SVG, served from its own
URL as ``image/svg+xml`` and shown with ``<img>`` (an image cannot run script, and the desktop's CSP
stays as strict as elsewhere); without Graphviz the page shows the Mermaid text in a ``<pre>``.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response, abort, current_app, render_template

from .. import graphviz
from . import auth
from .views import _flowset, bp

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


def _svg_for(flowset: Any, flow_name: str) -> bytes | None:
    """Drawn once per flows version: `dot` is not run again for every agent who opens the page."""
    cache: dict[tuple[str, str], bytes | None] = current_app.extensions.setdefault("ivr.flow_svgs", {})
    key = (flowset.version or str(id(flowset)), flow_name)
    if key not in cache:
        raw = graphviz.flow_svg(flowset, flow_name)
        if raw is None:  # Graphviz is not installed (or was removed): not cached, it may come back
            return None
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = clean_svg(raw)
    return cache[key]


@bp.get("/flows")
@auth.login_required
def flows() -> str:
    flowset = _flowset()
    drawn = graphviz.available()
    rows = []
    if flowset is not None:
        for name in sorted(flowset.flows, key=lambda n: (n != flowset.entry, n)):
            flow = flowset.flows[name]
            rows.append({"name": name, "description": flow.description.strip(),
                         "mermaid": graphviz.flow_mermaid(flowset, name)})
    return render_template("desktop/flows.html", flows=rows, drawn=drawn,
                           version=flowset.version if flowset is not None else "")


@bp.get("/flows/<flow_name>.svg")
@auth.login_required
def flow_picture(flow_name: str) -> Response:
    flowset = _flowset()
    if flowset is None or flow_name not in flowset.flows:
        abort(404)
    try:
        svg = _svg_for(flowset, flow_name)
    except (graphviz.GraphvizFailed, subprocess.TimeoutExpired, ValueError, ET.ParseError):
        current_app.logger.warning("could not draw flow %s", flow_name)
        abort(404)
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'inline; filename="{flow_name}.svg"'
    return response
