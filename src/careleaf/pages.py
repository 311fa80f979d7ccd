"""Site pages as data: the only template code a page may hold is a call to a declared macro.

Pages come from strangers' pull requests, so they never reach Python: each page's template
code is parsed (never run) and every expression must be a call like ``{{ block("id") }}`` with
literal arguments that name content that exists. Everything else is refused with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import nodes

from .errors import Problem
from .model import Library

STYLES = ("default", "risks", "screening", "statements")

# Every macro a page may call: name -> (what its one positional argument names, keyword args).
MACROS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "block": ("block", ("style", "level")),
    "handout_link": ("handout", ()),
    "handouts": (None, ()),
}

FRONT_MATTER = re.compile(r"\A(---\s*\n.*?\n)(---|\.\.\.)\s*\n", re.DOTALL)


@dataclass
class PageCheck:
    """What a page uses, and what is wrong with it."""

    blocks: list[str] = field(default_factory=list)
    handouts: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_page(
    markdown: str, file: str, library: Library, lang: str, line_offset: int = 0
) -> PageCheck:
    """Parse a page's template code and check each call against the declared macros.

    Args:
        markdown: the page's Markdown, front matter already removed.
        file: the page's path, for messages.
        library: the loaded content, to check that named blocks and handouts exist.
        lang: the page's language.
        line_offset: lines that came before ``markdown`` in the file (its front matter).
    """
    result = PageCheck()

    def problem(message: str, lineno: int | None, item: str | None = None) -> None:
        line = lineno + line_offset if lineno else None
        result.problems.append(Problem(file, message, line=line, item=item))

    try:
        tree = jinja2.Environment().parse(markdown)
    except jinja2.TemplateSyntaxError as error:
        problem(f"template syntax error: {error.message}", error.lineno)
        return result
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            problem(
                "only {{ macro(...) }} calls are allowed in pages, not {% ... %} tags", node.lineno
            )
            continue
        for part in node.nodes:
            if isinstance(part, nodes.TemplateData):
                continue
            _check_call(part, library, lang, result, problem)
    return result


def _check_call(node: nodes.Node, library: Library, lang: str, result: PageCheck, problem) -> None:
    allowed = ", ".join(f"{name}()" for name in MACROS)
    if isinstance(node, nodes.Name):
        problem(
            f"undefined name '{node.name}' (a page may only call {allowed})", node.lineno, node.name
        )
        return
    if not (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)):
        problem(f"only calls to the page macros ({allowed}) are allowed", node.lineno)
        return
    name = node.node.name
    if name not in MACROS:
        problem(f"unknown macro '{name}' (a page may call {allowed})", node.lineno, name)
        return
    names, keywords = MACROS[name]
    if node.dyn_args or node.dyn_kwargs:
        problem(f"{name}() takes literal arguments only", node.lineno, name)
        return
    expected = 1 if names else 0
    if len(node.args) != expected:
        problem(
            f"{name}() takes {expected} argument{'s' if expected != 1 else ''}", node.lineno, name
        )
        return
    args = [arg.value for arg in node.args if isinstance(arg, nodes.Const)]
    kwargs = {kw.key: kw.value.value for kw in node.kwargs if isinstance(kw.value, nodes.Const)}
    if len(args) != len(node.args) or len(kwargs) != len(node.kwargs):
        problem(f"{name}() takes literal arguments only", node.lineno, name)
        return
    for key, value in kwargs.items():
        if key not in keywords:
            problem(f"{name}() has no argument '{key}'", node.lineno, name)
        elif key == "style" and value not in STYLES:
            problem(f"style must be one of {', '.join(STYLES)}", node.lineno, name)
        elif key == "level" and value not in range(0, 7):
            problem("level must be a number from 0 to 6", node.lineno, name)
    if names == "block":
        block_id = args[0]
        if block_id not in library.content.get(library.source_language, {}):
            problem("unknown block", node.lineno, str(block_id))
        else:
            result.blocks.append(block_id)
    elif names == "handout":
        handout_id = args[0]
        if handout_id not in library.handouts:
            problem("unknown handout", node.lineno, str(handout_id))
        else:
            result.handouts.append(handout_id)


def split_front_matter(text: str) -> tuple[str, int]:
    """The page's Markdown without YAML front matter, and how many lines the front matter took."""
    match = FRONT_MATTER.match(text)
    if not match:
        return text, 0
    return text[match.end() :], text[: match.end()].count("\n")


def check_pages(root: Path, library: Library, docs_dir: str = "docs") -> list[Problem]:
    """Check every page of every language under ``docs/<lang>/``."""
    problems: list[Problem] = []
    for lang in library.content:
        folder = root / docs_dir / lang
        for path in sorted(folder.rglob("*.md")):
            file = path.relative_to(root).as_posix()
            markdown, offset = split_front_matter(path.read_text(encoding="utf-8-sig"))
            problems += check_page(markdown, file, library, lang, offset).problems
    return problems
