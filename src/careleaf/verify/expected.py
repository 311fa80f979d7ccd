"""What each output must show, from the model: the protected items its page or handout
carries (never through the renderer that drew them)."""

from __future__ import annotations

from careleaf.content.model import Library
from careleaf.content.shown import protected_texts
from careleaf.verify.manifest import Output


def expected_items(library: Library, output: Output) -> tuple[dict[str, str], list[str]]:
    """The protected elements an output must hold (key -> text as its language shows it), and
    problems.

    The placement rules in careleaf.yml decide: a page must hold every protected field of the
    blocks its rule names (and of any other protected block it calls), a PDF handout those of
    its rule's blocks (and of any other protected block it has). An item or field a language
    has not (completely) translated is shown, and expected, in the source language; the
    emergency instruction carries the clinic's number (`careleaf.content.shown.protected_texts`).
    The blocks a page calls are the model's (`careleaf.content.model.Page`), read when the
    project was loaded.
    """
    if output.lang not in library.content:
        return {}, [f"the content has no language '{output.lang}'"]
    clinic = library.clinics.get(output.clinic)
    if clinic is None:
        return {}, [f"the project has no clinic '{output.clinic}'"]
    placement = library.project.placement
    if output.kind == "pdf":
        handout = library.handouts.get(output.handout or "")
        if handout is None:
            return {}, [f"the project has no handout '{output.handout}'"]
        shown = handout.sections_for(clinic.switches)
        blocks = [*placement.handouts.get(handout.id, ()), *(s.block for s in shown)]
    else:
        page = library.page_at(str(output.page)) if output.page else None
        if page is None:
            return {}, [f"its source page {output.page} does not exist"]
        if not page.readable:
            reasons = "; ".join(problem.message for problem in page.problems)
            return {}, [f"its source page {output.page} cannot be read: {reasons}"]
        blocks = [*placement.pages.get(page_rule_path(str(output.page)), ()), *page.blocks]
    source_blocks = library.content[library.source_language]
    expected: dict[str, str] = {}
    for block_id in dict.fromkeys(blocks):
        if block_id in library.project.protected and block_id in source_blocks:
            expected.update(protected_texts(library, output.lang, block_id, clinic))
    return expected, []


def page_rule_path(page: str) -> str:
    """The path a placement rule names a page by: ``docs/es/is-it-safe.md`` -> ``is-it-safe.md``."""
    return "/".join(page.split("/")[2:])


def known_items(library: Library, lang: str) -> set[str]:
    """Every protected key an output may show (the same in every language)."""
    return {
        key
        for block_id in library.project.protected
        for key in library.project.protected_keys(block_id)
    }


def same_language(found: str | None, expected: str) -> bool:
    """Whether the language an output declares (``found``) is the one it must be in:
    ``en`` matches ``en`` and ``en-GB``; case does not matter."""
    if not found:
        return False
    found, expected = found.lower(), expected.lower()
    return found == expected or found.startswith(expected + "-")
