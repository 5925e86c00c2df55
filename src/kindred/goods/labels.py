"""The label sheet (PDF, A4): a QR code per location or one-off item, holding the absolute
URL of its page, with readable text beside it for people without a scanner.

QR codes are drawn as vector squares, not as an embedded picture, so they stay sharp on any
printer. Each has its quiet zone of four modules (white, never overlapped by text), error
correction M at least (segno raises it when that fits in the same size), and measures at
least 24 mm including the quiet zone on every layout — large enough for a phone camera or a
handheld scanner at arm's length.

Layouts are common A4 label sheets (3 x 8 of 70 x 37 mm, 2 x 7 of 99.1 x 38.1 mm,
3 x 7 of 63.5 x 38.1 mm) and one big label per page, for bins and furniture. `skip` leaves
the first labels of a partly used sheet empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import segno
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from kindred.core.pdf import FONT, add_fonts

from .models import Location, OneOffItem

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
MIN_QR_MM = 24.0
PAGE_W, PAGE_H = 210.0, 297.0


@dataclass(frozen=True)
class Layout:
    key: str
    name: Promise
    columns: int
    rows: int
    width: float  # one label, mm
    height: float
    left: float  # page margin to the first label, mm
    top: float
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.0  # inside each label: printers rarely print to a label's edge
    big: bool = False

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def qr_size(self) -> float:
        if self.big:
            return min(self.width - 2 * self.padding, 130.0)
        return min(self.height - 2 * self.padding, self.width * 0.5)


LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(
            "3x8",
            gettext_lazy("A4 sheet, 3 × 8 labels of 70 × 37 mm"),  # noqa: RUF001
            3,
            8,
            70,
            37,
            0,
            0.5,
        ),
        Layout(
            "2x7",
            gettext_lazy("A4 sheet, 2 × 7 labels of 99.1 × 38.1 mm"),  # noqa: RUF001
            2,
            7,
            99.1,
            38.1,
            4.65,
            15.15,
            gap_x=2.5,
        ),
        Layout(
            "3x7",
            gettext_lazy("A4 sheet, 3 × 7 labels of 63.5 × 38.1 mm"),  # noqa: RUF001
            3,
            7,
            63.5,
            38.1,
            7.2,
            15.15,
            gap_x=2.5,
        ),
        Layout(
            "big",
            gettext_lazy("One big label per page (bins, furniture)"),
            1,
            1,
            190,
            277,
            10,
            10,
            padding=10,
            big=True,
        ),
    )
}
DEFAULT_LAYOUT = "3x8"


@dataclass
class Label:
    """What one label shows: the QR code's URL, the code in bold, lines of text."""

    url: str
    code: str
    title: str
    lines: list[str] = field(default_factory=list)


def page_url(base_url: str, route: str, **kwargs) -> str:
    """The absolute URL of an organisation page: `base_url` is the server's address
    ("https://kindred.example.org"; a page passes request.build_absolute_uri("/"))."""
    return base_url.rstrip("/") + reverse(route, kwargs=kwargs)


def location_label(location: Location, *, org_slug: str, base_url: str, path: str = "") -> Label:
    """`path` is the location's place in its site ("Room 1 > Shelf A > Bin 3")."""
    return Label(
        url=page_url(base_url, "goods:location", org_slug=org_slug, location_id=location.pk),
        code=location.code,
        title=str(location.label),
        lines=[location.site.name, path if path and path != location.label else ""],
    )


def item_label(item: OneOffItem, *, org_slug: str, base_url: str) -> Label:
    facts = [
        _("Size %(size)s") % {"size": item.size} if item.size else "",
        str(item.get_grade_display()) if item.grade else "",
    ]
    return Label(
        url=page_url(base_url, "goods:item", org_slug=org_slug, item_id=item.pk),
        code=item.code,
        title=str(item.item_type.label),
        lines=[" · ".join(f for f in facts if f), item.description],
    )


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules, dark = True, without the quiet zone. Always a full QR code
    (never a Micro QR, which phones do not read), error correction M or better."""
    code = segno.make_qr(url, error="m")
    return [[bool(v) for v in row] for row in code.matrix]


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The code with its quiet zone fills the square `size` at (x, y). Dark modules are
    drawn as one rectangle per horizontal run, overlapping a hair so no white seams show."""
    matrix = qr_matrix(url)
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = size / modules
    pdf.set_fill_color(0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QUIET_ZONE + start) * unit,
                y + (QUIET_ZONE + r) * unit,
                (c - start) * unit,
                unit + 0.02,
                style="F",
            )


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` shortened with an ellipsis to fit `width` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Word-wrap `text` into at most `max_lines` lines of `width`; the last one ends with
    an ellipsis when text is left over."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and pdf.get_string_width(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines[-1] = _fit(pdf, f"{lines[-1]} {' '.join(words)}", width)
    return [_fit(pdf, line, width) for line in lines]


def _draw_label(pdf: FPDF, label: Label, layout: Layout, x: float, y: float) -> None:
    pad, qr = layout.padding, layout.qr_size
    if layout.big:
        _draw_big(pdf, label, layout, x, y)
        return
    qr_y = y + (layout.height - qr) / 2
    _draw_qr(pdf, label.url, x + pad, qr_y, qr)
    text_x = x + pad + qr + 1
    width = layout.width - (text_x - x) - pad
    cursor = y + pad + 1
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 13)
    pdf.set_xy(text_x, cursor)
    pdf.cell(width, 5.5, _fit(pdf, label.code, width))
    cursor += 6.5
    pdf.set_font(FONT, "B", 8.5)
    for line in _wrap(pdf, label.title, width, 2):
        pdf.set_xy(text_x, cursor)
        pdf.cell(width, 3.8, line)
        cursor += 3.8
    pdf.set_font(FONT, "", 7.5)
    bottom = y + layout.height - pad
    for text in label.lines:
        for line in _wrap(pdf, text, width, 2):
            if cursor + 3.4 > bottom:
                return
            pdf.set_xy(text_x, cursor)
            pdf.cell(width, 3.4, line)
            cursor += 3.4


def _draw_big(pdf: FPDF, label: Label, layout: Layout, x: float, y: float) -> None:
    qr, pad = layout.qr_size, layout.padding
    width = layout.width - 2 * pad
    _draw_qr(pdf, label.url, x + (layout.width - qr) / 2, y + pad, qr)
    cursor = y + pad + qr + 6
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 54)
    pdf.set_xy(x + pad, cursor)
    pdf.cell(width, 22, _fit(pdf, label.code, width), align="C")
    cursor += 26
    pdf.set_font(FONT, "B", 28)
    for line in _wrap(pdf, label.title, width, 2):
        pdf.set_xy(x + pad, cursor)
        pdf.cell(width, 12, line, align="C")
        cursor += 12
    cursor += 3
    pdf.set_font(FONT, "", 18)
    for text in label.lines:
        for line in _wrap(pdf, text, width, 3):
            pdf.set_xy(x + pad, cursor)
            pdf.cell(width, 8.5, line, align="C")
            cursor += 8.5


def render(labels: Iterable[Label], *, layout: str = DEFAULT_LAYOUT, skip: int = 0) -> bytes:
    """The PDF of `labels` on `layout` (a key of LAYOUTS), leaving the first `skip`
    positions of the first sheet empty."""
    sheet = LAYOUTS[layout]
    assert sheet.qr_size >= MIN_QR_MM, sheet.key  # a smaller code scans badly
    pdf = FPDF(format="A4", unit="mm")
    add_fonts(pdf)
    pdf.set_creator("Kindred")
    pdf.set_title(_("Labels"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    position = max(0, min(skip, sheet.per_page - 1)) if not sheet.big else 0
    pdf.add_page()
    for label in labels:
        if position == sheet.per_page:
            pdf.add_page()
            position = 0
        row, column = divmod(position, sheet.columns)
        x = sheet.left + column * (sheet.width + sheet.gap_x)
        y = sheet.top + row * (sheet.height + sheet.gap_y)
        _draw_label(pdf, label, sheet, x, y)
        position += 1
    return bytes(pdf.output())
