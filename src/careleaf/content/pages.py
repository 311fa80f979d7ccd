"""Site pages as data: Markdown text, front matter careleaf knows, and declared macro calls.

Pages come from strangers' pull requests, so they never reach Python: each page's template
code is parsed (never run) and every expression must be a call like ``{{ block("id") }}`` with
literal arguments that name content that exists. Their Markdown is checked as the site reads it
(`careleaf.content.page_markdown`). ``docs/<lang>/`` may hold only pages and bounded images.
Each page is read and checked once, when the project is loaded (`read_pages`): the Library
holds it with what it calls and what is wrong with it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from careleaf.content.chars import char_name, shown, unusual
from careleaf.content.images import BadImage, Limits, check_image
from careleaf.content.model import Library, Page
from careleaf.content.page_markdown import check_markdown
from careleaf.content.places import YDict
from careleaf.content.yamlfile import UNREADABLE, parse_yaml, read_text
from careleaf.errors import Problem
from careleaf.paths import CONTENT_DIR, DOCS_DIR, HANDOUTS_DIR

STYLES = ("default", "risks", "screening", "statements")
# The shape of a block or handout id (`careleaf.content.blocks.Id`).
ID = re.compile(r"[a-z0-9][a-z0-9-]*")

# Every macro a page may call: name -> (what its one positional argument names, keyword args).
MACROS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "block": ("block", ("style", "level")),
    "handout_link": ("handout", ()),
    "handouts": (None, ()),
}

# The front matter keys careleaf knows; MkDocs' own (template, hide, search...) are refused.
FRONT_MATTER_KEYS = ("title", "description", "source_fingerprint", "source")
# How long a front matter value may be; `source` holds a whole English page.
MAX_VALUE = 1000
MAX_SOURCE = 100_000
# MkDocs' own front matter patterns (mkdocs.utils.meta), so that we read what MkDocs reads.
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.UNICODE | re.DOTALL)
MULTIMARKDOWN_META = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
MAX_PAGE_BYTES = 256 * 1024
DOCS_IMAGE_LIMITS = Limits(
    max_bytes=2 * 1024 * 1024,
    max_side=4096,
    suffixes=frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}),
)


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
    except RecursionError:
        problem("template code nested too deeply", None)
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
        if block_id in library.content.get(library.source_language, {}):
            result.blocks.append(block_id)
        elif not _broken(library, CONTENT_DIR, library.source_language, block_id):
            problem(_unknown("block", block_id), node.lineno, shown(str(block_id)))
    elif names == "handout":
        handout_id = args[0]
        if handout_id in library.handouts:
            result.handouts.append(handout_id)
        elif not _broken(library, HANDOUTS_DIR, handout_id):
            problem(_unknown("handout", handout_id), node.lineno, shown(str(handout_id)))


def _unknown(kind: str, name: object) -> str:
    """``unknown block``, naming the characters of the name that are not ASCII (a look-alike
    of a block's name is not that block)."""
    odd = unusual(name) if isinstance(name, str) else None
    return f"unknown {kind}" + (f": its name holds {odd}" if odd else "")


def _broken(library: Library, *parts: str) -> bool:
    """Whether the file a call names (``content/en/<id>.yml``, ``handouts/<id>.yml``) exists
    although the library lacks it: it did not load, and its own problems are reported (the
    call is not "unknown" then)."""
    *folders, name = parts
    if ID.fullmatch(str(name)) is None:
        return False
    return library.root.joinpath(*folders, f"{name}.yml").is_file()


def split_front_matter(text: str) -> tuple[str, int]:
    """The page's Markdown without YAML front matter, and how many lines the front matter took."""
    match = FRONT_MATTER.match(text)
    if not match:
        return text, 0
    return text[match.end() :], text[: match.end()].count("\n")


def check_front_matter(text: str, file: str) -> list[Problem]:
    """Only the keys careleaf knows, with text values; no MultiMarkdown-style metadata.

    MkDocs reads a first line like ``template: x.html`` as metadata when no ``---`` block
    opens the page, so such a line is refused too.
    """
    match = FRONT_MATTER.match(text)
    if not match:
        first = text.split("\n", 1)[0]
        meta = MULTIMARKDOWN_META.match(first)
        if meta:
            return [
                Problem(
                    file,
                    f"MkDocs would read this first line as metadata '{meta['key']}': start the "
                    "page with a heading, or with a --- front matter block",
                    line=1,
                )
            ]
        return []
    problems: list[Problem] = []
    data = parse_yaml(match.group(1), file, problems, line_offset=1)
    if data is UNREADABLE or data is None:
        return problems
    if not isinstance(data, YDict):
        return [Problem(file, "front matter must be a mapping of keys to values", line=2)]
    for key, value in data.items():
        line = data.key_lines[key] + 1  # the YAML starts on the line after "---"
        if key not in FRONT_MATTER_KEYS:
            problems.append(
                Problem(
                    file,
                    f"front matter key '{key}' is not allowed (allowed: "
                    f"{', '.join(FRONT_MATTER_KEYS)})",
                    line=line,
                    key=key,
                )
            )
        elif not _plain_value(value, MAX_SOURCE if key == "source" else MAX_VALUE):
            problems.append(Problem(file, "front matter values must be text", line=line, key=key))
        elif key != "source" and any(mark in str(value) for mark in ("{{", "{%", "{#")):
            # `source` is the English page a translation was made from, macro calls included:
            # data for `careleaf status`, never rendered. Template code in a title would be
            # code in a value careleaf's composition never renders: refused, so that no
            # engine or plugin ever reads it as a template.
            problems.append(
                Problem(file, "template code is not allowed in front matter", line=line, key=key)
            )
    return problems


def _plain_value(value: Any, limit: int) -> bool:
    """Text, or (for ``source``) a mapping of text: nothing a template could call or loop on."""
    if isinstance(value, str):
        return len(value) <= limit
    if isinstance(value, dict):
        return all(isinstance(k, str) and isinstance(v, str | int) for k, v in value.items())
    return False


def check_docs_folder(root: Path, folder: Path) -> list[Problem]:
    """``docs/<lang>/`` holds only pages (.md) and bounded images; links and the rest refused."""
    problems: list[Problem] = []
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        for name in sorted(dirs + files):
            path = here / name
            file = path.relative_to(root).as_posix()
            char = next((ch for ch in name if not _name_char(ch)), None)
            if char is not None or name.startswith("."):
                what = char_name(char) if char else "a leading dot"
                problems.append(
                    Problem(
                        file,
                        f"file names may not hold {what} (only letters, digits, '-', '_' "
                        "and '.': a name becomes a web address)",
                    )
                )
            elif path.is_symlink():
                problems.append(Problem(file, "links are not allowed in docs/: copy the file"))
            elif path.is_dir():
                continue
            elif not path.is_file():
                problems.append(Problem(file, "only regular files are allowed in docs/"))
            elif path.suffix.lower() != ".md":
                try:
                    check_image(path, DOCS_IMAGE_LIMITS)
                except BadImage as error:
                    problems.append(
                        Problem(
                            file,
                            f"refused: docs/ holds only pages (.md) and images; this file {error}",
                        )
                    )
        dirs[:] = [d for d in dirs if not (here / d).is_symlink() and not d.startswith(".")]
    return problems


def _name_char(char: str) -> bool:
    """Letters and digits of any script, combining marks, and - _ . (no quotes, <, &, %...)."""
    return unicodedata.category(char)[0] in "LNM" or char in "-_."


def read_pages(library: Library) -> dict[str, dict[str, Page]]:
    """Read and check every page of every language under ``docs/<lang>/``, once.

    Each page's problems (the file, its front matter, its template code, its Markdown) are
    kept with it for `check_pages`; a page the file checks refuse is kept unreadable, with
    no text. A language folder that is a link holds no pages (`check_pages` refuses it).

    Returns:
        The pages by language, each by its path inside the language's folder, in the order
        of their paths.
    """
    root = library.root
    pages: dict[str, dict[str, Page]] = {}
    for lang in library.content:
        folder = root / DOCS_DIR / lang
        pages[lang] = {}
        if folder.is_symlink() or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.md")):
            if path.is_symlink() or not path.is_file():
                continue  # reported by check_docs_folder
            uri = path.relative_to(folder).as_posix()
            pages[lang][uri] = read_page(library, lang, uri)
    return pages


def read_page(library: Library, lang: str, uri: str) -> Page:
    """Read one page, ``docs/<lang>/<uri>``, and check it: what it calls and what is wrong."""
    root = library.root
    file = f"{DOCS_DIR}/{lang}/{uri}"
    problems: list[Problem] = []
    text = read_text(root / file, root, problems, MAX_PAGE_BYTES)
    if text is None:
        return Page(lang, uri, file, "", "", 0, problems=tuple(problems), readable=False)
    problems += check_front_matter(text, file)
    markdown, offset = split_front_matter(text)
    result = check_page(markdown, file, library, lang, offset)
    problems += result.problems + check_markdown(markdown, file, offset)
    return Page(
        lang,
        uri,
        file,
        text,
        markdown,
        offset,
        tuple(result.blocks),
        tuple(result.handouts),
        tuple(problems),
    )


def check_pages(root: Path, library: Library) -> list[Problem]:
    """Check every file of every language under ``docs/<lang>/``: the folder, then its pages
    (checked when the project was loaded: `read_pages`)."""
    problems: list[Problem] = []
    for lang in library.content:
        folder = root / DOCS_DIR / lang
        if folder.is_symlink():
            problems.append(Problem(f"{DOCS_DIR}/{lang}/", "links are not allowed in docs/"))
            continue
        if not folder.is_dir():
            continue
        problems += check_docs_folder(root, folder)
        for page in library.pages.get(lang, {}).values():
            problems += page.problems
    return problems
