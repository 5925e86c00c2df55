"""What every PDF Kindred prints shares (fpdf2): DejaVu Sans embedded, so every script the
organisations meet (Latin with Nordic letters, Cyrillic, …) prints. The fonts' licence is
in static/core/fonts/LICENSE.txt."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "static" / "core" / "fonts"
FONT = "DejaVu"


def add_fonts(pdf: FPDF) -> FPDF:
    """Register DejaVu Sans (regular and bold) as FONT on `pdf`."""
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return pdf
