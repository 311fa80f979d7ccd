"""Start a new language: empty translation files that record their English, and its settings."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from careleaf.content.blocks import BLOCK_FIELDS, Block, LangCode
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.content.pages import FRONT_MATTER
from careleaf.editorial.status_pages import SOURCE_KEY, page_body
from careleaf.errors import CareleafError
from careleaf.paths import CONTENT_DIR, DOCS_DIR, PROJECT_FILE

HEADER = (
    "# Translate every empty \"\" text. 'source' is the English each text is made from:\n"
    "# leave it as it is (`careleaf status` compares it with today's English).\n"
)


class _Dumper(yaml.SafeDumper):
    """Writes YAML the way people write it: indented lists, block scalars for multi-line text."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a block scalar cannot hold the text.
    style = "|" if "\n" in data else ('"' if data == "" else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Serialise data as careleaf writes YAML files (safe, unsorted, Unicode, 100 wide)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def translation_template(block: Block) -> dict[str, Any]:
    """A new translation of a source block: its English recorded, every translated text empty.

    Args:
        block: the source language's block.

    Returns:
        The data of ``content/<lang>/<block>.yml``: ``source`` holds the English title, intro,
        body and emergency instruction, each item's ``source`` the English of each of its
        fields; ``title``, ``intro``, ``body``, ``emergency`` and each item's ``text``,
        ``detail`` and ``frequency`` are "" (the loader treats "" in a translation as not yet
        translated).
    """
    data: dict[str, Any] = {
        "source": {name: getattr(block, name) for name in BLOCK_FIELDS if getattr(block, name)}
    }
    for name in BLOCK_FIELDS:
        if getattr(block, name) is not None:
            data[name] = ""
    if block.items:
        data["items"] = [
            {
                "id": item.id,
                **{name: "" for name in item.fields()},
                "source": item.fields(),
            }
            for item in block.items
        ]
    return data


def page_template(english: str) -> str:
    """A new translated page: the English page, recording the English it is made from.

    Args:
        english: the whole English page file.

    Returns:
        The page text, with ``source:`` (the English page without its front matter) first in
        its front matter.
    """
    recorded = dump_yaml({SOURCE_KEY: page_body(english)})
    if FRONT_MATTER.match(english):
        # Keep the English page's own front matter; the source goes first in it.
        first, rest = english.split("\n", 1)
        return f"{first}\n{recorded}{rest}"
    return f"---\n{recorded}---\n\n{english}"


def add_language(text: str, lang: str, name: str, direction: str = "ltr") -> str:
    """Add an unpublished draft language at the end of ``languages:`` in careleaf.yml's text.

    The file is edited as text so that its comments and layout stay as they are; the result is
    loaded back and compared with what was meant.

    Args:
        text: careleaf.yml as it is.
        lang: the new language code.
        name: the language's name, in the language itself.
        direction: "ltr" or "rtl".

    Returns:
        The new text of careleaf.yml.

    Raises:
        CareleafError: if the file has no block-style ``languages:`` mapping to add to.
    """
    entry = {"name": name, "direction": direction, "published": False, "status": "draft"}
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.split("#", 1)[0].rstrip() == "languages:" and not line[0].isspace()
        ),
        None,
    )
    by_hand = f"add it under languages: in {PROJECT_FILE} by hand:\n" + dump_yaml(
        {"languages": {lang: entry}}
    )
    if start is None:
        raise CareleafError(f"{PROJECT_FILE}: no 'languages:' block found; {by_hand}")
    indent: int | None = None
    step: int | None = None
    last = start
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip(" "))
        if depth == 0:
            break  # the next top-level key, or a comment that introduces it
        last = index
        if line.lstrip().startswith("#"):
            continue
        if indent is None:
            indent = depth
        elif step is None and depth > indent:
            step = depth - indent
    if indent is None:
        raise CareleafError(f"{PROJECT_FILE}: 'languages:' has no entries; {by_hand}")
    step = step or indent
    key = lang if yaml.safe_load(lang) == lang else f'"{lang}"'
    added = [" " * indent + f"{key}:"]
    for field, value in entry.items():
        added.append(" " * (indent + step) + dump_yaml({field: value}).rstrip("\n"))
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines[last + 1 : last + 1] = [line + newline for line in added]
    new_text = "".join(lines)
    expected = copy.deepcopy(yaml.safe_load(text))
    expected["languages"][lang] = entry
    if yaml.safe_load(new_text) != expected:
        raise CareleafError(f"{PROJECT_FILE}: could not add '{lang}' safely; {by_hand}")
    return new_text


def start_translation(
    root: Path, lang: str, name: str | None = None, direction: str = "ltr"
) -> list[Path]:
    """Start translating the project into a new language.

    Creates ``content/<lang>/<block>.yml`` for every source block (see `translation_template`),
    ``docs/<lang>/<page>.md`` for every source page (see `page_template`), and lists the
    language in careleaf.yml as an unpublished draft. Nothing is left behind if it fails.

    Args:
        root: the project folder.
        lang: the new language's code, e.g. ``fr`` or ``pt-BR``.
        name: the language's name (default: its code).
        direction: "ltr" or "rtl".

    Returns:
        The files created.

    Raises:
        CareleafError: if the language exists already, the code is not valid, or the project
            does not load (a ContentError then lists its problems).
    """
    root = Path(root)
    try:
        TypeAdapter(LangCode).validate_python(lang)
    except ValidationError:
        raise CareleafError(
            f"'{lang}' is not a language code (like 'fr', 'bn' or 'pt-BR')"
        ) from None
    if direction not in ("ltr", "rtl"):
        raise CareleafError(f"direction must be 'ltr' or 'rtl', not '{direction}'")
    content_dir = root / CONTENT_DIR / lang
    docs_dir = root / DOCS_DIR / lang
    project_file = root / PROJECT_FILE
    text = project_file.read_text(encoding="utf-8") if project_file.is_file() else ""
    try:
        settings = yaml.safe_load(text)
    except yaml.YAMLError:
        settings = None  # load_library below reports what is wrong with it
    languages = settings.get("languages") if isinstance(settings, dict) else None
    listed = isinstance(languages, dict) and lang in languages
    found = [
        where
        for where, there in (
            (f"it is listed in {PROJECT_FILE}", listed),
            (f"{CONTENT_DIR}/{lang}/ exists", content_dir.exists()),
            (f"{DOCS_DIR}/{lang}/ exists", docs_dir.exists()),
        )
        if there
    ]
    if found:
        raise CareleafError(
            f"language '{lang}' already exists ({'; '.join(found)}): translate its files, "
            f"and run `careleaf status --lang {lang}` to see what is missing or out of date"
        )
    library = load_library(root)
    new_text = add_language(text, lang, name or lang, direction)
    created: list[Path] = []
    try:
        created += _write_blocks(library, content_dir)
        created += _write_pages(root, library.source_language, docs_dir)
        project_file.write_text(new_text, encoding="utf-8", newline="")
        _check_new_language(root, lang)
    except BaseException:
        shutil.rmtree(content_dir, ignore_errors=True)
        shutil.rmtree(docs_dir, ignore_errors=True)
        project_file.write_text(text, encoding="utf-8", newline="")
        raise
    return created


def _write_blocks(library: Library, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    written = []
    for block_id, block in library.content[library.source_language].items():
        path = folder / f"{block_id}.yml"
        data = translation_template(block)
        text = HEADER + dump_yaml(data)
        if yaml.safe_load(text) != data:  # every English string must load back identical
            raise CareleafError(f"{path}: the English text does not survive a YAML round trip")
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _write_pages(root: Path, source: str, folder: Path) -> list[Path]:
    english = root / DOCS_DIR / source
    written = []
    for page in sorted(english.rglob("*.md")):
        target = folder / page.relative_to(english)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_template(page.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    return written


def _check_new_language(root: Path, lang: str) -> None:
    """The project loads with the new language, which is listed as an unpublished draft."""
    library = load_library(root)
    language = library.project.languages.get(lang)
    if language is None or language.published or language.status != "draft":
        raise CareleafError(f"{PROJECT_FILE}: '{lang}' was not added as an unpublished draft")
