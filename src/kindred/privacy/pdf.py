"""The person data export as a PDF (fpdf2), for a person who asked for their data on paper
or by e-mail. DejaVu Sans is embedded so every script the organisations meet (Latin with
Nordic letters, Cyrillic, …) prints (kindred.core.pdf)."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kindred.core import audit
from kindred.core.models import AuditEntry
from kindred.core.pdf import FONT, add_fonts

from .queries import Item, PersonExport

LABEL_WIDTH = 55  # mm; the value takes the rest of the line


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def render(export: PersonExport) -> bytes:
    pdf = _Document(format="A4")
    add_fonts(pdf)
    pdf.set_title(_("Personal data held by %(org)s") % {"org": export.organization.name})
    pdf.set_creator("Kindred")
    pdf.set_auto_page_break(True, margin=16)
    pdf.footer_text = _("Generated on %(date)s") % {"date": _when(export.generated_at)}
    pdf.add_page()

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font(FONT, "B", size)
        pdf.set_text_color(0)
        pdf.ln(2)
        pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def rows(items: list[tuple[str, str]]) -> None:
        pdf.set_font(FONT, "", 9)
        for label, value in items:
            top = pdf.get_y()
            pdf.set_text_color(90)
            pdf.multi_cell(LABEL_WIDTH, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_text_color(0)
            pdf.multi_cell(0, 5, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if pdf.get_y() < top + 5:  # the label wrapped further than the value
                pdf.set_y(top + 5)
        pdf.ln(2)

    def pairs(items: list[Item]) -> list[tuple[str, str]]:
        return [(capfirst(str(i.label)), i.text) for i in items]

    heading(_("Personal data held by %(org)s") % {"org": export.organization.name}, 16)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        0,
        5,
        _(
            "Everything we hold about this person on %(date)s: their record, every record "
            "that refers to them, and the history of changes to them."
        )
        % {"date": _when(export.generated_at)},
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    heading(_("Person"))
    rows(pairs(export.readable_person()))
    for section in export.readable_sections():
        heading(f"{section.title[:1].upper()}{section.title[1:]} ({len(section.records)})")
        for record in section.records:
            rows(pairs(record.readable_items))
    heading(_("History") + f" ({len(export.audit_lines)})")
    for line in export.audit_lines:
        entry = AuditEntry(object_type=line.object_type, changes=line.changes)
        changes = "; ".join(
            f"{label}: {old} → {new}" for label, old, new in audit.readable_changes(entry)
        )
        rows(
            [
                (
                    _when(line.created_at),
                    f"{audit.action_label(line.action)} · {line.object_repr}"
                    + (f"\n{changes}" if changes else ""),
                )
            ]
        )
    return bytes(pdf.output())
