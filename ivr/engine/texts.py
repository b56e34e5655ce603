"""Content read from a {relative path: text} mapping instead of the disk, through the loader's one code path.

The loader (flows, prompts, languages, glossary, hours) reads files with a handful of `pathlib.Path`
methods: `/`, `name`, `stem`, `parent`, `is_dir`, `is_file`, `glob`, `read_bytes`, `read_text` and
`relative_to`. `TextPath` has the same ones over a mapping such as a stored flows version's files
({"flows/main.yaml": "...", "prompts/fr/main.yaml": "..."}), so an archived version is loaded by the
very code that loads the folders on disk, with no temporary folder. It has no `__fspath__`: handing one
to `Path()` or `open()` fails at once instead of reading the disk; readers call `as_path` instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

__all__ = ["ContentPath", "TextPath", "as_path"]


class TextPath:
    """A file or folder of `files` ({"folder/name.yaml": text}, "/"-separated, relative). `label` names the
    whole in messages (`str()` is "<label>/<relative path>"); `folders` exist even when empty."""

    def __init__(self, files: Mapping[str, str], label: str, folders: Collection[str] = (),
                 parts: tuple[str, ...] = ()) -> None:
        self.files = files
        self.label = label
        self.folders = frozenset(folders)
        self.parts = parts

    # -- naming ------------------------------------------------------------------------------

    def __truediv__(self, name: str) -> TextPath:
        return TextPath(self.files, self.label, self.folders, self.parts + tuple(PurePosixPath(name).parts))

    def __str__(self) -> str:
        return "/".join((self.label, *self.parts))

    def __repr__(self) -> str:
        return f"TextPath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextPath) and (self.files, self.parts) == (other.files, other.parts)

    def __hash__(self) -> int:
        return hash(self.parts)

    def __lt__(self, other: TextPath) -> bool:
        return self.parts < other.parts

    @property
    def key(self) -> str:
        return "/".join(self.parts)

    @property
    def name(self) -> str:
        return self.parts[-1] if self.parts else ""

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def parent(self) -> TextPath:
        return TextPath(self.files, self.label, self.folders, self.parts[:-1])

    def relative_to(self, other: TextPath) -> PurePosixPath:
        if self.parts[:len(other.parts)] != other.parts:
            raise ValueError(f"{self} is not in {other}")
        return PurePosixPath(*self.parts[len(other.parts):])

    # -- reading -----------------------------------------------------------------------------

    def is_file(self) -> bool:
        return self.key in self.files

    def is_dir(self) -> bool:
        prefix = self.key + "/" if self.parts else ""
        return self.key in self.folders or not self.parts or any(name.startswith(prefix) for name in self.files)

    def glob(self, pattern: str) -> Iterator[TextPath]:
        """The files below this folder whose relative path matches `pattern` segment by segment
        ("*.yaml", "*/*.yaml"), as `Path.glob` matches them."""
        wanted = PurePosixPath(pattern).parts
        for name in self.files:
            parts = PurePosixPath(name).parts
            below = parts[len(self.parts):]
            if parts[:len(self.parts)] == self.parts and len(below) == len(wanted) \
                    and all(fnmatchcase(part, match) for part, match in zip(below, wanted)):
                yield TextPath(self.files, self.label, self.folders, parts)

    def read_bytes(self) -> bytes:
        """The text as the disk would hold it (UTF-8; undecodable bytes kept as they were read)."""
        try:
            text = self.files[self.key]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory", str(self)) from None
        return text.encode("utf-8", errors="surrogateescape")

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)


ContentPath = Path | TextPath
"""Where the loader reads from: a folder or file on disk, or one in a mapping."""


def as_path(where: Path | str | TextPath) -> ContentPath:
    """`where` as something the loader can read: a TextPath stays one; a string becomes a Path."""
    return where if isinstance(where, TextPath) else Path(where)
