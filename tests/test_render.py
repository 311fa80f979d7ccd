"""The one item partial and the block template, shared by the site and the handouts."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from conftest import edit

from careleaf.load import load_library
from careleaf.render import render_block


def test_item_element_holds_exactly_the_item_text(mini: Path) -> None:
    html = render_block(load_library(mini), "en", "side-effects")
    items = BeautifulSoup(html, "html.parser").select("[data-item]")
    assert [(el["data-item"], el["id"], el.get_text()) for el in items] == [
        ("bruising", "item-bruising", "A small bruise"),
        ("pneumothorax", "item-pneumothorax", "A collapsed lung"),
    ]


def test_styles(mini: Path) -> None:
    library = load_library(mini)
    risks = BeautifulSoup(render_block(library, "en", "side-effects", style="risks"), "html.parser")
    assert [td.get_text() for td in risks.select("tbody tr td:nth-of-type(2)")] == [
        "About 1 in 13 sessions.",
        "Rare.",
    ]
    screening = BeautifulSoup(
        render_block(library, "en", "contraindications", style="screening"), "html.parser"
    )
    assert len(screening.select("tbody tr .careleaf-box")) == 2
    assert screening.select_one("thead th").get_text() == "Does this apply to you?"


def test_text_is_escaped_and_markdown_rendered(mini: Path) -> None:
    edit(mini / "content/en/side-effects.yml", "text: A small bruise", "text: A <b>bruise</b>")
    edit(mini / "content/en/about.yml", "A short **prose** block.", "A <i>short</i> **prose**.")
    library = load_library(mini)
    html = render_block(library, "en", "side-effects") + render_block(library, "en", "about")
    assert "A &lt;b&gt;bruise&lt;/b&gt;" in html
    assert "A &lt;i&gt;short&lt;/i&gt; <strong>prose</strong>." in html


def test_no_blank_lines_so_markdown_keeps_the_html_whole(mini: Path) -> None:
    library = load_library(mini)
    for block_id in library.content["en"]:
        assert "\n\n" not in render_block(library, "en", block_id)
