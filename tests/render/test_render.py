"""The one item partial and the block template, shared by the site and the handouts."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from conftest import approve, edit

from careleaf.content.load import load_library
from careleaf.render.blocks import render_block


def test_each_protected_element_holds_exactly_its_field(mini: Path) -> None:
    html = render_block(load_library(mini), "en", "side-effects")
    marked = BeautifulSoup(html, "html.parser").select("[data-protected]")
    assert [(el["data-protected"], el["id"], el.get_text()) for el in marked] == [
        ("side-effects/intro", "p-side-effects--intro", "Most are mild."),
        ("side-effects/bruising/text", "p-side-effects--bruising--text", "A small bruise"),
        (
            "side-effects/bruising/frequency",
            "p-side-effects--bruising--frequency",
            "About 1 in 13 sessions.",
        ),
        (
            "side-effects/pneumothorax/text",
            "p-side-effects--pneumothorax--text",
            "A collapsed lung",
        ),
        (
            "side-effects/pneumothorax/detail",
            "p-side-effects--pneumothorax--detail",
            "Rare but serious.",
        ),
        ("side-effects/pneumothorax/frequency", "p-side-effects--pneumothorax--frequency", "Rare."),
    ]
    # The label is outside the element: it holds the field's text and nothing else.
    assert "How common" not in "".join(el.get_text() for el in marked)


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
    # Markup in an item's text is refused at load (tests/content/test_problems.py); a "<"
    # that starts no tag is text, and shown as typed.
    edit(mini / "content/en/side-effects.yml", "text: A small bruise", "text: A bruise, 1 < 2 cm")
    edit(mini / "content/en/about.yml", "A short **prose** block.", "A <i>short</i> **prose**.")
    approve(mini)
    library = load_library(mini)
    html = render_block(library, "en", "side-effects") + render_block(library, "en", "about")
    assert "A bruise, 1 &lt; 2 cm" in html
    assert "A &lt;i&gt;short&lt;/i&gt; <strong>prose</strong>." in html


def test_no_blank_lines_so_markdown_keeps_the_html_whole(mini: Path) -> None:
    library = load_library(mini)
    for block_id in library.content["en"]:
        assert "\n\n" not in render_block(library, "en", block_id)
