"""Safe YAML reading that remembers where every key and list entry came from."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from careleaf.errors import Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
# Characters no contributed text may hold: they hide or reorder what a reviewer reads (bidi
# overrides and isolates, "Trojan Source"), or are control codes no text needs.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_CONTROLS = frozenset("\t\n")
# Returned for a file that could not be read; its problem is already recorded.
UNREADABLE = object()


class YDict(dict):
    """A mapping read from YAML, with the line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class YList(list):
    """A sequence read from YAML, with the line of the sequence and of each entry."""

    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that records lines, collects duplicate keys and bounds nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # PyYAML composes recursively: bound the depth here, before Python's own limit.
        # Aliases are refused: they are not needed in content, and a few nested ones expand
        # into billions of values ("billion laughs") for every reader after the parser.
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: yaml.Node) -> Any:
        return self.construct_object(node, deep=True)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.constructor.ConstructorError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", node.start_mark
                )
            return super().construct_object(node, deep=True)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YDict:
    result = YDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((key, line))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _SiteConfigLoader(yaml.SafeLoader):
    """A safe loader that accepts MkDocs' own tags (their values do not matter here)."""


_SiteConfigLoader.add_constructor("!ENV", lambda loader, node: None)
_SiteConfigLoader.add_constructor("!relative", lambda loader, node: None)


def check_site_config(path: Path, root: Path) -> list[Problem]:
    """Refuse a site configuration (mkdocs.yml) that only an unsafe YAML loader would read.

    MkDocs reads mkdocs.yml with PyYAML's full, unsafe loader, so a Python tag in it runs
    code: careleaf reads it safely first, and refuses Python tags and ``INHERIT`` (another
    file, read the same unsafe way) before MkDocs sees it.
    """
    problems: list[Problem] = []
    text = read_text(path, root, problems, MAX_BYTES)
    if text is None:
        return problems
    name = display_path(path, root)
    try:
        data = yaml.load(text, Loader=_SiteConfigLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return [
            Problem(
                name,
                f"only plain YAML (and MkDocs' !ENV) is allowed: {error.problem}",
                line=mark.line + 1 if mark else None,
            )
        ]
    except yaml.YAMLError as error:
        return [Problem(name, f"is not valid YAML: {error}")]
    if not isinstance(data, dict):
        return [Problem(name, "must be a mapping of keys to values", line=1)]
    if "INHERIT" in data:
        return [Problem(name, "INHERIT is not allowed: keep the configuration in one file")]
    return []


def read_site_config(path: Path) -> dict[str, Any]:
    """The site configuration (mkdocs.yml) as data, read safely (MkDocs' tags read as None);
    a build has checked it with `check_site_config` first."""
    data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_SiteConfigLoader)  # noqa: S506
    return data if isinstance(data, dict) else {}


def read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    """Read one YAML file safely; problems are appended, never raised.

    Args:
        path: the file to read.
        root: the project folder; a file whose real path leaves it is refused.
        problems: where problems are collected.

    Returns:
        The data (YDict, YList, a scalar, or None for an empty file), or UNREADABLE.
    """
    text = read_text(path, root, problems, MAX_BYTES)
    if text is None:
        return UNREADABLE
    return parse_yaml(text, display_path(path, root), problems)


def read_text(path: Path, root: Path, problems: list[Problem], max_bytes: int) -> str | None:
    """A contributed file's UTF-8 text (BOM dropped, newlines as ``\\n``), or None.

    Refused with a problem: a file whose real path leaves ``root``, a link, anything but a
    regular file, more than ``max_bytes``, or text that is not UTF-8.
    """
    name = display_path(path, root)
    if not path.resolve().is_relative_to(root.resolve()):
        problems.append(Problem(name, "refused: the file's real path is outside the project"))
        return None
    if path.is_symlink() or not path.is_file():
        problems.append(Problem(name, "refused: not a regular file (links are not followed)"))
        return None
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as error:
        problems.append(Problem(name, f"cannot be read: {error.strerror}"))
        return None
    if len(raw) > max_bytes:
        problems.append(Problem(name, f"is larger than {max_bytes // 1024} KiB"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(Problem(name, f"is not UTF-8 (byte {error.start})"))
        return None
    # Universal newlines, as MkDocs and Python read text.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml(text: str, name: str, problems: list[Problem], line_offset: int = 0) -> Any:
    """Parse YAML text safely; problems (named ``name``) are appended, never raised.

    Control characters (other than tab and newline) and bidirectional overrides are refused
    with their line, whether typed or written as a YAML escape (``"\\a"``).

    Args:
        text: the YAML.
        name: the file, for messages.
        problems: where problems are collected.
        line_offset: lines before ``text`` in its file (a page's front matter starts at 2).

    Returns:
        The data, or UNREADABLE when it has a problem.
    """
    count = len(problems)
    for number, row in enumerate(text.split("\n"), start=1 + line_offset):
        char = next((ch for ch in row if forbidden_char(ch)), None)
        if char is not None:
            problems.append(Problem(name, f"{char_name(char)} is not allowed", line=number))
    if len(problems) > count:
        return UNREADABLE
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # characters YAML does not allow (U+FFFE...)
        where = text[: error.position].count("\n") + 1 + line_offset
        problems.append(Problem(name, f"U+{error.character:04X} is not allowed", line=where))
        return UNREADABLE
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        at = mark.line + 1 + line_offset if mark else None
        problems.append(Problem(name, f"is not valid YAML: {error.problem or error}", line=at))
        return UNREADABLE
    except yaml.YAMLError as error:
        problems.append(Problem(name, f"is not valid YAML: {error}"))
        return UNREADABLE
    finally:
        loader.dispose()
    for key, key_line in loader.duplicates:
        problems.append(
            Problem(name, f"duplicate key '{key}'", line=key_line + line_offset, key=key)
        )
    for value, value_line in _strings(data):
        char = next((ch for ch in value if forbidden_char(ch)), None)
        if char is not None:
            at = value_line + line_offset if value_line else None
            problems.append(Problem(name, f"{char_name(char)} is not allowed", line=at))
    return UNREADABLE if len(problems) > count else data


def forbidden_char(char: str) -> bool:
    """Whether contributed text may not hold this character (a control code or bidi override)."""
    if char in ALLOWED_CONTROLS:
        return False
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def char_name(char: str) -> str:
    """A character as a message shows it: ``U+0007 (BEL)``."""
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name.lower()})"


def _strings(data: Any, line: int | None = None) -> list[tuple[str, int | None]]:
    """Every string (keys and values) in the data, with the nearest line known."""
    found: list[tuple[str, int | None]] = []
    if isinstance(data, str):
        found.append((data, line))
    elif isinstance(data, YDict):
        for key, value in data.items():
            key_line = data.key_lines.get(key, data.line)
            found += [(key, key_line), *_strings(value, key_line)]
    elif isinstance(data, YList):
        for value, item_line in zip(data, data.item_lines, strict=True):
            found += _strings(value, item_line)
    return found


def display_path(path: Path, root: Path) -> str:
    """The path as a person should read it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def line_of(data: Any, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest key or entry of ``loc`` that exists in ``data``."""
    line = getattr(data, "line", None)
    node = data
    for step in loc:
        if isinstance(node, YDict) and isinstance(step, str) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line


def item_index(data: Any, item_id: str) -> int | None:
    """The index in ``data["items"]`` of the entry whose id is ``item_id``, or None.

    The index in the file as read: a translation's Block leaves out its untranslated items,
    so its own index of an item can be smaller.
    """
    items = data.get("items") if isinstance(data, YDict) else None
    if not isinstance(items, YList):
        return None
    return next(
        (i for i, it in enumerate(items) if isinstance(it, dict) and it.get("id") == item_id),
        None,
    )


def key_path(loc: tuple[str | int, ...]) -> str:
    """A pydantic-style location as a readable key path: ``items[2].text``."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out
