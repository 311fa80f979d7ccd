"""Makes the PDF form WeasyPrint writes one that works in every viewer.

WeasyPrint (`pdf_forms`) writes a widget for each ``<input>`` and ``<textarea>``, but leaves
the form to the viewer to finish: it sets ``/NeedAppearances`` (so poppler draws ticked boxes
empty), lists each radio button as a field of its own as well as a kid of its group (pypdf:
"already parsed"), writes fields of the same name as separate fields, puts a graphics-state
operator in the text fields' default appearance (poppler: "Missing 'Tf' operator") and has no
signature fields. `finish_form` mends all that in the PDF, in place, and deterministically:

- fields of the same name become one field with a widget in each place (a copy of what was
  filled in shows the same value), so that every field's name is unique;
- a radio group's buttons are widgets of the group only, whose "on" states are named by
  their values (``/yes``, ``/no``); a check box's "on" state is ``/Yes``;
- every widget has an appearance stream for each of its states (an empty one for "off" and
  for an empty text field), and ``/NeedAppearances`` is removed;
- a text field whose name ends in ``-signature`` becomes a signature field (``/FT /Sig``);
- a text field narrower than `MIN_TEXT_WIDTH` fails the build (its value would be invisible).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

from careleaf.errors import BuildError

# A text field narrower than this (in points, about 25 mm) cannot show a name or a date.
MIN_TEXT_WIDTH = 70.0
# The field names of signatures end with this (handout.html writes them).
SIGNATURE_SUFFIX = "-signature"
# Field flags (PDF 32000-1, tables 226, 228 and 230).
_RADIO = 1 << 15
_NO_TOGGLE_TO_OFF = 1 << 14
_MULTILINE = 1 << 12
# The keys of a widget annotation, as against those of the field it belongs to.
_WIDGET_KEYS = frozenset(
    ("/Type", "/Subtype", "/Rect", "/P", "/F", "/AS", "/AP", "/MK", "/Border", "/StructParent")
)
# What a default appearance string may hold: a font and size, and a fill colour.
_DA_FONT = re.compile(rb"/[^\s/]+\s+[\d.]+\s+Tf")
_DA_COLOUR = re.compile(rb"(?:[\d.]+\s+){1,4}(?:g|rg|k)\b")


def finish_form(pdf: pikepdf.Pdf, where: str) -> None:
    """Finish the PDF form of a fillable handout in place (see the module's docstring).

    Raises:
        BuildError: naming ``where`` and the field, when a text field is too narrow to show
            what is written in it, or two different fields have one name.
    """
    form = pdf.Root.get("/AcroForm")
    if form is None:
        return
    if "/NeedAppearances" in form:
        del form["/NeedAppearances"]
    fields: dict[str, Any] = {}
    for field in list(form.Fields):
        if "/Parent" in field:
            continue  # a radio button, listed as a field as well as a kid of its group
        name = str(field.T)
        if name in fields:
            _merge(pdf, fields[name], field, where)
        else:
            fields[name] = _as_field(pdf, field)
    form.Fields = Array([fields[name] for name in fields])
    for name, field in fields.items():
        kind = field.get("/FT")
        if kind == "/Btn":
            _finish_buttons(pdf, field)
        elif kind == "/Tx" and name.endswith(SIGNATURE_SUFFIX):
            _make_signature(pdf, field)
        elif kind == "/Tx":
            _finish_text(pdf, field, where)
    if "/DA" not in form:
        # The form-wide default a viewer falls back on (poppler asks for one).
        form.DA = next((f.DA for f in fields.values() if "/DA" in f), String("/Helv 0 Tf 0 g"))


def _widgets(field: Any) -> Iterator[Any]:
    """A field's widget annotations: its kids, or itself when it is its own widget."""
    if "/Kids" in field:
        yield from field.Kids
    else:
        yield field


def _as_field(pdf: pikepdf.Pdf, field: Any) -> Any:
    """The field itself, with its kids made plain widgets (no name: not fields of their own;
    each keeps its own description, "…: Yes", for a screen reader)."""
    kids = field.get("/Kids", [])
    for kid in kids:
        for key in ("/T", "/FT", "/V", "/Ff", "/DA"):
            if key in kid:
                del kid[key]
        kid.Parent = field
    described = [str(kid.TU) for kid in kids if "/TU" in kid]
    if len(described) > 1:
        # The group's own description is what its buttons' share (the question), not the
        # first button's ("…: Yes").
        shared = os.path.commonprefix(described).rstrip(": ")
        if shared:
            field.TU = String(shared)
    return field


def _merge(pdf: pikepdf.Pdf, first: Any, other: Any, where: str) -> None:
    """Make ``other`` (a field of the same name as ``first``) widgets of ``first``.

    Raises:
        BuildError: naming ``where`` and the field, when the two are different kinds of field
            (a text field and a check box of one name cannot show one value).
    """
    if first.get("/FT") != other.get("/FT") or first.get("/Ff") != other.get("/Ff"):
        raise BuildError(
            f"{where}: two different form fields are named '{first.T}': each field's name "
            "must be its own, or name the same field again"
        )
    if "/Kids" not in first:
        # A field that is its own widget becomes a parent with that widget as its first kid.
        widget = pdf.make_indirect(Dictionary())
        for key in list(first.keys()):
            if key in _WIDGET_KEYS:
                widget[key] = first[key]
                del first[key]
        widget.Parent = first
        _replace_annotation(pdf, first, widget)
        first.Kids = Array([widget])
    for widget in list(_widgets(other)):
        for key in ("/T", "/TU", "/FT", "/V", "/Ff", "/DA", "/Opt"):
            if key in widget:
                del widget[key]
        widget.Parent = first
        first.Kids.append(widget)


def _replace_annotation(pdf: pikepdf.Pdf, old: Any, new: Any) -> None:
    """Put ``new`` where ``old`` is in its page's annotations and in the structure tree."""
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        for index, annot in enumerate(annots):
            if annot.objgen == old.objgen:
                annots[index] = new
                new.P = page.obj
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return
    # The structure tree refers to a widget by an object reference (/OBJR); the one that
    # referred to the field refers to its widget now. Its /ParentTree entry follows the
    # /StructParent key, which moved with the widget.
    parent_tree = tree.get("/ParentTree")
    for _key, value in _number_tree(parent_tree):
        if isinstance(value, Dictionary) and "/K" in value:
            for kid in value.K if isinstance(value.K, Array) else [value.K]:
                if isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                    if kid.Obj.objgen == old.objgen:
                        kid.Obj = new


def _number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    """The entries of a number tree."""
    if node is None:
        return
    nums = node.get("/Nums", [])
    for index in range(0, len(nums), 2):
        yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)


def _size(widget: Any) -> tuple[float, float]:
    """A widget's width and height, with its /Rect put in order (WeasyPrint's may be upside
    down, which some viewers do not draw)."""
    left, bottom, right, top = (float(v) for v in widget.Rect)
    left, right = sorted((left, right))
    bottom, top = sorted((bottom, top))
    widget.Rect = Array([Decimal(f"{v:.3f}") for v in (left, bottom, right, top)])
    return right - left, top - bottom


def _appearance(pdf: pikepdf.Pdf, width: float, height: float, content: bytes) -> Stream:
    stream = Stream(pdf, content)
    stream.Type = Name.XObject
    stream.Subtype = Name.Form
    stream.BBox = Array([0, 0, Decimal(f"{width:.3f}"), Decimal(f"{height:.3f}")])
    return stream


def _finish_buttons(pdf: pikepdf.Pdf, field: Any) -> None:
    """Radio groups and check boxes: states named by value, an appearance for each."""
    flags = int(field.get("/Ff", 0))
    radio = bool(flags & _RADIO)
    options = [str(value) for value in field.get("/Opt", [])]
    if "/Opt" in field:
        del field["/Opt"]
    if radio:
        field.Ff = flags | _NO_TOGGLE_TO_OFF
    for widget in _widgets(field):
        width, height = _size(widget)
        normal = widget.AP.N
        (state,) = [key for key in normal.keys() if key != "/Off"]
        on = widget.AP.N[state]
        if radio and options:
            # WeasyPrint names a radio button's "on" state by its place in the group; its
            # value says what it means to whoever reads the form's data.
            name = "/" + options[int(state.lstrip("/")) % len(options)]
        else:
            name = state if radio else "/Yes"
        off = _appearance(pdf, width, height, b"")
        widget.AP = Dictionary(N=Dictionary({name: on, "/Off": off}))
        widget.AS = Name.Off
        # What a viewer that draws its own appearance draws: a check mark, or a dot.
        widget.MK = Dictionary(CA=String("l" if radio else "4"))
    field.V = Name.Off


def _finish_text(pdf: pikepdf.Pdf, field: Any, where: str) -> None:
    """A text field: a default appearance a viewer can use, an (empty) appearance stream for
    each widget, and a width that can show its value."""
    field.DA = _default_appearance(field.get("/DA"))
    for widget in _widgets(field):
        width, height = _size(widget)
        if width < MIN_TEXT_WIDTH:
            raise BuildError(
                f"{where}: form field '{field.T}' is {width:.0f} pt wide, too narrow to show "
                f"what is written in it (at least {MIN_TEXT_WIDTH:.0f} pt)"
            )
        widget.AP = Dictionary(N=_appearance(pdf, width, height, b"/Tx BMC\nEMC\n"))
        if "/MK" not in widget:
            widget.MK = Dictionary()


def _default_appearance(found: Any) -> String:
    """A default appearance string with only what one may hold: WeasyPrint's puts an opacity
    (``/a1.0 gs``) before the colour and the font."""
    text = bytes(found) if found is not None else b""
    font = _DA_FONT.search(text)
    colour = _DA_COLOUR.search(_DA_FONT.sub(b"", text))
    parts = [font.group(0) if font else b"/Helv 0 Tf", colour.group(0) if colour else b"0 g"]
    return String(b" ".join(parts))


def _make_signature(pdf: pikepdf.Pdf, field: Any) -> None:
    """A text field that stands for a signature becomes an (unsigned) signature field."""
    field.FT = Name.Sig
    for key in ("/V", "/DA", "/Ff", "/MaxLen"):
        if key in field:
            del field[key]
    for widget in _widgets(field):
        width, height = _size(widget)
        widget.AP = Dictionary(N=_appearance(pdf, width, height, b""))
