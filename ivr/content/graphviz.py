"""Drawing a flow as SVG or PNG with Graphviz's `dot`, when it is installed (apt install graphviz).

The picture itself is described by the pure ``ivr.engine.graph``; this module only runs `dot`.
"""

from __future__ import annotations

import shutil
import subprocess

from ivr.engine.flows import FlowSet
from ivr.engine.graph import ENGLISH, Wording, dot, mermaid

FORMATS = ("svg", "png")
TIMEOUT_SECONDS = 30


class GraphvizFailed(RuntimeError):
    """`dot` ran but could not draw the picture."""


def available() -> bool:
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str = "svg") -> bytes | None:
    """The picture in this format, or None when Graphviz is not installed."""
    if fmt not in FORMATS:
        raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                          timeout=TIMEOUT_SECONDS, check=False)
    if done.returncode != 0:
        raise GraphvizFailed(done.stderr.decode("utf-8", errors="replace").strip() or "dot failed")
    return done.stdout


def flow_svg(flowset: FlowSet, flow_name: str, wording: Wording = ENGLISH) -> bytes | None:
    """One flow as SVG, or None without Graphviz (show `flow_mermaid` instead)."""
    return render(dot(flowset, flow_name, wording), "svg")


def flow_mermaid(flowset: FlowSet, flow_name: str, wording: Wording = ENGLISH) -> str:
    """One flow as Mermaid text: always available."""
    return mermaid(flowset, flow_name, wording)
