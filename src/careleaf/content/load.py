"""Read the project's YAML into a validated, frozen Library; gather every problem, raise once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from careleaf.content.images import BadImage, Limits, check_image
from careleaf.content.markup import UnsafeMarkup, to_html
from careleaf.content.model import (
    BLOCK_FIELDS,
    CONSENT_STATEMENTS,
    HANDOUT_TITLES,
    ITEM_FIELDS,
    LABELS,
    NUMBER_PLACEHOLDER,
    REQUIRED_LABELS,
    Block,
    Clinic,
    Handout,
    Library,
    Project,
    pin,
    protected_key,
)
from careleaf.content.pages import check_pages
from careleaf.content.yamlfile import (
    UNREADABLE,
    YDict,
    YList,
    check_site_config,
    display_path,
    key_path,
    line_of,
    read_yaml,
)
from careleaf.errors import ContentError, Problem

PROJECT_FILE = "careleaf.yml"
CONTENT_DIR = "content"
HANDOUTS_DIR = "handouts"
CLINICS_DIR = "clinics"
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
    """Load and validate the whole project under ``root``.

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
    raw: dict[str, Any] = {}
    content: dict[str, dict[str, Block]] = {}
    for lang in sorted(project.languages, key=lambda code: code != project.source_language):
        source = content.get(project.source_language) if lang != project.source_language else None
        content[lang] = _load_language(root, lang, problems, source=source, raw=raw)
    _check_source_language(root, project, content, problems)
    _check_registry(root, project, content.get(project.source_language, {}), raw, problems)
    if check_pins:
        _check_pins(project, content.get(project.source_language, {}), raw, problems)
    _check_unlisted_languages(root, project, problems)
    handouts = _load_handouts(
        root, project.source_language, content.get(project.source_language, {}), problems
    )
    clinics = _load_clinics(root, problems)
    _check_consent_statements(clinics, content.get(project.source_language, {}), problems)
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
    return Library(root=root, project=project, content=content, handouts=handouts, clinics=clinics)


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
    raw: dict[str, Any] | None = None,
) -> dict[str, Block]:
    """One language's blocks; ``source`` (the source language's) is given for a translation.

    ``raw`` collects each file's data by its path, for the lines of later messages.
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
        data = read_yaml(path, root, problems)
        if translation:
            # An empty text in a translation means "not yet translated"
            data = _drop_untranslated(data)
            if data is None:
                continue  # its title is empty: the whole block is not yet translated
        block = validate(Block, data, name, problems, id=path.stem, lang=lang, path=name)
        if block is None:
            continue
        _check_block(block, data, seen_ids, seen_texts, problems)
        if translation:
            _check_no_notes(block, data, problems)
        blocks[block.id] = block
        if raw is not None:
            raw[block.path] = data
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


def _check_no_notes(block: Block, data: YDict, problems: list[Problem]) -> None:
    """Notes for translators are written once, in the source language, for every language."""
    where = [(("note",), block.note, block.id)] + [
        (("items", index, "note"), item.note, item.id) for index, item in enumerate(block.items)
    ]
    for loc, note, item_id in where:
        if note is not None:
            problems.append(
                Problem(
                    block.path,
                    "'note' belongs in the source language (a note for every translator)",
                    line=line_of(data, loc),
                    key=key_path(loc),
                    item=item_id,
                )
            )


def _check_block(
    block: Block,
    data: YDict,
    seen_ids: dict[str, str],
    seen_texts: dict[str, str],
    problems: list[Problem],
) -> None:
    """Checks across a block's fields and across the blocks of one language."""
    if not block.body and not block.items:
        problems.append(
            Problem(block.path, "empty block: it needs a body or items", line=1, item=block.id)
        )
    if block.emergency is not None and block.emergency.count(NUMBER_PLACEHOLDER) != 1:
        problems.append(
            Problem(
                block.path,
                f"the emergency instruction must hold {NUMBER_PLACEHOLDER} once: the clinic's "
                "emergency number goes there",
                line=line_of(data, ("emergency",)),
                key="emergency",
                item=block.id,
            )
        )
    for field in ("intro", "body"):
        text = getattr(block, field)
        if text:
            try:
                to_html(text)
            except UnsafeMarkup as error:
                problems.append(
                    Problem(
                        block.path,
                        str(error),
                        line=line_of(data, (field,)),
                        key=field,
                        item=block.id,
                    )
                )
    # Labels and handout titles share ids with blocks by design; they are their own namespace.
    namespace = block.id if block.id in (LABELS, HANDOUT_TITLES) else ""
    for index, item in enumerate(block.items):
        line = line_of(data, ("items", index, "id"))
        key = f"items[{index}].id"
        other = seen_ids.get(namespace + item.id)
        if other:
            problems.append(
                Problem(
                    block.path, f"duplicate id (also in {other})", line=line, key=key, item=item.id
                )
            )
        seen_ids[namespace + item.id] = block.path
        if not namespace:
            text_owner = seen_texts.get(item.text)
            if text_owner:
                problems.append(
                    Problem(
                        block.path,
                        f"same text as item '{text_owner}': every item's text must be "
                        "unique so that it can be found in the outputs",
                        line=line_of(data, ("items", index, "text")),
                        key=f"items[{index}].text",
                        item=item.id,
                    )
                )
            seen_texts[item.text] = item.id


def check_project(root: Path, library: Library) -> list[Problem]:
    """What loading does not check: mkdocs.yml, pages, docs folders, extra translated ids."""
    config = root / "mkdocs.yml"
    problems = check_site_config(config, root) if config.exists() else []
    return problems + extra_translations(library) + check_pages(root, library)


def extra_translations(library: Library) -> list[Problem]:
    """Translated blocks and items the source language does not have.

    They would be silently left out of every output, so `careleaf check` and the build refuse
    them (`careleaf status` lists them as "extra" to help the translator).
    """
    problems: list[Problem] = []
    english = library.content[library.source_language]
    for lang, blocks in library.content.items():
        if lang == library.source_language:
            continue
        for block in blocks.values():
            source = english.get(block.id)
            if source is None:
                problems.append(
                    Problem(
                        block.path,
                        f"unknown block: {CONTENT_DIR}/{library.source_language}/{block.id}.yml "
                        "does not exist",
                        item=block.id,
                    )
                )
                continue
            known = {item.id for item in source.items}
            extra = [index for index, item in enumerate(block.items) if item.id not in known]
            if not extra:
                continue
            data = read_yaml(library.root / block.path, library.root, [])
            for index in extra:
                item_id = block.items[index].id
                problems.append(
                    Problem(
                        block.path,
                        f"unknown id: {source.path} has no item '{item_id}' (remove it, or "
                        "correct the id)",
                        line=_line_of_item(data, item_id),
                        key="items",
                        item=item_id,
                    )
                )
    return problems


def _line_of_item(data: Any, item_id: str) -> int | None:
    items = data.get("items") if isinstance(data, YDict) else None
    if isinstance(items, YList):
        for index, item in enumerate(items):
            if isinstance(item, YDict) and item.get("id") == item_id:
                return line_of(data, ("items", index, "id"))
    return None


def _check_source_language(
    root: Path, project: Project, content: dict[str, dict[str, Block]], problems: list[Problem]
) -> None:
    """The source language must hold review metadata and every label; no translation sources."""
    lang = project.source_language
    blocks = content.get(lang, {})
    for block in blocks.values():
        if block.id in (LABELS, HANDOUT_TITLES):
            continue
        if block.review is None:
            problems.append(
                Problem(
                    block.path,
                    "required key is missing (every source block carries its review metadata)",
                    key="review",
                    item=block.id,
                )
            )
        for index, item in enumerate(block.items):
            if item.source is not None:
                problems.append(
                    Problem(
                        block.path,
                        "'source' belongs in translations only",
                        key=f"items[{index}].source",
                        item=item.id,
                    )
                )
    for special in (LABELS, HANDOUT_TITLES):
        if special not in blocks and not (root / CONTENT_DIR / lang / f"{special}.yml").is_file():
            problems.append(Problem(f"{CONTENT_DIR}/{lang}/{special}.yml", "file not found"))
    labels = blocks.get(LABELS)
    if labels is not None:
        for label_id in REQUIRED_LABELS:
            if labels.item(label_id) is None:
                problems.append(
                    Problem(
                        labels.path,
                        "label is missing (the templates use it)",
                        key="items",
                        item=label_id,
                    )
                )


def _check_registry(
    root: Path,
    project: Project,
    blocks: dict[str, Block],
    raw: dict[str, Any],
    problems: list[Problem],
) -> None:
    """Every protected block, item and field of the registry is in the source language, and
    every field a protected item has is registered (so none escapes its pin)."""
    lang = project.source_language
    for block_id, registered in project.protected.items():
        file = f"{CONTENT_DIR}/{lang}/{block_id}.yml"
        block = blocks.get(block_id)
        if block is None:
            if not (root / file).is_file():
                problems.append(Problem(file, "protected block not found", item=block_id))
            continue  # a broken file: its problem is reported already
        data = raw.get(block.path)
        for name in registered.field_pins():
            if getattr(block, name) is None:
                problems.append(
                    Problem(
                        file,
                        "protected field is missing (careleaf.yml protects it)",
                        key=name,
                        item=protected_key(block_id, name),
                    )
                )
        for index, item in enumerate(block.items):
            if item.id not in registered.items:
                problems.append(
                    Problem(
                        file,
                        "this item of a protected block is not in the registry: after clinical "
                        "review, run `careleaf protect` to add it",
                        line=line_of(data, ("items", index, "id")),
                        key=f"items[{index}].id",
                        item=f"{block_id}/{item.id}",
                    )
                )
        for item_id, fields in registered.items.items():
            if "--" in item_id or "--" in block_id:
                problems.append(
                    Problem(PROJECT_FILE, "a protected id may not hold '--'", item=item_id)
                )
            found = block.item(item_id)
            if found is None:
                problems.append(
                    Problem(
                        file,
                        "protected item is missing (careleaf.yml protects it)",
                        key="items",
                        item=item_id,
                    )
                )
                continue
            index = block.items.index(found)
            for name in ITEM_FIELDS:
                has = getattr(found, name) is not None
                if has and name not in fields:
                    problems.append(
                        Problem(
                            file,
                            "this field of a protected item is not in the registry: after "
                            "clinical review, add it under protected: in careleaf.yml and run "
                            "`careleaf protect`",
                            line=line_of(data, ("items", index, name)),
                            key=f"items[{index}].{name}",
                            item=protected_key(block_id, name, item_id),
                        )
                    )
                elif not has and name in fields:
                    problems.append(
                        Problem(
                            file,
                            "protected field is missing (careleaf.yml protects it)",
                            line=line_of(data, ("items", index, "id")),
                            key=f"items[{index}].{name}",
                            item=protected_key(block_id, name, item_id),
                        )
                    )


def _check_pins(
    project: Project, blocks: dict[str, Block], raw: dict[str, Any], problems: list[Problem]
) -> None:
    """Protected English must be the English approved in careleaf.yml, field by field."""
    for block_id, registered in project.protected.items():
        block = blocks.get(block_id)
        if block is None:
            continue
        data = raw.get(block.path)
        checks: list[tuple[str, str | None, str, tuple[str | int, ...]]] = [
            (protected_key(block_id, name), getattr(block, name), approved, (name,))
            for name, approved in registered.field_pins().items()
        ]
        for item_id, fields in registered.items.items():
            item = block.item(item_id)
            if item is None:
                continue
            index = block.items.index(item)
            checks += [
                (
                    protected_key(block_id, name, item_id),
                    getattr(item, name),
                    approved,
                    ("items", index, name),
                )
                for name, approved in fields.items()
            ]
        for key, text, approved, loc in checks:
            if text is not None and pin(text) != approved:
                problems.append(
                    Problem(
                        block.path,
                        "protected text differs from the text approved in careleaf.yml; if a "
                        "clinician has approved the change, run `careleaf protect` and submit "
                        "careleaf.yml for code-owner review",
                        line=line_of(data, loc),
                        key=key_path(loc),
                        item=key,
                    )
                )


def _check_unlisted_languages(root: Path, project: Project, problems: list[Problem]) -> None:
    folder = root / CONTENT_DIR
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if child.is_dir() and child.name not in project.languages:
            problems.append(
                Problem(
                    f"{CONTENT_DIR}/{child.name}/",
                    f"language '{child.name}' is not listed under languages in {PROJECT_FILE}",
                )
            )


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


def _check_consent_statements(
    clinics: dict[str, Clinic], blocks: dict[str, Block], problems: list[Problem]
) -> None:
    """A clinic switches on only statements the consent-statements block has."""
    block = blocks.get(CONSENT_STATEMENTS)
    known = {item.id for item in block.items} if block else set()
    for clinic in clinics.values():
        for index, statement in enumerate(clinic.consent_statements):
            if statement not in known:
                problems.append(
                    Problem(
                        clinic.path,
                        f"unknown consent statement (the items of "
                        f"{CONTENT_DIR}/<lang>/{CONSENT_STATEMENTS}.yml: "
                        f"{', '.join(sorted(known)) or 'none'})",
                        key=f"consent_statements[{index}]",
                        item=statement,
                    )
                )


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
