"""The checks across files: each block's own rules, and the project-wide ones.

`load_library` runs the checks a Library must pass (a block's fields, ids and texts; the source
language's review metadata and labels; the protected-content registry and its pins; unlisted
languages; clinics' consent statements). `check_project` adds what `careleaf check` and the
build check beyond loading: mkdocs.yml, the site pages and docs folders, extra translations.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from careleaf.content.blocks import (
    CONSENT_STATEMENTS,
    HANDOUT_TITLES,
    ITEM_FIELDS,
    LABELS,
    NUMBER_PLACEHOLDER,
    REQUIRED_LABELS,
    Block,
)
from careleaf.content.clinic import SWITCHES, Clinic
from careleaf.content.handout import Handout
from careleaf.content.markup import UnsafeMarkup, to_html
from careleaf.content.model import Library
from careleaf.content.pages import check_pages
from careleaf.content.project import Project, pin, protected_key
from careleaf.content.yamlfile import YDict, check_site_config, item_index, key_path, line_of
from careleaf.errors import Problem
from careleaf.paths import CONTENT_DIR, PROJECT_FILE


def check_no_notes(block: Block, data: YDict, problems: list[Problem]) -> None:
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


def check_block(
    block: Block,
    data: YDict,
    seen_ids: dict[str, str],
    seen_texts: dict[str, str],
    problems: list[Problem],
    *,
    translation: bool = False,
) -> None:
    """Checks across a block's fields and across the blocks of one language.

    A translation may lack a body and items while they are not translated yet (a title alone
    is progress to keep; `careleaf status` lists what is missing), so only the source language
    must have one or the other.
    """
    if not translation and not block.body and not block.items:
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


def check_source_language(
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


def check_registry(
    root: Path,
    project: Project,
    blocks: dict[str, Block],
    raw: Mapping[str, YDict],
    problems: list[Problem],
) -> None:
    """Every protected block, item and field of the registry is in the source language, and
    every field a protected item has is registered (so none escapes its pin).

    ``raw`` holds each block file's data as read, by its path, for the lines of messages.
    """
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


def check_approved_english(
    project: Project, blocks: dict[str, Block], raw: Mapping[str, YDict], problems: list[Problem]
) -> None:
    """Protected English must be the English approved in careleaf.yml, field by field.

    ``raw`` holds each block file's data as read, by its path, for the lines of messages.
    """
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


def check_unlisted_languages(root: Path, project: Project, problems: list[Problem]) -> None:
    """Every language folder under ``content/`` is a language careleaf.yml lists."""
    folder = root / CONTENT_DIR
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if child.is_dir() and child.name not in project.languages:
            problems.append(
                Problem(
                    f"{CONTENT_DIR}/{child.name}/",
                    f"language '{child.name}' is not listed under languages in {PROJECT_FILE}",
                )
            )


def check_consent_statements(
    clinics: dict[str, Clinic], blocks: dict[str, Block], problems: list[Problem]
) -> None:
    """A clinic switches on only statements the consent-statements block has (not those its
    other switches turn on: `electrical_stimulation` decides about that statement)."""
    block = blocks.get(CONSENT_STATEMENTS)
    known = {item.id for item in block.items} - set(SWITCHES) if block else set()
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


def check_section_switches(
    handouts: dict[str, Handout], blocks: dict[str, Block], problems: list[Problem]
) -> None:
    """A handout section's `when` and `unless` name a switch a clinic can turn on: a consent
    statement, or one of `careleaf.content.clinic.SWITCHES`."""
    block = blocks.get(CONSENT_STATEMENTS)
    known = {item.id for item in block.items} | set(SWITCHES) if block else set(SWITCHES)
    for handout in handouts.values():
        for index, section in enumerate(handout.sections):
            for name in ("when", "unless"):
                switch = getattr(section, name)
                if switch is not None and switch not in known:
                    problems.append(
                        Problem(
                            handout.path,
                            f"unknown clinic switch (known: {', '.join(sorted(known))})",
                            key=f"sections[{index}].{name}",
                            item=switch,
                        )
                    )


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
            data = library.source_map.get(block.path)
            for index in extra:
                item_id = block.items[index].id
                in_file = item_index(data, item_id)  # untranslated items count in the file
                problems.append(
                    Problem(
                        block.path,
                        f"unknown id: {source.path} has no item '{item_id}' (remove it, or "
                        "correct the id)",
                        line=None if in_file is None else line_of(data, ("items", in_file, "id")),
                        key="items",
                        item=item_id,
                    )
                )
    return problems
