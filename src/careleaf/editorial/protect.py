"""Re-approve protected English: rewrite the pins of the registry in careleaf.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from careleaf.content.blocks import BLOCK_FIELDS, ITEM_FIELDS
from careleaf.content.load import load_library
from careleaf.content.project import pin
from careleaf.editorial.translate import dump_yaml
from careleaf.errors import CareleafError
from careleaf.paths import CONTENT_DIR, PROJECT_FILE

SECTION = "protected:"


def repin(root: Path, add_blocks: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The text of careleaf.yml with every protected field pinned to today's English.

    Run it only after a clinician has approved the English: the pins are what `careleaf check`
    and the build compare protected text with. Every item of a protected block is registered,
    and every field of an item is pinned (an item is protected whole); ``add_blocks``
    registers whole blocks (every block field too) first.

    Args:
        root: the project folder.
        add_blocks: source-language block ids to protect whole.

    Returns:
        The new text of careleaf.yml, and the keys whose pin changed or was added.

    Raises:
        CareleafError: the project does not load (pins aside), a block is unknown, or the
            ``protected:`` section is not the last top-level key of careleaf.yml.
    """
    root = Path(root)
    text = (root / PROJECT_FILE).read_text(encoding="utf-8")
    settings = yaml.safe_load(text)
    registry: dict[str, Any] = dict(settings.get("protected") or {})
    source = settings.get("source_language", "en")
    english = _english_blocks(root, source)
    for block_id in add_blocks:
        if block_id not in english:
            raise CareleafError(f"content/{source}/{block_id}.yml: no such block to protect")
        source_block = english[block_id]
        registry[block_id] = {
            **{name: "" for name in BLOCK_FIELDS[1:] if source_block.get(name)},
            "items": {item["id"]: {} for item in source_block.get("items", [])},
        }
    changed: list[str] = []
    new_registry: dict[str, Any] = {}
    for block_id, listed in registry.items():
        block = english.get(block_id)
        if block is None:
            raise CareleafError(f"{PROJECT_FILE}: protected block '{block_id}' does not exist")
        entry: dict[str, Any] = listed if isinstance(listed, dict) else {}
        pinned: dict[str, Any] = {}
        for name in BLOCK_FIELDS:
            if name in entry:
                value = block.get(name)
                if value is None:
                    raise CareleafError(
                        f"content/{source}/{block_id}.yml: protected field '{name}' is missing"
                    )
                pinned[name] = _pin(f"{block_id}/{name}", value, entry[name], changed)
        items = {item["id"]: item for item in block.get("items", [])}
        pinned_items: dict[str, Any] = {}
        listed_items = dict(entry.get("items") or {})
        # A protected block protects every item it has: new items join the registry.
        listed_items.update({item_id: {} for item_id in items if item_id not in listed_items})
        for item_id, fields in listed_items.items():
            item = items.get(item_id)
            if item is None:
                raise CareleafError(
                    f"content/{source}/{block_id}.yml: protected item '{item_id}' is missing"
                )
            fields = fields or {}
            pinned_items[item_id] = {
                name: _pin(f"{block_id}/{item_id}/{name}", item[name], fields.get(name), changed)
                for name in ITEM_FIELDS
                if item.get(name)
            }
        if pinned_items:
            pinned["items"] = pinned_items
        new_registry[block_id] = pinned
    new_text = replace_section(text, dump_yaml({"protected": new_registry}))
    return new_text, changed


def approve(root: Path, add_blocks: tuple[str, ...] = ()) -> list[str]:
    """Rewrite careleaf.yml's pins (see `repin`); put it back if the project then fails to load.

    Returns:
        The keys whose pin changed or was added.

    Raises:
        CareleafError: see `repin`; or a ContentError from loading the re-pinned project.
    """
    path = Path(root) / PROJECT_FILE
    old = path.read_text(encoding="utf-8")
    new, changed = repin(root, add_blocks)
    path.write_text(new, encoding="utf-8")
    try:
        load_library(Path(root))
    except CareleafError:
        path.write_text(old, encoding="utf-8")
        raise
    return changed


def _pin(key: str, text: str, old: Any, changed: list[str]) -> str:
    value = pin(_loaded_text(text))
    if value != old:
        changed.append(key)
    return value


def _loaded_text(text: str) -> str:
    # The model strips surrounding whitespace; pins are of the text as the model holds it.
    return text.strip()


def _english_blocks(root: Path, source: str) -> dict[str, dict[str, Any]]:
    blocks = {}
    for path in sorted((root / CONTENT_DIR / source).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        if isinstance(data, dict):
            blocks[path.stem] = data
    return blocks


def replace_section(text: str, section: str) -> str:
    """careleaf.yml's text with its ``protected:`` section (the last top-level key) replaced.

    Raises:
        CareleafError: there is no ``protected:`` section, or a top-level key follows it.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is None:
        return text.rstrip("\n") + "\n" + section
    for line in lines[start + 1 :]:
        if line[:1].strip() and not line.startswith("#"):
            raise CareleafError(
                f"{PROJECT_FILE}: '{SECTION}' must be the last top-level key "
                "(`careleaf protect` rewrites it)"
            )
    return "".join(lines[:start]) + section
