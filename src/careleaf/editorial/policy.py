"""The safety policy, one rule for `careleaf check` and the build: placement, translations, review.

What fails here fails both: a page or handout without a protected block its placement rule
requires, a published language whose protected items or texts are missing, half translated or
stale, and published (approved) content past its review date. Two flags let a build publish
anyway, visibly marked: ``allow_stale`` (out-of-date translations) and ``allow_overdue``
(content past its review date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from careleaf.content.model import Library
from careleaf.editorial.status import safety_problems
from careleaf.errors import Problem
from careleaf.paths import DOCS_DIR, HANDOUTS_DIR, PROJECT_FILE
from careleaf.verify.manifest import output_languages

# How long before a review is due `careleaf check` starts to warn.
REVIEW_WARNING = timedelta(days=30)


@dataclass
class Verdict:
    """What the policy found.

    Attributes:
        problems: what stops `careleaf check` and the build.
        allowed: what a flag let through; the outputs are marked.
        warnings: what is worth knowing but stops nothing (a review due soon).
    """

    problems: list[Problem] = field(default_factory=list)
    allowed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def safety_policy(
    library: Library,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    today: date | None = None,
) -> Verdict:
    """Apply the safety policy to a loaded project.

    Args:
        library: the loaded project.
        allow_stale: let published languages with missing or stale protected content through
            (their outputs show the current English and an "out of date" notice).
        allow_overdue: let approved content past its review date through (its outputs say the
            review is overdue).
        today: the date reviews are compared with (default: today).
    """
    verdict = Verdict(problems=placement_problems(library))
    stale = [
        problem
        for lang in output_languages(library)
        if lang != library.source_language
        for problem in safety_problems(library, lang)
    ]
    (verdict.allowed if allow_stale else verdict.problems).extend(stale)
    overdue, soon = review_problems(library, today or date.today())
    (verdict.allowed if allow_overdue else verdict.problems).extend(overdue)
    verdict.warnings.extend(soon)
    return verdict


def overdue_blocks(library: Library, today: date | None = None) -> set[str]:
    """The approved source blocks whose review date has passed."""
    day = today or date.today()
    return {
        block.id
        for block in library.content[library.source_language].values()
        if block.review
        and block.review.status == "approved"
        and block.review.next_review_due is not None
        and block.review.next_review_due < day
    }


def review_problems(library: Library, today: date) -> tuple[list[Problem], list[Problem]]:
    """Approved content past its review date, and approved content due within 30 days."""
    overdue, soon = [], []
    for block in library.content[library.source_language].values():
        review = block.review
        if review is None or review.status != "approved" or review.next_review_due is None:
            continue
        due = review.next_review_due
        if due < today:
            overdue.append(
                Problem(
                    block.path,
                    f"the clinical review was due on {due.isoformat()}: have it reviewed and "
                    "update reviewed_on, reviewed_by and next_review_due (or build with "
                    "--allow-overdue to publish it marked as overdue)",
                    key="review.next_review_due",
                    item=block.id,
                )
            )
        elif due - today <= REVIEW_WARNING:
            soon.append(
                Problem(
                    block.path,
                    f"the clinical review is due on {due.isoformat()} (in {(due - today).days} "
                    "days)",
                    key="review.next_review_due",
                    item=block.id,
                )
            )
    return overdue, soon


def placement_problems(library: Library) -> list[Problem]:
    """Every page and handout must carry the protected blocks its placement rule names.

    A page's rule applies to the page in every language (a language without the page shows
    the source language's); a rule must name a page, handout and blocks that exist.
    """
    placement = library.project.placement
    protected = library.project.protected
    problems = []
    for kind, rules in (("pages", placement.pages), ("handouts", placement.handouts)):
        for name, blocks in rules.items():
            for block_id in blocks:
                if block_id not in protected:
                    problems.append(
                        Problem(
                            PROJECT_FILE,
                            "a placement rule names a block that is not protected",
                            key=f"placement.{kind}.{name}",
                            item=block_id,
                        )
                    )
    source = library.content[library.source_language]
    for block_id, rule in placement.prominence.items():
        where = f"placement.prominence.{block_id}"
        if block_id not in protected:
            problems.append(
                Problem(
                    PROJECT_FILE,
                    "a prominence rule names a block that is not protected",
                    key=where,
                    item=block_id,
                )
            )
        elif rule.emergency_scale is not None and (
            block_id not in source or source[block_id].emergency is None
        ):
            problems.append(
                Problem(
                    PROJECT_FILE,
                    "emergency_scale needs a block with an emergency instruction "
                    "(an 'emergency' field holding {number})",
                    key=f"{where}.emergency_scale",
                    item=block_id,
                )
            )
    for name, blocks in placement.pages.items():
        if library.page(library.source_language, name) is None:
            problems.append(
                Problem(
                    PROJECT_FILE,
                    "a placement rule names a page that does not exist: "
                    f"{DOCS_DIR}/{library.source_language}/{name}",
                    key=f"placement.pages.{name}",
                    item=name,
                )
            )
            continue
        for lang in library.content:
            page = library.page(lang, name)
            if page is None:
                continue
            for block_id in blocks:
                if block_id not in page.blocks:
                    problems.append(
                        Problem(
                            page.file,
                            f'must carry the protected block: add {{{{ block("{block_id}") }}}} '
                            f"(placement rule in {PROJECT_FILE})",
                            item=block_id,
                        )
                    )
    for handout_id, blocks in placement.handouts.items():
        handout = library.handouts.get(handout_id)
        if handout is None:
            problems.append(
                Problem(
                    PROJECT_FILE,
                    f"a placement rule names a handout that does not exist: "
                    f"{HANDOUTS_DIR}/{handout_id}.yml",
                    key=f"placement.handouts.{handout_id}",
                    item=handout_id,
                )
            )
            continue
        sections = {section.block for section in handout.sections}
        for block_id in blocks:
            if block_id not in sections:
                problems.append(
                    Problem(
                        handout.path,
                        f"must carry the protected block: add a section '- block: {block_id}' "
                        f"(placement rule in {PROJECT_FILE})",
                        key="sections",
                        item=block_id,
                    )
                )
    return problems
