"""The build's Content-Security-Policy writer, on small hand-made sites: what it hashes, what
it leaves out, what it refuses, and that a second run gives the same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careleaf import csp
from careleaf.build.csp_pages import (
    HEADERS_FILE,
    apply_policy,
    template_scripts,
    theme_templates,
)
from careleaf.errors import BuildError

PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<script>var a = 1;</script>
<script id="config" type="application/json">{"b": 2}</script>
<script src="app.js"></script>
<link rel="stylesheet" href="site.css">
</head><body>{body}</body></html>
"""


# The theme's templates: the inline scripts a page may have, with the page's value in them.
TEMPLATE = """{% if page %}<script>var a = {{ page.n }};</script>{% endif %}
{#- a comment -#}<script src="{{ 'app.js' | url }}"></script>
<script>var s = "<b onclick=x>";</script>
"""


@pytest.fixture
def theme(tmp_path: Path) -> list:
    folder = tmp_path / "templates"
    (folder / "partials").mkdir(parents=True)
    (folder / "partials" / "scripts.html").write_text(TEMPLATE, encoding="utf-8")
    return template_scripts([folder])


def site_with(tmp_path: Path, body: str = "<p>Hello</p>") -> Path:
    site = tmp_path / "site"
    (site / "es").mkdir(parents=True)
    (site / "index.html").write_text(PAGE.replace("{body}", body), encoding="utf-8")
    other = PAGE.replace("var a = 1;", "var a = 2;").replace("{body}", "")
    (site / "es" / "index.html").write_text(other, encoding="utf-8")
    return site


def test_every_inline_script_of_every_page_is_allowed_by_its_hash_and_nothing_more(
    tmp_path: Path, theme: list
) -> None:
    site = site_with(tmp_path)
    policy = apply_policy(site, "https://clinic.example/", theme)
    found = csp.directives(policy)
    assert found["script-src"] == sorted(
        ["'self'", csp.source_hash("var a = 1;"), csp.source_hash("var a = 2;")]
    )
    # The JSON data block is not run, so it is not allowed as a script.
    assert csp.source_hash('{"b": 2}') not in policy
    assert found["style-src"] == ["'self'"]
    assert found["connect-src"] == ["'self'", "https://clinic.example"]
    assert found["object-src"] == found["base-uri"] == found["default-src"] == ["'none'"]
    assert "frame-ancestors" not in found  # ignored in a <meta>: only the header has it
    for page in ("index.html", "es/index.html"):
        text = (site / page).read_text(encoding="utf-8")
        meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        # Right after <meta charset>, before the first script.
        assert text.index(meta) == text.index('<meta charset="utf-8">') + 22
        assert text.count("Content-Security-Policy") == 1
    headers = (site / HEADERS_FILE).read_text(encoding="utf-8").splitlines()
    assert headers[0] == "/*"
    assert f"  Content-Security-Policy: {policy}; frame-ancestors 'none'" in headers


def test_a_second_run_replaces_the_policy_and_gives_the_same_bytes(
    tmp_path: Path, theme: list
) -> None:
    site = site_with(tmp_path)
    first = apply_policy(site, "https://clinic.example/", theme)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert apply_policy(site, "https://clinic.example/", theme) == first
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_a_style_attribute_is_allowed_by_its_hash_only(tmp_path: Path, theme: list) -> None:
    site = site_with(tmp_path, '<p style="color: red">x</p><style>p { margin: 0 }</style>')
    found = csp.directives(apply_policy(site, "https://clinic.example/", theme))
    assert found["style-src"] == [
        "'self'",
        csp.source_hash("p { margin: 0 }"),
        "'unsafe-hashes'",
        csp.source_hash("color: red"),
    ]
    assert "'unsafe-inline'" not in found["style-src"]


def test_an_inline_event_handler_is_refused_naming_the_page(tmp_path: Path, theme: list) -> None:
    site = site_with(tmp_path, '<button onclick="go()">Go</button>')
    with pytest.raises(BuildError, match=r"index\.html: an inline event handler \(onclick=\)"):
        apply_policy(site, "https://clinic.example/", theme)


def test_a_handler_written_inside_a_script_is_not_an_attribute(tmp_path: Path, theme: list) -> None:
    site = site_with(tmp_path, '<script>var s = "<b onclick=x>";</script>')
    found = csp.directives(apply_policy(site, "https://clinic.example/", theme))
    assert csp.source_hash('var s = "<b onclick=x>";') in found["script-src"]


@pytest.mark.parametrize(
    "script",
    [
        "alert(1)",  # not the theme's at all
        "var a = 1;alert(1);",  # the theme's, with code where its value goes
        "var a = x();",
        'var a = "";',
    ],
)
def test_an_inline_script_the_theme_does_not_write_fails_the_build(
    tmp_path: Path, theme: list, script: str
) -> None:
    site = site_with(tmp_path, f"<script>{script}</script>")
    with pytest.raises(BuildError, match=r"^index\.html: an inline script that is not one of"):
        apply_policy(site, "https://clinic.example/", theme)


def test_the_shapes_of_materials_inline_scripts_are_read_from_its_templates(real_site) -> None:
    project, site = real_site
    shapes = template_scripts(theme_templates(project))
    page = (site / "es" / "is-it-safe" / "index.html").read_text(encoding="utf-8")
    (scope,) = re.findall(r"<script>(__md_scope=new URL\(.*?)</script>", page)
    assert 'URL("..",location)' in scope  # the page's base URL, its language's root
    assert any(shape.fullmatch(scope) for shape in shapes)
    injected = scope.replace('".."', '".."+alert(1)+""')
    assert not any(shape.fullmatch(injected) for shape in shapes)
