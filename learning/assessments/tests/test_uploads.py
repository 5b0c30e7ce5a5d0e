"""Reading uploads: limits, zip archives, zip bombs, path traversal, symlinks, shadowing names."""

import io
import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from learning.assessments import uploads
from learning.assessments.uploads import UploadLimits, read_upload

LIMITS = UploadLimits(max_files=5, max_file_bytes=1000, max_total_bytes=3000)


def zipped(entries, *, compression=zipfile.ZIP_DEFLATED, name="work.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"target")
            else:
                archive.writestr(entry[0], entry[1])
    return SimpleUploadedFile(name, buffer.getvalue())


def refused(upload, limits=LIMITS):
    with pytest.raises(ValidationError) as caught:
        read_upload(upload, limits=limits)
    return caught.value.messages[0]


def test_several_files():
    files = read_upload([SimpleUploadedFile("a.py", b"x = 1"), SimpleUploadedFile("b.txt", b"hi")], limits=LIMITS)
    assert files == {"a.py": b"x = 1", "b.txt": b"hi"}


def test_a_zip_is_unpacked_and_a_single_folder_unwrapped():
    files = read_upload([zipped([("lab1/a.py", b"a"), ("lab1/pkg/__init__.py", b"")])], limits=LIMITS)
    assert files == {"a.py": b"a", "pkg/__init__.py": b""}
    assert read_upload([zipped([("a.py", b"a"), ("__MACOSX/._a.py", b"junk")])], limits=LIMITS) == {"a.py": b"a"}


def test_empty_upload():
    assert refused([]) == uploads.UPLOAD_EMPTY


def test_too_many_files():
    message = refused([SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(6)])
    assert message == uploads.UPLOAD_TOO_MANY.format(limit=5, count=6)
    assert "At most 5" in refused([zipped([(f"f{i}.txt", b"x") for i in range(6)])])


def test_file_and_total_size_limits():
    assert "larger than" in refused([SimpleUploadedFile("big.py", b"x" * 1001)])
    parts = [SimpleUploadedFile(f"p{i}.py", b"x" * 900) for i in range(4)]
    assert refused(parts) == uploads.UPLOAD_TOO_LARGE.format(limit_kb=2)


def test_zip_bomb_is_refused():
    assert "expands to more than" in refused([zipped([("bomb.txt", b"\0" * 2_000_000)])])
    # small enough in total but compressing 1000:1
    ratio = UploadLimits(max_files=5, max_file_bytes=100_000, max_total_bytes=100_000, max_ratio=50)
    assert "expands to more than" in refused([zipped([("zeros.txt", b"\0" * 90_000)])], ratio)


def test_a_member_that_lies_about_its_size_is_stopped_while_reading():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.txt", b"y" * 2500)
    data = bytearray(buffer.getvalue())
    # rewrite the declared size in the central directory to 10 bytes
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    limits = UploadLimits(max_files=5, max_file_bytes=1000, max_total_bytes=3000, max_ratio=1000)
    message = refused([SimpleUploadedFile("liar.zip", bytes(data))], limits)
    assert "expands to more than" in message or "not a valid zip" in message


@pytest.mark.parametrize("path", ["../evil.py", "/etc/passwd", "a/../../b.py", "..\\evil.py"])
def test_path_traversal_in_an_archive_is_refused(path):
    message = refused([zipped([(path, b"x")])])
    assert "must stay inside the submission" in message


def test_symlinks_in_an_archive_are_refused():
    link = zipfile.ZipInfo("link.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    assert refused([zipped([link])]) == uploads.UPLOAD_SYMLINK.format(name="link.py")


def test_not_a_zip():
    assert refused([SimpleUploadedFile("work.zip", b"this is not a zip")]) == uploads.UPLOAD_BAD_ZIP.format(
        name="work.zip"
    )


def test_duplicates_and_shadowing_names():
    assert refused(
        [SimpleUploadedFile("a.py", b"1"), SimpleUploadedFile("a.py", b"2")]
    ) == uploads.UPLOAD_DUPLICATE.format(name="a.py")
    assert refused([SimpleUploadedFile("math.py", b"")]) == uploads.UPLOAD_SHADOWS.format(name="math.py", module="math")
    assert "pytest" in refused([zipped([("pytest/__init__.py", b""), ("a.py", b"")])])


def test_allowed_suffixes_for_documents():
    limits = UploadLimits(allowed_suffixes=(".pdf",), python_modules=False)
    assert read_upload([SimpleUploadedFile("report.PDF", b"%PDF")], limits=limits) == {"report.PDF": b"%PDF"}
    assert "not an allowed file type" in refused([SimpleUploadedFile("report.exe", b"MZ")], limits)
