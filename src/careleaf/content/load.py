"""Read the project into a validated, frozen Library; gather every problem, raise once.

The YAML's problems are raised; the pages' (read last, against the loaded content) are kept
in the Library for `careleaf.content.checks.check_project`, as the site's other files'.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from careleaf.content.blocks import BLOCK_FIELDS, HANDOUT_TITLES, ITEM_FIELDS, LABELS, Block
from careleaf.content.checks import (
    check_approved_english,
    check_block,
    check_consent_statements,
    check_no_notes,
    check_registry,
    check_section_switches,
    check_source_language,
    check_unlisted_languages,
)
from careleaf.content.clinic import Clinic
from careleaf.content.handout import Handout
from careleaf.content.images import BadImage, Limits, check_image
from careleaf.content.model import Library
from careleaf.content.pages import read_pages
from careleaf.content.project import Project
from careleaf.content.yamlfile import (
    UNREADABLE,
    YDict,
    YList,
    display_path,
    key_path,
    line_of,
    read_yaml,
)
from careleaf.errors import ContentError, Problem
from careleaf.paths import CLINICS_DIR, CONTENT_DIR, HANDOUTS_DIR, PROJECT_FILE

# A logo is shown small: these bounds keep a hostile file from costing minutes and gigabytes.
LOGO_LIMITS = Limits(
    max_bytes=512 * 1024, max_side=2048, suffixes=frozenset({".svg", ".png", ".jpg", ".jpeg"})
)
# Profile fields printed on one line (site header, footer, PDF metadata).
SHORT_FIELDS = ("name", "phone", "address")
# Keys the loader sets itself; a file may not set them.
DERIVED_KEYS = ("id", "lang", "path")

M = TypeVar("M", bound=BaseModel)


def load_library(root: Path, *, check_pins: bool = True) -> Library:
    """Load and validate the whole project under ``root``, then read its pages.

    Args:
        root: the project folder.
        check_pins: compare protected English with its pins in careleaf.yml (off only for
            `careleaf protect`, which rewrites the pins).

    Raises:
        ContentError: with every problem found, each naming its file, line, key and item.
    """
    root = Path(root)
    problems: list[Problem] = []
    project = _load_project(root, problems)
    if project is None:
        raise ContentError(problems)
    raw: dict[str, YDict] = {}
    content: dict[str, dict[str, Block]] = {}
    for lang in sorted(project.languages, key=lambda code: code != project.source_language):
        source = content.get(project.source_language) if lang != project.source_language else None
        content[lang] = _load_language(root, lang, problems, source=source, raw=raw)
    check_source_language(root, project, content, problems)
    check_registry(root, project, content.get(project.source_language, {}), raw, problems)
    if check_pins:
        check_approved_english(project, content.get(project.source_language, {}), raw, problems)
    check_unlisted_languages(root, project, problems)
    handouts = _load_handouts(
        root, project.source_language, content.get(project.source_language, {}), problems
    )
    clinics = _load_clinics(root, problems)
    check_consent_statements(clinics, content.get(project.source_language, {}), problems)
    check_section_switches(handouts, content.get(project.source_language, {}), problems)
    if not (root / CLINICS_DIR / project.default_clinic / "clinic.yml").is_file():
        problems.append(
            Problem(
                PROJECT_FILE,
                f"default_clinic '{project.default_clinic}' has no "
                f"{CLINICS_DIR}/{project.default_clinic}/clinic.yml",
                key="default_clinic",
            )
        )
    if problems:
        raise ContentError(problems)
    library = Library(
        root=root,
        project=project,
        content=content,
        handouts=handouts,
        clinics=clinics,
        source_map=raw,
    )
    # The pages are checked against the content (the blocks and handouts they call): read
    # them once the content is loaded. Their problems stay with them (`check_project`).
    return library.with_pages(read_pages(library))


def validate(
    model: type[M], data: Any, file: str, problems: list[Problem], **derived: Any
) -> M | None:
    """Validate one file's data against a model; problems located by line, key and item."""
    if data is UNREADABLE:
        return None
    if data is None:
        problems.append(Problem(file, "is empty"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(file, "must be a mapping of keys to values", line=1))
        return None
    clashes = [key for key in derived if key in data]
    for key in clashes:
        problems.append(
            Problem(
                file,
                "unknown key (careleaf sets it from the file's name)",
                line=line_of(data, (key,)),
                key=key,
            )
        )
    if clashes:
        return None
    try:
        return model.model_validate({**data, **derived})
    except ValidationError as error:
        for detail in error.errors():
            loc = tuple(detail["loc"])
            problems.append(
                Problem(
                    file,
                    _message(detail),
                    line=line_of(data, loc),
                    key=key_path(loc) or None,
                    item=_item_id(data, loc),
                )
            )
        return None


def _message(detail: Any) -> str:
    if detail["type"] == "extra_forbidden":
        return "unknown key"
    if detail["type"] == "missing":
        return "required key is missing"
    return str(detail["msg"])


def _item_id(data: Any, loc: tuple[Any, ...]) -> str | None:
    """The id of the list entry a location points into, e.g. items[2] -> its id."""
    node = data
    found = None
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def _load_project(root: Path, problems: list[Problem]) -> Project | None:
    path = root / PROJECT_FILE
    if not path.is_file():
        problems.append(Problem(PROJECT_FILE, "not found: is this a careleaf project folder?"))
        return None
    project = validate(Project, read_yaml(path, root, problems), PROJECT_FILE, problems)
    if project and project.source_language not in project.languages:
        problems.append(
            Problem(
                PROJECT_FILE,
                f"source_language '{project.source_language}' is not listed under languages",
                key="source_language",
            )
        )
        return None
    return project


def _load_language(
    root: Path,
    lang: str,
    problems: list[Problem],
    source: dict[str, Block] | None = None,
    raw: dict[str, YDict] | None = None,
) -> dict[str, Block]:
    """One language's blocks; ``source`` (the source language's) is given for a translation.

    ``raw`` collects each block file's data as read, by its path: the lines and the item
    indices of the file itself, for later messages (`Library.source_map`).
    """
    translation = source is not None
    folder = root / CONTENT_DIR / lang
    blocks: dict[str, Block] = {}
    if not folder.is_dir():
        problems.append(Problem(f"{CONTENT_DIR}/{lang}/", "language folder not found"))
        return blocks
    seen_ids: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        name = display_path(path, root)
        data = as_read = read_yaml(path, root, problems)
        if translation:
            # An empty text in a translation means "not yet translated"
            data = _drop_untranslated(data)
            if data is None:
                continue  # its title is empty: the whole block is not yet translated
        block = validate(Block, data, name, problems, id=path.stem, lang=lang, path=name)
        if block is None:
            continue
        check_block(block, data, seen_ids, seen_texts, problems, translation=translation)
        if translation:
            check_no_notes(block, data, problems)
        blocks[block.id] = block
        if raw is not None:
            # As read, untranslated items included: messages give a key path in the file.
            raw[block.path] = as_read
    return blocks


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _drop_untranslated(data: Any) -> Any:
    """A translation's data without its untranslated parts; None if the block is untranslated.

    An empty text in a translation means "not yet translated": the block (empty title) or item
    (empty or no text) is dropped and shows as missing in `careleaf status`; an empty intro,
    body, emergency instruction, detail or frequency counts as absent (and an item without a
    field English has counts as not translated: see `Library.translated_item`). Line numbers
    are kept for messages.
    """
    if not isinstance(data, YDict):
        return data
    if "title" in data and _is_empty(data["title"]):
        return None
    kept = YDict((k, v) for k, v in data.items() if not (k in BLOCK_FIELDS[1:] and _is_empty(v)))
    kept.line, kept.key_lines = data.line, data.key_lines
    items = data.get("items")
    if isinstance(items, YList):
        new_items = YList()
        new_items.line, new_items.item_lines = items.line, []
        for item, line in zip(items, items.item_lines, strict=True):
            if isinstance(item, YDict):
                if _is_empty(item.get("text")):
                    continue
                trimmed = YDict(
                    (k, v) for k, v in item.items() if not (k in ITEM_FIELDS[1:] and _is_empty(v))
                )
                trimmed.line, trimmed.key_lines = item.line, item.key_lines
                item = trimmed
            new_items.append(item)
            new_items.item_lines.append(line)
        kept["items"] = new_items
    return kept


def _load_handouts(
    root: Path, source_lang: str, source_blocks: dict[str, Block], problems: list[Problem]
) -> dict[str, Handout]:
    handouts: dict[str, Handout] = {}
    # Every block file counts, even a broken one: its own problem is reported already.
    known_blocks = {path.stem for path in (root / CONTENT_DIR / source_lang).glob("*.yml")}
    for path in sorted((root / HANDOUTS_DIR).glob("*.yml")):
        name = display_path(path, root)
        data = read_yaml(path, root, problems)
        handout = validate(Handout, data, name, problems, id=path.stem, path=name)
        if handout is None:
            continue
        for index, section in enumerate(handout.sections):
            if section.block not in known_blocks:
                loc = ("sections", index)
                problems.append(
                    Problem(
                        name,
                        "unknown block",
                        line=line_of(data, loc),
                        key=key_path(loc),
                        item=section.block,
                    )
                )
        handouts[handout.id] = handout
    labels = source_blocks.get(LABELS)
    if labels is not None:
        for handout in handouts.values():
            for label_id in handout.labels():
                if labels.item(label_id) is None:
                    problems.append(
                        Problem(
                            labels.path,
                            f"label is missing (handout '{handout.id}' uses it)",
                            key="items",
                            item=label_id,
                        )
                    )
    titles = source_blocks.get(HANDOUT_TITLES)
    if titles is not None:
        for handout_id in handouts:
            if titles.item(handout_id) is None:
                problems.append(
                    Problem(titles.path, "handout has no title", key="items", item=handout_id)
                )
    return handouts


def _load_clinics(root: Path, problems: list[Problem]) -> dict[str, Clinic]:
    clinics: dict[str, Clinic] = {}
    for path in sorted((root / CLINICS_DIR).glob("*/clinic.yml")):
        clinic = load_clinic(path, root, problems)
        if clinic is not None:
            clinics[clinic.id] = clinic
    return clinics


def load_clinic(path: Path, root: Path, problems: list[Problem]) -> Clinic | None:
    """Load one clinic profile and check its logo: present, inside the clinic folder, small."""
    name = display_path(path, root)
    data = read_yaml(path, root, problems)
    clinic = validate(Clinic, data, name, problems, id=path.parent.name, path=name)
    if clinic is None:
        return None
    for key in SHORT_FIELDS:
        if any(ch in "\n\t" for ch in getattr(clinic, key)):
            problems.append(
                Problem(
                    name,
                    "must be one line (no line breaks or tabs)",
                    line=line_of(data, (key,)),
                    key=key,
                    item=clinic.id,
                )
            )
            return None
    folder = path.parent.resolve()
    logo = (path.parent / clinic.logo).resolve()
    line = line_of(data, ("logo",))
    if not logo.is_relative_to(folder):
        problems.append(
            Problem(
                name,
                "the logo must be a file inside the clinic's folder",
                line=line,
                key="logo",
                item=clinic.id,
            )
        )
    elif not logo.is_file():
        problems.append(
            Problem(
                name, f"logo file not found: {clinic.logo}", line=line, key="logo", item=clinic.id
            )
        )
    else:
        try:
            check_image(logo, LOGO_LIMITS)
        except BadImage as error:
            problems.append(
                Problem(name, f"the logo {error}", line=line, key="logo", item=clinic.id)
            )
            return None
        return clinic
    return None
