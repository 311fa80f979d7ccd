"""The drawn-glyph proof of PDF items: each hiding or altering technique, applied to the content
stream of a copy of a real handout, is named with the item and the property; legitimate text
(soft hyphens, ligatures, decomposed accents, wraps, right-to-left) still passes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from conftest import REPO

from careleaf.verify.actual_text import marked_runs, untrue_runs
from careleaf.verify.drawn import DrawnPdf
from careleaf.verify.readback import locate, normalise
from careleaf.verify.readback_pdf import pdf_items
from careleaf.verify.shaping import parse_to_unicode, pdf_fonts

HANDOUT = "handouts/aftercare.pdf"
ITEM = "side-effects/pneumothorax/text"
TEXT = "A collapsed lung (pneumothorax)"
BENGALI_HANDOUT = "bn/handouts/aftercare.pdf"
BENGALI_ITEM = "precautions/pregnancy/text"


def check(pdf: Path, key: str, text: str) -> list[str]:
    with DrawnPdf(pdf, REPO) as drawn:
        return drawn.check(key, text, locate(key)[1])


def expected_text(project: Path, lang: str, key: str) -> str:
    from careleaf.content.load import load_library
    from careleaf.verify.expected import expected_items
    from careleaf.verify.manifest import Output

    output = Output(f"{lang}/handouts/aftercare.pdf", "pdf", lang, "example", handout="aftercare")
    return expected_items(load_library(project), output)[0][key]


class Stream:
    """A page of a PDF as a list of operators, with the text blocks of one item."""

    def __init__(self, pdf: pikepdf.Pdf, page: int = 0) -> None:
        self.pdf = pdf
        self.page = pdf.pages[page]
        self.ops = list(pikepdf.parse_content_stream(self.page))
        fonts = self.page.Resources.Font
        self.maps = {
            name: parse_to_unicode(font.ToUnicode.read_bytes()) for name, font in fonts.items()
        }

    def text_of(self, start: int) -> tuple[str, int, str]:
        """The text a BT block at ``start`` extracts as, its ET index and its font."""
        font, out, index = "", [], start
        while str(self.ops[index][1]) != "ET":
            operands, op = self.ops[index]
            if str(op) == "Tf":
                font = str(operands[0])
            elif str(op) in ("TJ", "Tj"):
                parts = operands[0] if str(op) == "TJ" else [operands[0]]
                for part in parts:
                    if isinstance(part, pikepdf.String):
                        data = bytes(part)
                        for i in range(0, len(data), 2):
                            code = int.from_bytes(data[i : i + 2])
                            out.append(self.maps[font].get(code) or chr(code))
            index += 1
        return "".join(out), index, font

    def blocks(self, text: str, target: str | None = None) -> list[int]:
        """The BT indices of the contiguous text blocks that draw ``text`` (extracted as
        ``target``, without whitespace)."""
        target = target or "".join(normalise(text).split())
        starts = [i for i, (_o, op) in enumerate(self.ops) if str(op) == "BT"]
        texts = [self.text_of(i)[0] for i in starts]
        for first in range(len(starts)):
            joined = ""
            for last in range(first, len(starts)):
                joined = "".join(normalise(joined + texts[last]).split())
                if joined == target:
                    return starts[first : last + 1]
                if not target.startswith(joined):
                    break
        raise AssertionError(f"{text!r} is not drawn on this page")

    def insert_after(self, index: int, *new: tuple[list, str]) -> None:
        for offset, (operands, op) in enumerate(new, 1):
            self.ops.insert(index + offset, (operands, pikepdf.Operator(op)))

    def save(self, target: Path) -> None:
        self.page.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(self.ops))
        self.pdf.save(target)


def each_block(stream: Stream, text: str, edit: Callable[[Stream, int], None]) -> None:
    for start in reversed(stream.blocks(text)):
        edit(stream, start)


def white(stream: Stream) -> None:
    each_block(stream, TEXT, lambda s, i: s.insert_after(i, ([1, 1, 1], "rg")))


def tiny(stream: Stream) -> None:
    def edit(s: Stream, i: int) -> None:
        for j in range(i, s.text_of(i)[1]):
            if str(s.ops[j][1]) == "Tf":
                s.ops[j] = ([s.ops[j][0][0], 0.1], s.ops[j][1])

    each_block(stream, TEXT, edit)


def transparent(stream: Stream) -> None:
    resources = stream.page.Resources
    resources.ExtGState[pikepdf.Name("/Hide")] = pikepdf.Dictionary(ca=0, CA=0)
    each_block(stream, TEXT, lambda s, i: s.insert_after(i, ([pikepdf.Name("/Hide")], "gs")))


def invisible(stream: Stream) -> None:
    each_block(stream, TEXT, lambda s, i: s.insert_after(i, ([3], "Tr")))


def outside(stream: Stream) -> None:
    def edit(s: Stream, i: int) -> None:
        for j in range(i, s.text_of(i)[1]):
            if str(s.ops[j][1]) == "Tm":
                operands = list(s.ops[j][0])
                operands[4] = float(operands[4]) + 5000
                s.ops[j] = (operands, s.ops[j][1])

    each_block(stream, TEXT, edit)


def painted_over(stream: Stream) -> None:
    with DrawnPdf(Path(stream.pdf.filename), REPO) as drawn:
        _page, x, y = drawn.destinations[locate(ITEM)[1]]
    height = stream.page.MediaBox[3]
    # WeasyPrint's content flips the y axis; paint in default user space after it.
    stream.ops[:0] = [([], pikepdf.Operator("q"))]
    stream.ops += [
        ([], pikepdf.Operator("Q")),
        ([], pikepdf.Operator("q")),
        ([1, 1, 1], pikepdf.Operator("rg")),
        ([x - 2, y - 30, 300, 32], pikepdf.Operator("re")),
        ([], pikepdf.Operator("f")),
        ([], pikepdf.Operator("Q")),
    ]
    assert height


def lying_to_unicode(stream: Stream) -> None:
    """Draw other glyphs but keep the extracted text: swap 'l' and 'u' in the drawing and in
    the ToUnicode map."""
    start = stream.blocks(TEXT)[0]
    font = stream.text_of(start)[2]
    codes = {text: code for code, text in stream.maps[font].items()}
    low, up = codes["l"], codes["u"]
    swap = {low.to_bytes(2): up.to_bytes(2), up.to_bytes(2): low.to_bytes(2)}
    for start in stream.blocks(TEXT):
        for j in range(start, stream.text_of(start)[1]):
            operands, op = stream.ops[j]
            if str(op) != "TJ":
                continue
            parts = []
            for part in operands[0]:
                if isinstance(part, pikepdf.String):
                    data = bytes(part)
                    pairs = [
                        swap.get(data[k : k + 2], data[k : k + 2]) for k in range(0, len(data), 2)
                    ]
                    part = pikepdf.String(b"".join(pairs))
                parts.append(part)
            stream.ops[j] = ([pikepdf.Array(parts)], op)
    cmap = stream.page.Resources.Font[font].ToUnicode
    data = cmap.read_bytes()
    a, b = f"<{low:04x}>".encode(), f"<{up:04x}>".encode()
    data = (
        data.replace(a + b" ", b"<TMP> ").replace(b + b" ", a + b" ").replace(b"<TMP> ", b + b" ")
    )
    cmap.write(data)


DAMAGES = {
    "white": (white, "contrast"),
    "tiny": (tiny, "font size"),
    "transparent": (transparent, "opacity"),
    "render-mode-3": (invisible, "render mode"),
    "outside-crop-box": (outside, "crop box"),
    "painted-over": (painted_over, "painted over"),
    "lying-to-unicode": (lying_to_unicode, "ToUnicode"),
}


@pytest.fixture(scope="module")
def handout(real_site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_site[1] / HANDOUT


@pytest.mark.parametrize("name", DAMAGES)
def test_each_pdf_damage_is_named_with_its_property(
    handout: Path, tmp_path: Path, name: str
) -> None:
    damage, words = DAMAGES[name]
    copy = tmp_path / "aftercare.pdf"
    shutil.copy2(handout, copy)
    # The page the item is drawn on (the warning box, first, may push it off page 1).
    page = pdf_items(copy).destinations[locate(ITEM)[1]]
    with pikepdf.open(copy) as pdf:
        stream = Stream(pdf, page)
        damage(stream)
        stream.save(tmp_path / "damaged.pdf")
    assert check(copy, ITEM, TEXT) == []
    failures = check(tmp_path / "damaged.pdf", ITEM, TEXT)
    assert any(words in failure for failure in failures), failures
    if name != "lying-to-unicode":  # that map is the whole font's: every item using it fails
        assert (
            check(
                tmp_path / "damaged.pdf",
                "side-effects/bruising/text",
                "A bruise where a needle went in",
            )
            == []
        )


def test_a_changed_bengali_word_fails(real_site, tmp_path: Path) -> None:
    project, site = real_site
    text = expected_text(project, "bn", BENGALI_ITEM)
    source = site / BENGALI_HANDOUT
    assert check(source, BENGALI_ITEM, text) == []
    assert untrue_runs(marked_runs(source), pdf_fonts(source, REPO)) == []
    with DrawnPdf(source, REPO) as drawn:
        page = drawn.destinations[locate(BENGALI_ITEM)[1]][0]
    with pikepdf.open(source) as pdf:
        stream = Stream(pdf, page)
        # The item's run carries its text as /ActualText, which pdfium reads instead of the
        # glyphs: draw two of its glyphs the other way round (another word) under it.
        start = next(
            i
            for i, (operands, op) in enumerate(stream.ops)
            if str(op) == "BDC"
            and "/ActualText" in operands[1]
            and normalise(str(operands[1].ActualText)) == normalise(text)
        )
        j = next(j for j in range(start, len(stream.ops)) if str(stream.ops[j][1]) == "TJ")
        parts = list(stream.ops[j][0][0])
        glyphs = [k for k, p in enumerate(parts) if isinstance(p, pikepdf.String)]
        first, second = glyphs[0], glyphs[1]
        parts[first], parts[second] = parts[second], parts[first]
        stream.ops[j] = ([pikepdf.Array(parts)], stream.ops[j][1])
        stream.save(tmp_path / "bn.pdf")
    problems = untrue_runs(marked_runs(tmp_path / "bn.pdf"), pdf_fonts(source, REPO))
    assert len(problems) == 1 and "does not draw that text" in problems[0], problems


def test_a_different_bengali_text_fails(real_site) -> None:
    project, site = real_site
    other = expected_text(project, "bn", "side-effects/bruising/text")
    failures = check(site / BENGALI_HANDOUT, BENGALI_ITEM, other)
    assert any("text drawn" in failure for failure in failures), failures


PRINT = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8"><title>x</title><style>
@font-face {{ font-family: "Noto Sans"; src: url("NotoSans-Regular.ttf"); }}
@font-face {{ font-family: "Noto Sans Arabic"; src: url("NotoSansArabic-Regular.ttf"); }}
body {{ font-family: "Noto Sans", "Noto Sans Arabic"; font-size: 11pt; width: {width}; }}
</style></head><body><p>Before.</p><p><span id="p-x" data-protected="x">{text}</span></p>
<p>After.</p></body></html>
"""
ARABIC = "أنت حامل أو قد تكونين حاملاً"
# name -> language, direction, width, the item's text, and a wrong text that must fail.
LEGITIMATE = {
    "soft-hyphens": (
        "en",
        "ltr",
        "8em",
        "An infec\u00adtion where a nee\u00addle went in",
        "An infection where a needle went out",
    ),
    "ligatures": ("en", "ltr", "30em", "A fine office official, affirmed", "A fine office"),
    "decomposed-accents": (
        "es",
        "ltr",
        "30em",
        "Infecci\u006f\u0301n en la pie\u006c",
        "Infeccion en la piel",
    ),
    "wrapped": (
        "en",
        "ltr",
        "6em",
        "A collapsed lung (pneumothorax), which is rare",
        "A collapsed lung (pneumothorax), which is common",
    ),
    "hyphenated": (
        "en",
        "ltr",
        "5em",
        "Extraordinarily uncomfortable bruising",
        "Extraordinarily comfortable bruising",
    ),
    "right-to-left": ("ar", "rtl", "30em", ARABIC, ARABIC.replace("حامل ", "سليم ")),
    "right-to-left-wrapped": ("ar", "rtl", "6em", ARABIC, ARABIC.replace("حامل ", "سليم ")),
}


@pytest.mark.parametrize("name", LEGITIMATE)
def test_legitimate_text_passes(tmp_path: Path, name: str) -> None:
    lang, direction, width, text, wrong = LEGITIMATE[name]
    html = PRINT.format(lang=lang, dir=direction, width=width, text=text)
    style = "<style>body { hyphens: auto }</style>" if name == "hyphenated" else ""
    target = tmp_path / f"{name}.pdf"
    weasyprint.HTML(
        string=html.replace("</head>", style + "</head>"), base_url=f"{(REPO / 'fonts').as_uri()}/"
    ).write_pdf(target)
    assert check(target, "x", text) == []
    assert check(target, "x", wrong) != []


def test_the_brightest_pixel_of_a_box_is_the_first_as_cropping_finds_it() -> None:
    """`brightest_pixel` looks only at the part of the box inside the image: the same pixel as in
    the whole box cropped (outside the image, black), row by row, for boxes inside, across and
    outside the image's edges."""
    import random

    from PIL import Image

    from careleaf.verify.legibility import brightest_pixel

    chance = random.Random(7)
    image = Image.new("L", (23, 17))
    image.putdata([chance.choice((0, 0, 40, 200, 255)) for _ in range(23 * 17)])
    for _ in range(300):
        x0, y0 = chance.randint(-5, 25), chance.randint(-5, 19)
        box = (x0, y0, x0 + chance.randint(0, 9), y0 + chance.randint(0, 9))
        region = image.crop(box)
        values = list(region.get_flattened_data())
        if not values:
            assert brightest_pixel(image, box) is None
            continue
        peak = values.index(max(values))
        expected = (box[0] + peak % region.width, box[1] + peak // region.width)
        assert brightest_pixel(image, box) == expected, box
