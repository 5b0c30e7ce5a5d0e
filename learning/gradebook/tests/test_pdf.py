"""The certificate PDF, read back as text with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader

from learning.gradebook.pdf import CertificatePrint, render_certificate_pdf


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def cert(**overrides) -> CertificatePrint:
    values = {
        "learner_name": "Jürgen Ñúñez",
        "course_code": "MATH110",
        "course_title": "Linear Algebra for Engineers",
        "university_name": "Technische Hochschule Rheinland",
        "issued_on": "1 December 2026",
        "code": "Zq3xYk2-abc",
        "verify_url": "https://lms.example.edu/certificates/Zq3xYk2-abc/",
        "status": "Valid",
    }
    values.update(overrides)
    return CertificatePrint(**values)


def test_pdf_text_names_learner_course_university_date_and_code():
    text = text_of(render_certificate_pdf(cert(grade="1.3")))
    for expected in (
        "Technische Hochschule Rheinland",
        "Certificate of completion",
        "Jürgen Ñúñez",
        "MATH110 Linear Algebra for Engineers",
        "Issued 1 December 2026",
        "Final grade: 1.3",
        "Certificate code: Zq3xYk2-abc",
        "https://lms.example.edu/certificates/Zq3xYk2-abc/",
    ):
        assert expected in text
    assert "Status:" not in text


def test_pdf_hides_grade_unless_given_and_shows_revocation():
    text = text_of(render_certificate_pdf(cert(status="Revoked")))
    assert "Final grade" not in text
    assert "Status: Revoked" in text
