"""The thank-you receipt of a donation as a PDF (fpdf2, A4), with DejaVu Sans embedded so
every script the organisations meet prints (kindred.core.pdf)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kindred.core.pdf import FONT, add_fonts

from .queries.intake import ReceiptSummary

# Column widths in mm (A4 minus margins is 190 mm): item, size, quantity, kg.
COLUMNS = (100, 25, 35, 30)


def _number(value, places: int | None = None) -> str:
    if places is None:
        value = value.normalize() if value == value.to_integral() else value
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def render(summary: ReceiptSummary) -> bytes:
    receipt = summary.receipt
    org = receipt.organization
    pdf = FPDF(format="A4")
    add_fonts(pdf)
    pdf.set_title(_("Donation receipt %(number)s") % {"number": receipt.reference})
    pdf.set_creator("Kindred")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(10, 12, 10)
    pdf.add_page()

    def line(text: str, size: int = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(org.name, 16, "B", 8)
    if summary.site_address:
        line(f"{receipt.site.name} · {summary.site_address}", 9)
    pdf.ln(4)
    line(_("Donation receipt %(number)s") % {"number": receipt.reference}, 14, "B", 7)
    line(
        _("Received on %(date)s") % {"date": formats.date_format(receipt.received_on)}
        + f" · {receipt.get_channel_display()}",
        10,
    )
    line(_("Donor: %(donor)s") % {"donor": summary.donor}, 10)
    if summary.donor_address:
        line(summary.donor_address, 9)
    pdf.ln(4)

    headers = (_("Item"), _("Size"), _("Quantity"), _("kg"))
    pdf.set_font(FONT, "B", 9)
    pdf.set_fill_color(235, 238, 242)
    for width, text, align in zip(COLUMNS, headers, "LLRR", strict=True):
        pdf.cell(width, 7, text, border="B", align=align, fill=True)
    pdf.ln(7)
    pdf.set_font(FONT, "", 9)
    for row in summary.lines:
        quantity = f"{_number(row.quantity)} {row.unit}"
        cells = (row.label, row.size or "—", quantity, _number(row.weight_kg, 1))
        for width, text, align in zip(COLUMNS, cells, "LLRR", strict=True):
            pdf.cell(width, 6, text[:60], border="B", align=align)
        pdf.ln(6)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(COLUMNS[0] + COLUMNS[1], 7, _("Total"))
    pdf.cell(COLUMNS[2], 7, summary.amounts, align="R")
    pdf.cell(COLUMNS[3], 7, _number(summary.total_kg, 1), align="R")
    pdf.ln(9)
    if summary.total_value:
        line(
            _("Estimated fair value: %(value)s %(currency)s")
            % {"value": _number(summary.total_value, 2), "currency": summary.currency},
            10,
        )
    pdf.ln(3)
    line(summary.thank_you_text or _("Thank you for your donation!"), 11)
    return bytes(pdf.output())
