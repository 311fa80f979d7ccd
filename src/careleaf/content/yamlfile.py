"""Safe YAML reading that remembers where every key and list entry came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from careleaf.content.chars import char_name, forbidden_char
from careleaf.content.places import Places, YDict, YList, item_at, key_path
from careleaf.errors import Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
# Returned for a file that could not be read; its problem is already recorded.
UNREADABLE = object()
# Put where a refused character was typed before the YAML is parsed (the parser refuses
# control codes outright), so that the file's other problems are found too: a private-use
# character, which YAML reads as any other letter.
PLACEHOLDER = "\ue000"
STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader that records lines, collects duplicate keys and bounds nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []
        # Keys YAML 1.1 read as booleans: (as written, the boolean, line).
        self.boolean_keys: list[tuple[str, bool, int]] = []
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


def _written(node: yaml.Node) -> str | None:
    """A plain scalar that YAML 1.1 reads as something other than text (``no`` as false,
    ``0100`` as a number, ``2026-01-02`` as a date, ``~`` as null), as written; None for any
    other node."""
    plain = isinstance(node, yaml.ScalarNode) and node.style is None and node.value != ""
    return str(node.value) if plain and node.tag != STR_TAG else None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YDict:
    result = YDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.words = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            # A key is a name: kept as written (``no``, ``1.10``), never as YAML's value of
            # it (``False``, ``1.1``); a boolean is reported (`parse_yaml`).
            written = _written(key_node)
            if written is not None and isinstance(key, bool):
                loader.boolean_keys.append((written, key, line))
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key)
        if key in result:
            loader.duplicates.append((key, line))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
        written = _written(value_node)
        if written is not None:
            result.words[key] = written
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    result.words = {
        index: word
        for index, child in enumerate(node.value)
        if (word := _written(child)) is not None
    }
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
    file, read the same unsafe way) before MkDocs sees it; and the ``macros`` plugin that
    projects named before careleaf composed the pages itself (README, "Dependencies").
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
    plugins = data.get("plugins")
    named = plugins if isinstance(plugins, list) else list(plugins or {})
    if any(entry == "macros" or isinstance(entry, dict) and "macros" in entry for entry in named):
        # An older project's entry: MkDocs would stop on a plugin no longer installed, and
        # Zensical would import the project's Python for it.
        return [
            Problem(
                name,
                "the macros plugin is no longer used: careleaf composes every page itself "
                "before any site engine runs; remove its entry (and the macros/ folder)",
            )
        ]
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
    outside = not path.resolve().is_relative_to(root.resolve())
    link = linked_part(path, root)
    if link is not None:
        what = "it is" if link == path else f"its folder {display_path(link, root)} is"
        leaves = ", and this one leads outside the project" if outside else ""
        message = f"refused: {what} a link (careleaf does not follow links){leaves}"
        problems.append(Problem(name, message))
        return None
    if outside:
        problems.append(Problem(name, "refused: the file's real path is outside the project"))
        return None
    if not path.is_file():
        problems.append(Problem(name, "refused: not a regular file"))
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

    Every problem of the text is found in one pass: control characters (other than tab and
    newline), bidirectional overrides, a byte order mark inside text and the replacement
    character are refused with their line, key and item, whether typed or written as a YAML
    escape (``"\\a"``); so are duplicate keys and keys YAML 1.1 reads as booleans (``no:``).
    None of them stops the reading: the data is still returned, for its other checks.

    Args:
        text: the YAML.
        name: the file, for messages.
        problems: where problems are collected.
        line_offset: lines before ``text`` in its file (a page's front matter starts at 2).

    Returns:
        The data, or UNREADABLE when it is not valid YAML.
    """
    typed: list[tuple[int, str]] = []
    rows = text.split("\n")
    for number, row in enumerate(rows):
        char = next((ch for ch in row if forbidden_char(ch)), None)
        if char is not None:
            typed.append((number + 1, char))
            rows[number] = "".join(PLACEHOLDER if forbidden_char(ch) else ch for ch in row)
    try:
        loader = _Loader("\n".join(rows))
    except yaml.reader.ReaderError as error:  # characters YAML does not allow (U+FFFE...)
        where = text[: error.position].count("\n") + 1 + line_offset
        problems.append(Problem(name, f"U+{error.character:04X} is not allowed", line=where))
        return UNREADABLE
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        at = mark.line + 1 + line_offset if mark else None
        problems += [_char_problem(name, char, line + line_offset) for line, char in typed]
        problems.append(Problem(name, f"is not valid YAML: {error.problem or error}", line=at))
        return UNREADABLE
    except yaml.YAMLError as error:
        problems.append(Problem(name, f"is not valid YAML: {error}"))
        return UNREADABLE
    finally:
        loader.dispose()
    places = Places(data)
    for line, char in typed:
        problems.append(_char_problem(name, char, line + line_offset, data, places.at(line)))
    for key, key_line in loader.duplicates:
        item = item_at(data, places.at(key_line))
        problems.append(
            Problem(name, f"duplicate key '{key}'", line=key_line + line_offset, key=key, item=item)
        )
    for written, read_as, key_line in loader.boolean_keys:
        loc = places.at(key_line)
        problems.append(
            Problem(
                name,
                f"YAML 1.1 reads the key '{written}' as {str(read_as).lower()}: write it in "
                f'quotes ("{written}")',
                line=key_line + line_offset,
                key=key_path(loc) or None,
                item=item_at(data, loc),
            )
        )
    for value, loc, value_line in _strings(data):
        char = next((ch for ch in value if forbidden_char(ch)), None)
        if char is not None:
            at = value_line + line_offset if value_line else None
            problems.append(_char_problem(name, char, at, data, loc))
    return data


def _char_problem(
    name: str, char: str, line: int | None, data: Any = None, loc: tuple[str | int, ...] = ()
) -> Problem:
    return Problem(
        name,
        f"{char_name(char)} is not allowed",
        line=line,
        key=key_path(loc) or None,
        item=item_at(data, loc),
    )


def _strings(
    data: Any, loc: tuple[str | int, ...] = (), line: int | None = None
) -> list[tuple[str, tuple[str | int, ...], int | None]]:
    """Every string (keys and values) in the data, with its key path and nearest line."""
    found: list[tuple[str, tuple[str | int, ...], int | None]] = []
    if isinstance(data, str):
        found.append((data, loc, line))
    elif isinstance(data, YDict):
        for key, value in data.items():
            key_line = data.key_lines.get(key, data.line)
            found += [(key, (*loc, key), key_line), *_strings(value, (*loc, key), key_line)]
    elif isinstance(data, YList):
        for index, (value, item_line) in enumerate(zip(data, data.item_lines, strict=True)):
            found += _strings(value, (*loc, index), item_line)
    return found


def linked_part(path: Path, root: Path) -> Path | None:
    """The file itself, or the first folder of its path inside ``root``, that is a symbolic
    link, or None."""
    try:
        parts = path.absolute().relative_to(root.absolute()).parts
    except ValueError:
        return path if path.is_symlink() else None
    for count in range(1, len(parts) + 1):
        part = root.joinpath(*parts[:count])
        if part.is_symlink():
            return part if count < len(parts) else path
    return None


def display_path(path: Path, root: Path) -> str:
    """The path as a person should read it: relative to the project when inside it (the
    path as named in the project, where a link leads elsewhere)."""
    for named, base in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        if named.is_relative_to(base):
            return named.relative_to(base).as_posix()
    return str(path)
