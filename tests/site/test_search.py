"""Each language's search settings and careleaf's search worker, without a browser (the
browser types into the search box in tests/features/test_search_languages.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from careleaf import compat
from careleaf.errors import BuildError
from careleaf.site import search


def words(text: str) -> list[str]:
    """``text`` split as the index splits it (the separator is valid Python too)."""
    return [word for word in re.split(search.separator(), text) if word]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Bengali words stay whole, with their vowel signs; the danda splits.
        (
            "স্বাগতম। শুকনো সুই-চিকিৎসা (নিউমোথোরাক্স)।",
            ["স্বাগতম", "শুকনো", "সুই", "চিকিৎসা", "নিউমোথোরাক্স"],
        ),
        # Arabic letters stay; Arabic comma, semicolon and question mark split.
        (
            "انخماص الرئة (استرواح الصدر)، نادر؟ نعم؛ «لا»",
            ["انخماص", "الرئة", "استرواح", "الصدر", "نادر", "نعم", "لا"],
        ),
        # Latin punctuation splits, a decimal point does not.
        (
            "¿Neumotórax? Tome 1.5 mg, 3 veces/día — «siempre».",
            ["Neumotórax", "Tome", "1.5", "mg", "3", "veces", "día", "siempre"],
        ),
    ],
)
def test_separator_splits_on_punctuation_of_any_script_and_keeps_words(
    text: str, expected: list[str]
) -> None:
    assert words(text) == expected


def test_separator_is_escaped_for_javascript_without_its_unicode_flag() -> None:
    # Only ASCII: every character of the class is written as \uXXXX.
    assert search.separator().isascii()
    assert "\\p{" not in search.separator()


def fake_search(separator: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(lang=None, pipeline=None, separator=separator))


@pytest.mark.parametrize(
    ("lang", "lunr", "pipeline"),
    [
        ("es", ["es"], ["stopWordFilter"]),
        ("en", ["en"], ["stopWordFilter"]),
        ("ar", ["ar"], ["stopWordFilter"]),
        # No lunr module: no English stop words, no trimmer, no stemmer on Bengali words.
        ("bn", ["en"], []),
    ],
)
def test_each_language_gets_its_lunr_module_and_never_the_trimmer(
    lang: str, lunr: list[str], pipeline: list[str]
) -> None:
    plugin = fake_search()
    search.configure_search(plugin, lang)
    assert plugin.config.lang == lunr
    assert plugin.config.pipeline == pipeline
    assert plugin.config.separator == search.separator()


def test_a_separator_set_in_mkdocs_yml_is_kept() -> None:
    plugin = fake_search(separator=r"[\s]+")
    search.configure_search(plugin, "es")
    assert plugin.config.separator == r"[\s]+"


def theme_dirs() -> list[str]:
    import material

    return [str(Path(material.__file__).parent / "templates")]


def test_the_worker_loads_materials_worker_by_its_name() -> None:
    script = search.worker_script(theme_dirs())
    name = compat.material_search_worker(tuple(theme_dirs())).rsplit("/", 1)[-1]
    assert f"const MATERIAL_WORKER = {json.dumps(name)}" in script
    assert "{{" not in script


def test_a_page_is_pointed_at_careleafs_worker() -> None:
    material = compat.material_search_worker(tuple(theme_dirs()))
    html = f'<script id="__config">{{"base": "..", "search": "../{material}"}}</script>'
    assert search.use_careleaf_worker(html, theme_dirs()) == (
        f'<script id="__config">{{"base": "..", "search": "../{search.WORKER}"}}</script>'
    )


def test_a_page_without_materials_worker_stops_the_build() -> None:
    with pytest.raises(BuildError, match="search worker"):
        search.use_careleaf_worker('<script id="__config">{}</script>', theme_dirs())
