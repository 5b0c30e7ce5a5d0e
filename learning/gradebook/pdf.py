"""The printable certificate as a PDF, rendered on the server with fpdf2.

Contract: ``render_certificate_pdf`` takes plain values (the gradebook's selector fills them from a
certificate) and answers the PDF's bytes: one A4 landscape page with the learner's name, the course, the
university, the date, the grade when the learner chose to show it, the status (valid / revoked / expired)
and the certificate code with the verification URL. The text is real text (DejaVu Sans, vendored beside
this module, so any script the fonts cover prints on a machine without system fonts), so a reader or a
test can extract it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"


@dataclass(frozen=True)
class CertificatePrint:
    learner_name: str
    course_code: str
    course_title: str
    university_name: str
    issued_on: str  # already formatted for the reader (the university's zone)
    code: str
    verify_url: str
    status: str  # "Valid", "Revoked" or "Expired"
    grade: str | None = None
    expires_on: str | None = None


def render_certificate_pdf(cert: CertificatePrint) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Certificate {cert.code}")
    pdf.set_author(cert.university_name)
    pdf.set_creator("Sigma LMS")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - 40
    pdf.set_draw_color(40, 60, 110)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    def line(text: str, size: int, *, bold: bool = False, gap: float = 4) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.set_x(20)
        pdf.multi_cell(width, size * 0.5, text, align="C")
        pdf.ln(gap)

    pdf.set_y(28)
    line(cert.university_name, 18, bold=True, gap=10)
    line("Certificate of completion", 26, bold=True, gap=10)
    line("This certifies that", 13)
    line(cert.learner_name, 24, bold=True, gap=6)
    line("has completed", 13)
    line(f"{cert.course_code} {cert.course_title}", 18, bold=True, gap=6)
    line(f"Issued {cert.issued_on}" + (f" · valid until {cert.expires_on}" if cert.expires_on else ""), 12)
    if cert.grade:
        line(f"Final grade: {cert.grade}", 12)
    if cert.status != "Valid":
        pdf.set_text_color(170, 20, 20)
        line(f"Status: {cert.status}", 16, bold=True)
        pdf.set_text_color(0, 0, 0)
    pdf.set_y(pdf.h - 36)
    line(f"Certificate code: {cert.code}", 10, gap=1)
    line(f"Verify at {cert.verify_url}", 10, gap=1)
    return bytes(pdf.output())
