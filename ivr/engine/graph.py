"""A flow as a picture: steps as boxes, menu keys and results on the arrows, agent exits marked.

Pure: builds Mermaid text (which GitHub, GitLab and many editors draw) and Graphviz DOT text.
Running Graphviz to get SVG or PNG is left to ``ivr.content.graphviz``. `ivr graph` and the agent
desktop's "Flows" page both draw from here, so staff see the same picture everywhere.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.engine.flows import FlowSet
from ivr.engine.steps import AGENT, Action, Ask, Branch, Menu, Question, Say, Step, Transfer, Use

AGENT_NODE = "agent"
START_NODE = "start"
RETRIES_LABEL = "no answer / not understood"
WRAP = 40  # characters per line of the words shown in a box


@dataclass(frozen=True)
class Wording:
    """The words a picture puts around the flow's own names. English, with prompt keys, for `ivr graph`;
    the agents' desktop passes its own, in the agent's language, with the words callers hear.

    `details` are sentences per step kind, with {prompts}, {into}, {expect}, {input}, {name}, {variable},
    {reason}, {subflow}, {outcome}; `heard`, when given, writes a prompt key as its words (else the key).
    """

    language: str = "en"
    start: str = "start"
    agent: str = "agent"
    retries: str = RETRIES_LABEL
    otherwise: str = "otherwise"
    title: str = "{flow} — {key} reaches an agent from every prompt"
    heading: str = "{flow}: {description}"
    footer: str = "(press {key} at any prompt: agent)"
    other_flow: str = "flow {target}"
    in_other_flow: str = "in another flow"
    details: dict[str, str] = field(default_factory=lambda: {
        "menu": "menu: {prompts}", "ask": "asks {into} ({expect}, {input})", "say": "says {prompts}",
        "action": "runs {name}", "branch": "looks at {variable}", "transfer": "to an agent: {reason}",
        "hangup": "goodbye, hangs up", "use": "uses flow {subflow}", "return": "returns {outcome}",
    })
    heard: Callable[[str], str] | None = None

    def prompts(self, keys: tuple[str, ...]) -> str:
        if self.heard is None:
            return ", ".join(keys)
        return "\n".join(textwrap.fill(self.heard(key), WRAP) for key in keys)


ENGLISH = Wording()


@dataclass(frozen=True)
class Node:
    id: str
    title: str
    detail: str
    kind: str  # a step kind, or "agent", "start", "elsewhere"
    line: int = 0


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    agent: bool = False
    retries: bool = False


@dataclass
class FlowGraph:
    flow: str
    description: str
    path: str
    agent_key: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


class UnknownFlow(KeyError):
    """No flow has this name."""


def build(flowset: FlowSet, flow_name: str, wording: Wording = ENGLISH) -> FlowGraph:
    """Nodes and arrows of one flow, in the order the file lists its steps."""
    if flow_name not in flowset.flows:
        raise UnknownFlow(flow_name)
    flow = flowset.flows[flow_name]
    graph = FlowGraph(flow.name, flow.description_in(wording.language), flow.path, flowset.settings.agent_key)
    graph.nodes.append(Node(START_NODE, wording.start, "", "start"))
    graph.edges.append(Edge(START_NODE, _node_id(flow.name, flow.start)))
    elsewhere: dict[str, Node] = {}
    uses_agent = False
    for step in flow.steps.values():
        graph.nodes.append(Node(_node_id(flow.name, step.id), step.id, _detail(step, wording), step.kind, step.line))
        if isinstance(step, Transfer):
            uses_agent = True
            graph.edges.append(Edge(_node_id(flow.name, step.id), AGENT_NODE, step.reason, agent=True))
        for label, target, retries in _exits(step, wording):
            if target == AGENT:
                uses_agent = True
                graph.edges.append(Edge(_node_id(flow.name, step.id), AGENT_NODE, label, agent=True,
                                        retries=retries))
                continue
            target_id = _target_id(flowset, flow.name, target, elsewhere, wording)
            graph.edges.append(Edge(_node_id(flow.name, step.id), target_id, label, retries=retries))
    graph.nodes.extend(elsewhere.values())
    if uses_agent:
        graph.nodes.append(Node(AGENT_NODE, wording.agent, "", "agent"))
    return graph


def _exits(step: Step, wording: Wording = ENGLISH) -> list[tuple[str, str, bool]]:
    """(label, target as written, is it the retries' end) for every arrow out of a step."""
    found: list[tuple[str, str, bool]] = []
    if isinstance(step, Menu):
        for option in step.options:
            if option.next:
                found.append((option.key + (f" ({option.language})" if option.language else ""), option.next, False))
    elif isinstance(step, (Ask, Say)):
        if step.next:
            found.append(("", step.next, False))
    elif isinstance(step, (Action, Use)):
        found.extend(("" if label == "*" else label, target, False) for label, target, _ in step.outcomes)
    elif isinstance(step, Branch):
        found.extend((label, target, False) for label, target, _ in step.cases)
        if step.otherwise:
            found.append((wording.otherwise, step.otherwise, False))
    if isinstance(step, Question):
        then = step.retries.then if step.retries else AGENT
        found.append((wording.retries, then, True))
    return found


def _detail(step: Step, wording: Wording = ENGLISH) -> str:
    """What a box says under the step's name, in the wording's sentence for the step's kind."""
    template = wording.details.get(step.kind)
    if template is None:
        return step.kind
    prompts = step.prompt if isinstance(step, (Menu, Ask, Say)) else getattr(step, "say", ())
    if isinstance(step, Ask) and wording.heard is not None:
        template = "{prompts}"  # the question callers hear says what it asks
    return template.format(
        prompts=wording.prompts(tuple(prompts)), into=getattr(step, "into", ""), expect=getattr(step, "expect", ""),
        input=getattr(step, "input", ""), name=getattr(step, "name", ""), variable=getattr(step, "variable", ""),
        reason=getattr(step, "reason", ""), subflow=getattr(step, "subflow", ""),
        outcome=getattr(step, "outcome", ""))


def _node_id(flow: str, step: str) -> str:
    return "s_" + re.sub(r"\W", "_", step) if flow else step


def _target_id(flowset: FlowSet, flow: str, target: str, elsewhere: dict[str, Node],
               wording: Wording = ENGLISH) -> str:
    if "/" not in target and target in flowset.flows[flow].steps:
        return _node_id(flow, target)
    try:
        resolved = flowset.resolve(target, flow)
    except KeyError:
        resolved = target
    if resolved.split("/")[0] == flow and "/" in target:
        return _node_id(flow, resolved.split("/", 1)[1])
    node_id = "x_" + re.sub(r"\W", "_", resolved)
    detail = wording.other_flow.format(target=target) if target in flowset.flows else wording.in_other_flow
    elsewhere.setdefault(node_id, Node(node_id, resolved, detail, "elsewhere"))
    return node_id


# -- Mermaid ----------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    "menu": ("{{", "}}"), "ask": ("[/", "/]"), "say": ("[", "]"), "action": ("[[", "]]"),
    "branch": ("{", "}"), "transfer": ("([", "])"), "hangup": ("([", "])"), "use": ("[[", "]]"),
    "return": ("((", "))"), "agent": ("([", "])"), "start": ("((", "))"), "elsewhere": (">", "]"),
}  # fmt: skip


def mermaid(flowset: FlowSet, flow_name: str, wording: Wording = ENGLISH) -> str:
    """Mermaid flowchart text for one flow."""
    graph = build(flowset, flow_name, wording)
    lines = ["---", f"title: {_mermaid_title(graph, wording)}", "---", "flowchart TD"]
    for node in graph.nodes:
        left, right = _MERMAID_SHAPES.get(node.kind, ("[", "]"))
        text = node.title if not node.detail else f"{node.title}<br/>{node.detail}"
        lines.append(f"    {node.id}{left}\"{_mermaid_text(text)}\"{right}")
    for edge in graph.edges:
        arrow = "==>" if edge.agent else "-.->" if edge.retries else "-->"
        label = f"|\"{_mermaid_text(edge.label)}\"|" if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    lines.append("    classDef agent fill:#fde2e2,stroke:#b03a2e,stroke-width:2px,color:#000")
    lines.append("    classDef done fill:#e3f1e3,stroke:#2e7d32,color:#000")
    lines.append("    classDef elsewhere fill:#eeeeee,stroke:#777,stroke-dasharray:4 3,color:#000")
    agents = [n.id for n in graph.nodes if n.kind in ("agent", "transfer")]
    done = [n.id for n in graph.nodes if n.kind in ("hangup", "return")]
    others = [n.id for n in graph.nodes if n.kind == "elsewhere"]
    for name, ids in (("agent", agents), ("done", done), ("elsewhere", others)):
        if ids:
            lines.append(f"    class {','.join(ids)} {name}")
    return "\n".join(lines) + "\n"


def _mermaid_title(graph: FlowGraph, wording: Wording = ENGLISH) -> str:
    return wording.title.format(flow=graph.flow, key=graph.agent_key).replace(":", " ")


def _mermaid_text(text: str) -> str:
    return text.replace("\"", "#quot;").replace("\n", "<br/>")


# -- Graphviz DOT -----------------------------------------------------------------------------

_DOT_SHAPES = {
    "menu": "hexagon", "ask": "parallelogram", "say": "box", "action": "component", "branch": "diamond",
    "transfer": "box", "hangup": "box", "use": "component", "return": "ellipse", "agent": "doubleoctagon",
    "start": "circle", "elsewhere": "cds",
}  # fmt: skip


def dot(flowset: FlowSet, flow_name: str, wording: Wording = ENGLISH) -> str:
    """Graphviz DOT text for one flow (run `dot -Tsvg` on it for a picture)."""
    graph = build(flowset, flow_name, wording)
    heading = wording.heading.format(flow=graph.flow, description=graph.description.replace("`", ""))
    title = heading.rstrip(": ") + "\n" + wording.footer.format(key=graph.agent_key)
    lines = [
        f"digraph {_dot_quote(graph.flow)} {{",
        f"  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label={_dot_quote(title)}];",
        "  node [fontname=\"Helvetica\", fontsize=11, style=\"rounded,filled\", fillcolor=\"#ffffff\"];",
        "  edge [fontname=\"Helvetica\", fontsize=10];",
    ]
    for node in graph.nodes:
        attributes = {"shape": _DOT_SHAPES.get(node.kind, "box"),
                      "label": node.title + (f"\n{node.detail}" if node.detail else "")}
        if node.kind in ("agent", "transfer"):
            attributes.update(fillcolor="#fde2e2", color="#b03a2e", penwidth="2")
        elif node.kind in ("hangup", "return"):
            attributes.update(fillcolor="#e3f1e3", color="#2e7d32")
        elif node.kind == "elsewhere":
            attributes.update(fillcolor="#eeeeee", style="dashed,filled")
        elif node.kind == "start":
            attributes.update(label="", width="0.25", fillcolor="#000000")
        lines.append(f"  {_dot_quote(node.id)} [{_dot_attributes(attributes)}];")
    for edge in graph.edges:
        attributes = {"label": edge.label} if edge.label else {}
        if edge.agent:
            attributes.update(color="#b03a2e", penwidth="2")
        if edge.retries:
            attributes.update(style="dashed")
        suffix = f" [{_dot_attributes(attributes)}]" if attributes else ""
        lines.append(f"  {_dot_quote(edge.source)} -> {_dot_quote(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""


def _dot_attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{key}={_dot_quote(value)}" for key, value in attributes.items())
