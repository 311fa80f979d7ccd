"""Jinja with StrictUndefined and autoescape: one block for the site, a handout for print."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from .markup import to_html
from .model import Library


@cache
def environment() -> jinja2.Environment:
    """The template environment shared by the site and the handouts."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("careleaf", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    return env


def render_block(
    library: Library, lang: str, block_id: str, *, style: str = "default", heading_level: int = 2
) -> Markup:
    """Render one block in one language, through the shared item partial.

    Args:
        library: the loaded content.
        lang: language code.
        block_id: the block's id (its file name without .yml).
        style: "default" (a list), "risks" (a table with how common each is), "screening"
            (yes/no tick boxes) or "statements" (tick boxes before each statement).
        heading_level: 1-6 for the block's title as a heading; 0 to leave the title out.
    """
    template = environment().get_template("block.html")
    html = template.render(
        block=library.block(lang, block_id),
        style=style,
        heading_level=heading_level,
        safety=block_id in library.project.safety,
        label=lambda label_id: library.label(lang, label_id),
    )
    return Markup(html.replace("\n\n", "\n"))
