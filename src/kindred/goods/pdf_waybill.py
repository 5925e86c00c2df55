"""The waybill of a disposal lot (fpdf2): who sends what to whom, line by line in
kilograms, with the total and lines for the sender's, the driver's and the receiver's
signature. DejaVu Sans is embedded so every script prints (kindred.core.pdf)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kindred.core.pdf import FONT, add_fonts

from .models import DisposalLot

# Column widths in mm (A4 with 15 mm margins leaves 180 mm).
COLUMNS = (70, 22, 22, 36, 30)


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return formats.number_format(value.normalize(), use_l10n=True, force_grouping=True)


def _receiver(lot: DisposalLot) -> list[str]:
    contact = lot.receiver_contact
    if contact is None:
        return [lot.receiver_name or "—"]
    lines = [contact.name]
    if contact.registration_number:
        lines.append(contact.registration_number)
    address = ", ".join(
        p for p in [contact.street, f"{contact.postcode} {contact.city}".strip()] if p
    )
    if address:
        lines.append(address)
    return lines


def render(lot: DisposalLot, lines, total_kg: Decimal) -> bytes:
    org = lot.organization
    pdf = FPDF(format="A4")
    add_fonts(pdf)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    title = _("Waybill %(ref)s") % {"ref": lot.reference}
    pdf.set_title(title)
    pdf.set_creator("Kindred")
    pdf.add_page()

    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(
        0,
        6,
        f"{lot.get_kind_display()} · {formats.date_format(lot.shipped_on, 'DATE_FORMAT')}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)

    top = pdf.get_y()
    half = 88
    pdf.set_font(FONT, "B", 10)
    pdf.cell(half, 6, _("Sender"), new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(half, 6, _("Receiver"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    sender = [org.name, lot.site.name]
    if lot.site.address:
        sender.append(lot.site.address)
    pdf.multi_cell(half, 5, "\n".join(sender), new_x=XPos.RIGHT, new_y=YPos.TOP)
    left_bottom = pdf.get_y()
    pdf.set_xy(15 + half, top + 6)
    pdf.multi_cell(half, 5, "\n".join(_receiver(lot)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), left_bottom, top + 6 + 5 * len(sender)) + 6)

    if lot.reason:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, f"{_('Reason')}: {lot.reason}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    headings = (_("Goods"), _("Size"), _("Condition"), _("Quantity"), _("Weight (kg)"))
    pdf.set_font(FONT, "B", 9)
    pdf.set_fill_color(235)
    for width, heading, align in zip(COLUMNS, headings, "LLLRR", strict=True):
        pdf.cell(width, 7, heading, border="B", align=align, fill=True)
    pdf.ln()
    pdf.set_font(FONT, "", 9)
    for line in lines:
        quantity = f"{_number(line.quantity)} {line.item_type.get_unit_display()}"
        cells = (
            str(line.item_type.label)[:45],
            line.size or "—",
            line.get_grade_display(),
            quantity,
            _number(line.weight_kg),
        )
        for width, text, align in zip(COLUMNS, cells, "LLLRR", strict=True):
            pdf.cell(width, 6, text, border="B", align=align)
        pdf.ln()
    pdf.set_font(FONT, "B", 10)
    pdf.cell(sum(COLUMNS[:-1]), 8, _("Total"), align="R")
    pdf.cell(COLUMNS[-1], 8, f"{_number(total_kg)} kg", align="R")
    pdf.ln(20)

    pdf.set_font(FONT, "", 9)
    width = 55
    for label in (_("Sender's signature"), _("Driver's signature"), _("Receiver's signature")):
        x = pdf.get_x()
        y = pdf.get_y()
        pdf.line(x, y, x + width - 5, y)
        pdf.cell(width + 5, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_xy(x + width + 5, y)
    pdf.ln(12)
    if lot.note:
        pdf.multi_cell(0, 5, lot.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
