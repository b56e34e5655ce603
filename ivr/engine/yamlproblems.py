"""Why a YAML file cannot be read, in the words of the people who edit it.

PyYAML reports a parse error as a *problem* mark (where it gave up) and sometimes a *context*
mark (what it was reading then): "while parsing a block mapping … expected <block end>, but
found '<block mapping start>'". Those are the parser's words, and the place it gave up is not
always the place to fix. `explain` turns each kind of problem the parser reports (scanner,
parser, composer and constructor errors, and the reader's) into one sentence that says what is
wrong on which line, and one that says what to do, reading the text around the marks to tell
an over-indented line from an under-indented one, a colon in a sentence from a missing space,
and a quote that is never closed from one closed too early.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Explained:
    """Where to look (1-based line and column), what is wrong, how to fix it."""

    line: int
    column: int
    message: str
    hint: str


class DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one block: PyYAML keeps the last silently, we refuse it."""

    def __init__(self, key: object, first_line: int, mark: yaml.Mark):
        super().__init__(None, None, f"'{key}' is written twice in the same block", mark)
        self.key = key
        self.first_line = first_line


class KeyNotText(yaml.constructor.ConstructorError):
    """A key that is a list or a mapping ({a: 1}: …), which no setting can be."""

    def __init__(self, mark: yaml.Mark):
        super().__init__(None, None, "a key cannot be a list or a mapping", mark)


@dataclass(frozen=True)
class _Line:
    number: int
    indent: int
    text: str

    @property
    def name(self) -> str:
        """The key written on the line (before ': '), or the item of a list ('- item'), shortened."""
        body = self.text.strip()
        colon = _first_colon(body)
        return (body if colon is None else body[:colon])[:40].strip()

    @property
    def first_word(self) -> str:
        return (self.text.split() or [""])[0].strip("'\"")[:40]


class _Text:
    """The file's lines, with the indentation and the lines that hold something (not blank, not a comment)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def at(self, number: int) -> _Line:
        text = self.lines[number - 1] if 0 < number <= len(self.lines) else ""
        return _Line(number, len(text) - len(text.lstrip(" ")), text)

    def before(self, number: int) -> _Line | None:
        """The nearest line above that holds something."""
        for previous in range(min(number, len(self.lines) + 1) - 1, 0, -1):
            line = self.at(previous)
            if line.text.strip() and not line.text.strip().startswith("#"):
                return line
        return None

    def blocks_around(self, number: int) -> list[_Line]:
        """The line above, then each line further up that is less indented: the blocks a line can join."""
        above = self.before(number)
        found = [above] if above else []
        while above is not None:
            outer = self.before(above.number)
            while outer is not None and outer.indent >= found[-1].indent:
                outer = self.before(outer.number)
            if outer is None:
                break
            found.append(outer)
            above = outer
        return found


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def explain(error: yaml.YAMLError, text: str) -> Explained:
    """One finding for a file PyYAML cannot read: the line to look at, what is wrong, what to do."""
    lines = _Text(text)
    if isinstance(error, yaml.reader.ReaderError):
        line, column = _position(text, error.position)
        return Explained(line, column, f"line {line} has an invisible control character (U+{error.character:04X})",
                         "delete it: it often comes with text pasted from a word processor")
    if not isinstance(error, yaml.MarkedYAMLError):
        return Explained(1, 1, "this file cannot be read as YAML", "check its indentation and quotes")
    problem_mark = error.problem_mark or error.context_mark
    line = problem_mark.line + 1 if problem_mark else 1
    column = problem_mark.column + 1 if problem_mark else 1
    context_line = error.context_mark.line + 1 if error.context_mark else line
    context_column = error.context_mark.column + 1 if error.context_mark else column
    problem, context = error.problem or "", error.context or ""
    if isinstance(error, DuplicateKey):
        return Explained(line, column, f"'{error.key}' is written twice in the same block (first on line "
                                       f"{error.first_line})", "keep only one of them")
    if isinstance(error, KeyNotText):
        return Explained(line, column, f"line {line} uses a list or a block as a name",
                         "write a plain name before ':', or put the text in quotes")
    if "'\\t'" in problem:
        return Explained(line, column, f"line {line} has a tab where YAML needs spaces",
                         "replace the tab with spaces (set your editor to type spaces for the Tab key)")
    if problem.startswith("found unknown escape character"):
        return Explained(line, column, f"line {line} has a backslash (\\) in double quotes, which starts a "
                                       "special character there",
                         "put the text in single quotes instead, or write the backslash twice (\\\\)")
    if "while scanning a quoted scalar" in context:
        return _unclosed_quote(context_line, context_column, lines)
    if "while scanning an alias" in context or problem.startswith("found undefined alias"):
        return _reserved(context_line if error.context_mark else line,
                         context_column if error.context_mark else column, "*", lines)
    if "while scanning an anchor" in context:
        return _reserved(context_line, context_column, "&", lines)
    if "could not determine a constructor for the tag" in problem:
        return _reserved(line, column, "!", lines)
    if "that cannot start any token" in problem:
        character = problem.split("'")[1] if "'" in problem else "?"
        return _reserved(line, column, character, lines)
    if "expected a single document" in context:
        return Explained(line, column, f"line {line} ('---') starts a second document, and a file holds only one",
                         "remove the '---' line, or move what follows it into a file of its own")
    if "while parsing a flow mapping" in context or "while parsing a flow sequence" in context:
        return _unclosed_bracket(context_line, context_column, line, "{" if "mapping" in context else "[")
    if "could not find expected ':'" in problem:
        return _no_colon(lines.at(context_line), lines)
    if problem == "mapping values are not allowed here":
        return _colon_where_not_allowed(line, column, lines)
    if problem.startswith("expected '<document start>'"):
        indented = _first_lines_indented(lines.at(line), lines)
        if indented is not None:
            return indented
    if problem.startswith("expected <block end>"):
        quoted = _quoted_before(text, problem_mark) if "'<scalar>'" in problem else None
        if quoted is not None:
            return quoted
        return _misaligned(lines.at(line), lines, problem)
    return Explained(line, column, f"line {line} cannot be read as YAML",
                     f"check its indentation and quotes against the line above (the YAML reader says: {problem})")


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _misaligned(line: _Line, lines: _Text, problem: str) -> Explained:
    """A line that starts where no block can take it: further right than the line above, or between two blocks."""
    blocks = lines.blocks_around(line.number)
    where = line.indent + 1
    if not blocks:
        return Explained(line.number, where, f"line {line.number} is indented, but nothing above it opens a block",
                         f"remove {_spaces(line.indent)} at the start of line {line.number}")
    above = blocks[0]
    if line.indent > above.indent:
        return Explained(line.number, where, f"line {line.number} is indented more than the line above it",
                         f"align it with '{above.name}' on line {above.number}: remove "
                         f"{_spaces(line.indent - above.indent)} at the start of line {line.number}")
    inner = min((b for b in blocks if b.indent > line.indent), key=lambda b: b.indent, default=None)
    outer = max((b for b in blocks if b.indent < line.indent), key=lambda b: b.indent, default=None)
    if inner is not None and all(b.indent != line.indent for b in blocks):
        choices = f"{_spaces(inner.indent)} to line it up with '{inner.name}' (line {inner.number})"
        if outer is not None:
            choices += (f", or {_spaces(outer.indent) if outer.indent else 'none'} to line it up with "
                        f"'{outer.name}' (line {outer.number})")
        return Explained(line.number, where, f"line {line.number} is indented less than the line above it, "
                                             "but does not line up with any line above",
                         f"start line {line.number} with {choices}")
    if line.text.strip().startswith("-"):
        return Explained(line.number, where, f"line {line.number} starts a list item ('- ') among 'name: value' lines",
                         "indent it under the name the list belongs to, or write it as 'name: value'")
    if "'?'" in problem and above.text.strip().startswith("-"):
        return Explained(line.number, where, f"line {line.number} is a 'name: value' among the items of a list",
                         f"start it with '- ' if it is an item, or line it up with the name above the list")
    return Explained(line.number, where, f"line {line.number} does not line up with the lines above it",
                     f"check the spaces at the start of lines {above.number} and {line.number}: lines of one "
                     "block start at the same column")


def _first_lines_indented(line: _Line, lines: _Text) -> Explained | None:
    """The file's first lines start further right than a later one, which then starts a second block
    where a file has room for one (PyYAML: "expected '<document start>'"); None when that is not why."""
    first = next((lines.at(n) for n in range(1, line.number)
                  if lines.at(n).text.strip() and not lines.at(n).text.strip().startswith("#")), None)
    if first is None or first.indent <= line.indent:
        return None
    last = lines.before(line.number)
    where = f"line {first.number}" if last is None or last.number == first.number else \
        f"lines {first.number} to {last.number}"
    return Explained(first.number, first.indent + 1,
                     f"line {first.number} is indented, but it starts the file: line {line.number} starts further "
                     "left, and cannot line up with it",
                     f"start the file at the left margin: remove {_spaces(first.indent - line.indent)} at the start "
                     f"of {where}")


def _colon_where_not_allowed(number: int, column: int, lines: _Text) -> Explained:
    """': ' where YAML cannot start a setting: in a sentence, on an over-indented line, after a missing space."""
    line = lines.at(number)
    first_colon = _first_colon(line.text)
    if first_colon is None or column - 1 > first_colon:
        return Explained(number, column, f"the text on line {number} has ': ' in it, which YAML reads as the "
                                         "start of a setting",
                         f"put the whole text in double quotes: {line.name}: \"…\"")
    above = lines.before(number)
    if above is not None and line.indent > above.indent:
        return _misaligned(line, lines, "")
    if above is not None:
        return _no_colon(above, lines)
    return Explained(number, column, f"line {number} cannot be read as YAML", "check its indentation and quotes")


def _first_colon(text: str) -> int | None:
    """Where the first ': ' (or a ':' ending the line) is: where a name ends."""
    for index, char in enumerate(text):
        if char == ":" and (index + 1 == len(text) or text[index + 1] in " \t"):
            return index
    return None


def _no_colon(line: _Line, lines: _Text) -> Explained:
    """A line that YAML reads as a name but finds no ': ' after: a missing ':' or a missing space."""
    above = lines.before(line.number)
    word = line.first_word
    name, colon, value = word.partition(":")
    if colon and name and value:
        return Explained(line.number, line.indent + 1, f"line {line.number} has no space after its ':'",
                         f"write a space after the ':' ('{name}: {value}')")
    hint = f"write it as '{word}: …', with ':' and a space after the name"
    if above is not None and above.indent == line.indent and above.text.strip().startswith("- "):
        hint += ", or start it with '- ' if it is an item of the list above"
    elif above is not None and above.indent == line.indent and _plain_value(above.text):
        hint += (f"; if it goes on with the text of line {above.number}, indent it more than "
                 f"'{above.name}', or put the whole text in quotes")
    return Explained(line.number, line.indent + 1, f"line {line.number} has no ':' after '{word}'", hint)


def _plain_value(text: str) -> bool:
    """A 'name: value' line whose value is text without quotes or brackets, which YAML lets run on."""
    colon = _first_colon(text)
    value = text[colon + 1:].strip() if colon is not None else ""
    return bool(value) and value[0] not in "'\"[{|>&*!#"


def _unclosed_quote(number: int, column: int, lines: _Text) -> Explained:
    quote = lines.at(number).text[column - 1:column] or '"'
    return Explained(number, column, f"the quote ({quote}) opened on line {number} is never closed on that line",
                     f"end the text with {quote} on line {number}")


def _quoted_before(text: str, mark: yaml.Mark | None) -> Explained | None:
    """The text in quotes just before where the parser gave up: closed too early, or never closed."""
    if mark is None:
        return None
    last = None
    try:
        for token in yaml.scan(text):
            if token.start_mark.index >= mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if not isinstance(last, yaml.ScalarToken) or last.style not in ("'", '"'):
        return None
    start, end = last.start_mark, last.end_mark
    if end.line != start.line:
        return _unclosed_quote(start.line + 1, start.column + 1, _Text(text))
    quote = last.style
    inside = ("a ' inside '…' ends the text: put the whole text in double quotes (\"l'état\"), or write the "
              "apostrophe twice (l''état)") if quote == "'" else (
              "a \" inside \"…\" ends the text: write « » in the words, or put the whole text in single quotes")
    return Explained(end.line + 1, end.column + 1, f"the text in quotes on line {start.line + 1} ends before the "
                                                   "end of the line, and more text follows it", inside)


def _reserved(number: int, column: int, character: str, lines: _Text) -> Explained:
    example = lines.at(number).text[column - 1:].split(":")[0].split(",")[0].strip().rstrip("}]") or character
    return Explained(number, column, f"line {number} has text that starts with '{character}', which YAML "
                                     "reserves for its own use",
                     f"put that text in quotes: \"{example}\"")


def _unclosed_bracket(number: int, column: int, problem_line: int, bracket: str) -> Explained:
    closing = "}" if bracket == "{" else "]"
    if problem_line == number:
        return Explained(number, column, f"two items in the '{bracket} {closing}' on line {number} have no ',' "
                                         "between them", "separate the items with ', '")
    return Explained(number, column, f"the '{bracket}' opened on line {number} is never closed",
                     f"end it with '{closing}' on line {number} (and check that a ',' separates its items)")
