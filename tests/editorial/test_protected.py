"""The protected-content registry, placement rules and the safety policy shared by check and build.

Each change the issue lists is made on a copy of the project and must be refused by
`careleaf check` (and, for a sample, by the build), naming the file and the item or page.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.content.project import anchor_key, pin, protected_anchor, protected_key, split_key
from careleaf.editorial.policy import safety_policy
from careleaf.editorial.protect import replace_section
from careleaf.errors import BuildError, ContentError
from careleaf.options import BuildOptions
from careleaf.render.blocks import render_handout
from careleaf.site.engine import build_site

PNEUMOTHORAX_DETAIL = (
    "detail: >-\n"
    "      It can happen after needling near the chest, upper back, shoulder blades or\n"
    "      the back of the neck. It needs emergency care.\n"
)


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-p", str(root), "check", *args])
    return result.exit_code, result.output


def refused(root: Path, *expected: str) -> str:
    """`careleaf check` fails and its output holds every expected piece."""
    code, output = check(root)
    assert code == 1, output
    for piece in expected:
        assert piece in output, output
    assert "Traceback" not in output
    return output


# Keys, anchors and pins


def test_one_key_format_and_a_reversible_anchor() -> None:
    key = protected_key("side-effects", "detail", "pneumothorax")
    assert key == "side-effects/pneumothorax/detail"
    assert protected_key("urgent-help", "intro") == "urgent-help/intro"
    assert protected_anchor(key) == "p-side-effects--pneumothorax--detail"
    assert anchor_key("p-side-effects--pneumothorax--detail") == key
    assert anchor_key("p-urgent-help--intro") == "urgent-help/intro"
    assert anchor_key("item-bruising") is None
    assert split_key(key) == ("side-effects", "pneumothorax", "detail")
    assert split_key("urgent-help/emergency") == ("urgent-help", None, "emergency")
    assert pin("abc") == "sha256:ba7816bf8f01cfea"


def test_the_registry_protects_every_field_of_the_safety_blocks(project: Path) -> None:
    library = load_library(project)
    registry = library.project.protected
    assert set(registry) == {
        "side-effects",
        "contraindications",
        "precautions",
        "urgent-help",
        "electrical-stimulation",
    }
    assert registry["side-effects"].intro and registry["urgent-help"].emergency
    for block_id, entry in registry.items():
        english = library.content["en"][block_id]
        assert set(entry.items) == {item.id for item in english.items}, block_id
        for item in english.items:
            assert set(entry.items[item.id]) == set(item.fields()), item.id
    # Every sign of the red-flag block has its own id.
    assert {"short-of-breath", "chest-pain", "bluish-skin"} <= set(registry["urgent-help"].items)


# Protected English cannot change without re-approval


@pytest.mark.parametrize(
    ("old", "new", "key", "item"),
    [
        (
            "  Most side effects are mild and go away in a day or two. Serious side effects\n"
            "  are rare, but they can happen.\n",
            "  There are no serious side effects.\n",
            "key intro",
            "side-effects/intro",
        ),
        (
            PNEUMOTHORAX_DETAIL,
            "detail: Never happens.\n",
            "key items[10].detail",
            "side-effects/pneumothorax/detail",
        ),
        (
            "frequency: Common. About 1 in 13 sessions.",
            "frequency: Never happens.",
            "key items[2].frequency",
            "side-effects/bruising/frequency",
        ),
    ],
)
def test_changed_protected_english_is_refused(
    project: Path, old: str, new: str, key: str, item: str
) -> None:
    edit(project / "content/en/side-effects.yml", old, new)
    refused(
        project,
        "content/en/side-effects.yml:",
        key,
        f"item '{item}': protected text differs from the text approved in careleaf.yml",
        "run `careleaf protect`",
    )


def test_careleaf_protect_re_approves_and_check_passes(project: Path) -> None:
    edit(
        project / "content/en/side-effects.yml", "About 1 in 13 sessions.", "About 1 in 3 sessions."
    )
    assert check(project)[0] == 1
    before = (project / "careleaf.yml").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["-p", str(project), "protect"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "re-approved 1 protected field(s) in careleaf.yml:",
        "  side-effects/bruising/frequency",
    ]
    after = (project / "careleaf.yml").read_text(encoding="utf-8")
    # Only that pin changed; the comments and everything above protected: are kept.
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        (
            "        frequency: " + pin("Common. About 1 in 13 sessions."),
            "        frequency: " + pin("Common. About 1 in 3 sessions."),
        )
    ]
    code, output = check(project, "--allow-stale")
    assert code == 0, output
    again = CliRunner().invoke(main, ["-p", str(project), "protect"])
    assert "already matches" in again.output


def test_protect_refuses_a_registry_that_is_not_last(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="last top-level key"):
        replace_section("protected:\n  a: {}\nlanguages: {}\n", "protected: {}\n")


def test_a_removed_protected_item_or_field_is_refused(project: Path) -> None:
    path = project / "content/en/side-effects.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"] = [item for item in data["items"] if item["id"] != "nerve-damage"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    edit(project / "content/en/urgent-help.yml", "emergency: >-\n", "note: >-\n")
    output = refused(project, "content/en/side-effects.yml: key items: item 'nerve-damage'")
    assert "protected item is missing (careleaf.yml protects it)" in output


def test_an_unregistered_field_of_a_protected_item_is_refused(project: Path) -> None:
    edit(
        project / "content/en/urgent-help.yml",
        "    text: A dry cough\n",
        "    text: A dry cough\n    detail: Usually nothing to worry about.\n",
    )
    refused(
        project,
        "content/en/urgent-help.yml:",
        "item 'urgent-help/dry-cough/detail': this field of a protected item is not in the "
        "registry",
    )


# Placement rules: what every page and handout must carry


def test_a_page_without_its_required_blocks_is_refused(project: Path) -> None:
    page = project / "docs/en/is-it-safe.md"
    edit(page, '{{ block("side-effects") }}\n', "")
    edit(page, '{{ block("contraindications") }}\n', "")
    refused(
        project,
        "docs/en/is-it-safe.md: item 'side-effects': must carry the protected block",
        "docs/en/is-it-safe.md: item 'contraindications': must carry the protected block",
        "(placement rule in careleaf.yml)",
    )


def test_the_red_flag_block_removed_everywhere_is_refused(project: Path) -> None:
    for lang in ("en", "es", "bn"):
        for page in ("is-it-safe.md", "preparing-and-aftercare.md"):
            path = project / "docs" / lang / page
            text = path.read_text(encoding="utf-8")
            # The call in the page itself, not in the recorded English of a translation.
            path.write_text(text.replace('\n{{ block("urgent-help") }}\n', "\n"), encoding="utf-8")
    edit(project / "handouts/aftercare.yml", "  - block: urgent-help\n", "")
    output = refused(
        project,
        "docs/es/preparing-and-aftercare.md: item 'urgent-help': must carry the protected block",
        "handouts/aftercare.yml: key sections: item 'urgent-help': must carry the protected block",
    )
    assert output.count("item 'urgent-help': must carry") == 7


def test_a_placement_rule_must_name_what_exists(project: Path) -> None:
    edit(
        project / "careleaf.yml",
        "    preparing-and-aftercare.md: [urgent-help]\n",
        "    preparing-and-aftercare.md: [urgent-help, aftercare]\n    gone.md: [urgent-help]\n",
    )
    refused(
        project,
        "careleaf.yml: key placement.pages.preparing-and-aftercare.md: item 'aftercare': a "
        "placement rule names a block that is not protected",
        "careleaf.yml: key placement.pages.gone.md: item 'gone.md': a placement rule names a page "
        "that does not exist: docs/en/gone.md",
    )


def test_a_prominence_rule_must_name_a_protected_block_with_what_it_asks_for(
    project: Path,
) -> None:
    edit(
        project / "careleaf.yml",
        "  prominence:\n",
        "  prominence:\n    aftercare: {first_page: true}\n"
        "    side-effects: {emergency_scale: 2}\n",
    )
    refused(
        project,
        "careleaf.yml: key placement.prominence.aftercare: item 'aftercare': a prominence rule "
        "names a block that is not protected",
        "careleaf.yml: key placement.prominence.side-effects.emergency_scale: item "
        "'side-effects': emergency_scale needs a block with an emergency instruction",
    )
    edit(project / "careleaf.yml", "emergency_scale: 2}", "emergency_scale: 0.5}")
    assert check(project)[0] != 0


def test_the_build_refuses_a_page_without_its_block(mini: Path) -> None:
    edit(mini / "docs/en/safety.md", '{{ block("contraindications") }}', "")
    with pytest.raises(BuildError) as caught:
        build_site(mini, "demo", mini / "site")
    assert "docs/en/safety.md: item 'contraindications': must carry the protected block" in str(
        caught.value
    )
    assert not (mini / "site").exists()


def test_the_build_refuses_changed_protected_english(mini: Path) -> None:
    edit(
        mini / "content/en/side-effects.yml", "detail: Rare but serious.", "detail: Never happens."
    )
    with pytest.raises(BuildError) as caught:
        build_site(mini, "demo", mini / "site")
    assert (
        "content/en/side-effects.yml:9: key items[1].detail: item "
        "'side-effects/pneumothorax/detail': protected text differs" in str(caught.value)
    )
    assert not (mini / "site").exists()


# The emergency number


def test_a_missing_or_bad_emergency_number_is_refused(project: Path) -> None:
    edit(project / "clinics/example/clinic.yml", 'emergency_number: "999"', "")
    edit(
        project / "clinics/lakeside/clinic.yml",
        'emergency_number: "911"',
        'emergency_number: "9-1-1; x"',
    )
    output = refused(
        project, "clinics/example/clinic.yml:2: key emergency_number: required key is missing"
    )
    assert "clinics/lakeside/clinic.yml:12: key emergency_number: String should match" in output


def test_the_emergency_instruction_must_hold_the_number(project: Path) -> None:
    edit(project / "content/es/urgent-help.yml", "Llame al {number}", "Llame al 112")
    refused(
        project,
        "content/es/urgent-help.yml:",
        "key emergency: item 'urgent-help': the emergency instruction must hold {number} once",
    )


# One policy for check and build: translations


def list_published(root: Path) -> None:
    """es and bn are published in the real project; make sure of it."""
    languages = yaml.safe_load((root / "careleaf.yml").read_text(encoding="utf-8"))["languages"]
    assert languages["es"].get("published", True) and languages["bn"].get("published", True)


def test_check_refuses_a_stale_safety_item_as_the_build_does(project: Path) -> None:
    list_published(project)
    edit(
        project / "content/en/side-effects.yml", "About 1 in 13 sessions.", "About 1 in 3 sessions."
    )
    CliRunner().invoke(main, ["-p", str(project), "protect"])
    output = refused(
        project,
        "content/es/side-effects.yml:",
        "key items[2].source.frequency: item 'side-effects/bruising/frequency': Español (es): "
        "safety item is stale: English changed from 'Common. About 1 in 13 sessions.' to "
        "'Common. About 1 in 3 sessions.'",
    )
    assert "content/bn/side-effects.yml" in output
    code, output = check(project, "--allow-stale")
    assert code == 0 and "allowed, outputs marked:" in output


def test_check_refuses_a_half_translated_item(project: Path) -> None:
    path = project / "content/es/side-effects.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    (item,) = [item for item in data["items"] if item["id"] == "pneumothorax"]
    item["frequency"] = ""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    refused(
        project,
        "content/es/side-effects.yml:",
        "item 'side-effects/pneumothorax/frequency': Español (es): safety item is not completely "
        "translated (not translated: frequency",
    )


def test_a_stale_protected_intro_is_refused(project: Path) -> None:
    edit(
        project / "content/es/urgent-help.yml",
        "  intro: Rarely, needling",
        "  intro: Sometimes, needling",
    )
    refused(
        project,
        "content/es/urgent-help.yml:",
        "key source.intro: item 'urgent-help/intro': Español (es): safety text is stale",
    )


# Review lifecycle


def approved(root: Path, due: str) -> None:
    """Mark the mini project's side effects approved, with this review due date."""
    path = root / "content/en/side-effects.yml"
    edit(path, "  status: draft\n", "  status: approved\n")
    edit(path, "  next_review_due: 2099-01-02", f"  next_review_due: {due}")


def test_approved_content_needs_its_review_dates(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "  reviewed_by: Dr Test\n", "")
    with pytest.raises(ContentError) as caught:
        load_library(mini)
    (problem,) = caught.value.problems
    assert problem.file == "content/en/about.yml"
    assert "approved content needs reviewed_by" in problem.message


def test_review_warns_30_days_before_and_fails_after(mini: Path) -> None:
    approved(mini, "2026-12-01")
    library = load_library(mini)
    early = safety_policy(library, today=date(2026, 10, 1))
    assert early.problems == [] and early.warnings == []
    soon = safety_policy(library, today=date(2026, 11, 15))
    assert soon.problems == []
    (warning,) = soon.warnings
    assert str(warning) == (
        "content/en/side-effects.yml: key review.next_review_due: item 'side-effects': the "
        "clinical review is due on 2026-12-01 (in 16 days)"
    )
    late = safety_policy(library, today=date(2026, 12, 2))
    (problem,) = late.problems
    assert problem.file == "content/en/side-effects.yml" and problem.item == "side-effects"
    assert "the clinical review was due on 2026-12-01" in problem.message
    allowed = safety_policy(library, today=date(2026, 12, 2), allow_overdue=True)
    assert allowed.problems == [] and allowed.allowed == [problem]


def test_check_warns_of_a_review_due_soon(mini: Path) -> None:
    due = date.today() + timedelta(days=10)
    approved(mini, due.isoformat())
    result = CliRunner().invoke(main, ["-p", str(mini), "check"])
    assert result.exit_code == 0, result.output
    assert (
        "warning: content/en/side-effects.yml: key review.next_review_due: item 'side-effects': "
        f"the clinical review is due on {due.isoformat()} (in 10 days)" in result.stderr
    )


def test_overdue_content_fails_check_and_build_unless_the_output_is_marked(mini: Path) -> None:
    approved(mini, "2020-01-01")
    refused(mini, "content/en/side-effects.yml: key review.next_review_due: item 'side-effects'")
    with pytest.raises(BuildError, match="the clinical review was due on 2020-01-01"):
        build_site(mini, "demo", mini / "site")
    assert check(mini, "--allow-overdue")[0] == 0
    build_site(mini, "demo", mini / "site", BuildOptions(allow_overdue=True))
    page = BeautifulSoup((mini / "site/safety/index.html").read_text(), "html.parser")
    overdue = load_library(mini).label("en", "review-overdue")
    assert overdue in page.select_one(".admonition.warning").get_text()
    pdf = pypdf.PdfReader(mini / "site/handouts/sheet.pdf")
    assert overdue in " ".join(p.extract_text() for p in pdf.pages).replace("\n", " ")


def test_draft_handouts_say_not_yet_reviewed_and_show_no_date(mini: Path) -> None:
    library = load_library(mini)
    clinic = library.clinics["demo"]
    html = render_handout(library, "sheet", "en", clinic, "https://demo.example", "2026-01-01")
    footer = BeautifulSoup(html, "html.parser").select_one(".rf-review").get_text()
    assert "not yet reviewed" in footer
    assert "Content reviewed" not in footer and "2026-01-02" not in footer
    # Approved throughout: the date, and no draft notice.
    edit(mini / "content/en/side-effects.yml", "  status: draft\n", "  status: approved\n")
    library = load_library(mini)
    html = render_handout(library, "sheet", "en", clinic, "https://demo.example", "2026-01-01")
    footer = BeautifulSoup(html, "html.parser").select_one(".rf-review").get_text()
    assert "Content reviewed: 2026-01-02" in footer and "not yet reviewed" not in footer
