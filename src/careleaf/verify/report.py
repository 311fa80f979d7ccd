"""The verifier's verdict: a row per output, a report per site, and the report as a table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# What stood for the text check in a PDF (`Row.check`): see
# `careleaf.verify.pdf_proof.check_pdf_item`.
TEXT_CHECK = "text"
SCRIPT_CHECK = "anchor+script"


@dataclass
class Row:
    """The verdict on one output.

    Attributes:
        output: its path inside the site folder.
        kind: ``"page"`` or ``"pdf"``.
        lang: its language.
        clinic: the clinic it is branded for.
        missing: protected keys (``block/item/field``, ``block/field``) not found visible with
            their exact text.
        unexpected: protected keys found that the registry does not know.
        duplicated: protected keys found more than once.
        notes: why each missing key counts as missing, and which check stood in for text.
        problems: failures not about one item (file changed or absent, wrong language...).
        check: ``"text"``, or ``"anchor+script"`` when some item's text is in a complex
            script and that check stood in for the text check (see `check_pdf_item`).
    """

    output: str
    kind: str
    lang: str
    clinic: str
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    check: str = TEXT_CHECK

    @property
    def ok(self) -> bool:
        """True when nothing is missing, unexpected, duplicated or otherwise wrong."""
        return not (self.missing or self.unexpected or self.duplicated or self.problems)

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data, with its verdict."""
        return {**asdict(self), "ok": self.ok}


@dataclass
class Report:
    """The verdict on a whole site: one row per output, plus problems about the site as a whole."""

    site_dir: str
    clinic: str
    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every output passed and the manifest matches the project."""
        return not self.problems and all(row.ok for row in self.rows)

    def summary(self) -> str:
        """One line: the verdict and the counts."""
        pages = sum(row.kind == "page" for row in self.rows)
        pdfs = len(self.rows) - pages
        languages = len({row.lang for row in self.rows})
        checked = (
            f"{_count(len(self.rows), 'output')} checked ({_count(pages, 'page')}, "
            f"{_count(pdfs, 'PDF')}) in "
            f"{languages} language{'s' if languages != 1 else ''} for clinic '{self.clinic}'"
        )
        if self.ok:
            return f"OK: {checked}"
        failed = sum(not row.ok for row in self.rows)
        missing = sum(len(row.missing) for row in self.rows)
        unexpected = sum(len(row.unexpected) for row in self.rows)
        duplicated = sum(len(row.duplicated) for row in self.rows)
        other = len(self.problems) + sum(len(row.problems) for row in self.rows)
        return (
            f"FAILED: {checked}; {failed} failed: {missing} missing, {unexpected} unexpected, "
            f"{duplicated} duplicated, {other} other problem{'s' if other != 1 else ''}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what ``careleaf verify --format json`` prints)."""
        return {
            "ok": self.ok,
            "site_dir": self.site_dir,
            "clinic": self.clinic,
            "summary": self.summary(),
            "problems": list(self.problems),
            "rows": [row.to_dict() for row in self.rows],
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def format_table(report: Report) -> str:
    """The report as a plain-text table of every output, the details, then the summary line."""
    header = ("output", "language", "clinic", "missing", "unexpected", "duplicated")
    lines = [
        (
            row.output,
            row.lang,
            row.clinic,
            ", ".join(row.missing) or "-",
            ", ".join(row.unexpected) or "-",
            ", ".join(row.duplicated) or "-",
        )
        for row in report.rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    out = [render(header), render(tuple("-" * width for width in widths))]
    out += [render(cells) for cells in lines]
    details = [f"  - {problem}" for problem in report.problems]
    for row in report.rows:
        details += [f"  - {row.output}: {problem}" for problem in row.problems]
        details += [f"  - {row.output}: {note}" for note in row.notes]
    if details:
        out += ["", "Details:", *details]
    out += ["", report.summary()]
    return "\n".join(out)
