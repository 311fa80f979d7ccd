"""The verifier's check of the Content-Security-Policy, on the real built site: it passes as
built, and each way of weakening or losing the policy is named with the page or file."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from careleaf import csp
from careleaf.verify.csp_check import check_policy, strictness
from careleaf.verify.manifest import MANIFEST_NAME
from careleaf.verify.verifier import verify

META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def recorded(site: Path) -> str:
    return json.loads((site / MANIFEST_NAME).read_text(encoding="utf-8"))["csp"]


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.fixture
def site(real_site, tmp_path: Path) -> Path:
    """A copy of the real built site, for a test to damage."""
    return Path(shutil.copytree(real_site[1], tmp_path / "site"))


def test_every_page_of_the_built_site_carries_the_recorded_strict_policy(real_site) -> None:
    site = real_site[1]
    policy = recorded(site)
    assert strictness(policy) == []
    found = pages(site)
    assert {"index.html", "404.html", "es/index.html", "bn/is-it-safe/index.html"} <= set(found)
    for page in found:
        assert META.findall((site / page).read_text(encoding="utf-8")) == [policy], page
    assert check_policy(site, policy, found) == []
    # The site's own public address, for Material's sitemap requests; no other host.
    assert csp.directives(policy)["connect-src"] == ["'self'", "https://riverside-physio.example"]


def test_a_page_whose_policy_is_loosened_or_gone_is_named(site: Path) -> None:
    policy = recorded(site)
    page = site / "es" / "is-it-safe" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(policy, policy + "; script-src 'unsafe-inline'"), "utf-8")
    (site / "404.html").write_text(META.sub("", (site / "404.html").read_text("utf-8")), "utf-8")
    problems = check_policy(site, policy, pages(site))
    assert problems == [
        "404.html: no Content-Security-Policy <meta> element",
        "es/is-it-safe/index.html: its Content-Security-Policy differs from the one the build "
        "recorded",
    ]


def test_an_injected_script_style_or_handler_is_named(site: Path) -> None:
    page = site / "is-it-safe" / "index.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace(
        "</body>", '<script>alert(1)</script><p style="color:red" onclick="x()">x</p></body>'
    )
    page.write_text(text, encoding="utf-8")
    problems = check_policy(site, recorded(site), ["is-it-safe/index.html"])
    assert problems == [
        "is-it-safe/index.html: an inline <script> the policy does not allow by its hash",
        "is-it-safe/index.html: <p> has inline event handlers (onclick)",
        "is-it-safe/index.html: <p> has a style attribute the policy does not allow",
    ]


def test_a_policy_after_what_the_page_loads_governs_nothing_before_it(site: Path) -> None:
    page = site / "index.html"
    text = page.read_text(encoding="utf-8")
    meta = META.search(text).group(0)  # type: ignore[union-attr]
    text = text.replace(meta, "").replace("</head>", meta + "</head>")
    page.write_text(text, encoding="utf-8")
    assert check_policy(site, recorded(site), ["index.html"]) == [
        "index.html: the policy comes after a <link>, which it does not govern"
    ]


def test_headers_must_send_the_policy_with_frame_ancestors(site: Path) -> None:
    policy = recorded(site)
    headers = site / "_headers"
    assert f"Content-Security-Policy: {csp.header(policy)}" in headers.read_text("utf-8")
    assert csp.header(policy).endswith("; frame-ancestors 'none'")
    headers.write_text(headers.read_text("utf-8").replace("frame-ancestors", "x"), "utf-8")
    assert check_policy(site, policy, []) == [
        "_headers: does not send the recorded policy (with frame-ancestors) on /*"
    ]
    headers.unlink()
    assert check_policy(site, policy, []) == [
        "_headers: missing or unreadable: hosts that read it send no policy"
    ]


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("script-src 'self'", "must say default-src 'none'"),
        ("default-src 'none'; object-src 'self'; base-uri 'none'", "must say object-src 'none'"),
        (
            "default-src 'none'; object-src 'none'; base-uri 'none'; style-src 'unsafe-inline'",
            "allows 'unsafe-inline' in style-src",
        ),
        (
            "default-src 'none'; object-src 'none'; base-uri 'none'; "
            "script-src https://cdn.example",
            "allows scripts from https://cdn.example",
        ),
    ],
)
def test_a_loose_policy_is_named(policy: str, problem: str) -> None:
    assert any(problem in found for found in strictness(policy)), strictness(policy)


def test_the_verifier_reports_a_manifest_without_a_policy_and_a_page_that_lost_it(
    real_site, site: Path
) -> None:
    project = real_site[0]
    manifest = json.loads((site / MANIFEST_NAME).read_text(encoding="utf-8"))
    (site / MANIFEST_NAME).write_text(json.dumps({**manifest, "csp": None}), encoding="utf-8")
    report = verify(site, project, browser=False)
    assert any("records no Content-Security-Policy" in p for p in report.problems)
    (site / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    (site / "editors/index.html").write_text(
        META.sub("", (site / "editors/index.html").read_text("utf-8")), "utf-8"
    )
    report = verify(site, project, browser=False)
    assert "editors/index.html: no Content-Security-Policy <meta> element" in report.problems
