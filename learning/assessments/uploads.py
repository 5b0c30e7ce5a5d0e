"""Reading a student's uploaded files (several files, or one zip archive) into ``{relative path: bytes}``.

Refuses, with a message naming the problem: too many files, a file or the whole upload over its size limit,
a path that would leave the work directory (``../x``, ``/etc/x``, a backslash), symbolic links, duplicate
names, an archive that is not a zip, a zip bomb (declared or actual size over the limit, or a compression
ratio past ``max_ratio``), and Python module names that would shadow the standard library or the test
harness (``math.py``, ``pytest.py``). Archive members are read in bounded chunks: a header that lies about
its size cannot make us inflate more than the limit. A zip whose entries all sit in one folder is unwrapped.
"""

from __future__ import annotations

import io
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

UPLOAD_EMPTY = gettext_noop("Choose at least one file (or a .zip archive).")
UPLOAD_TOO_MANY = gettext_noop("At most {limit} files per submission; this upload has {count}.")
UPLOAD_FILE_TOO_LARGE = gettext_noop("“{name}” is larger than {limit_kb} KB.")
UPLOAD_TOO_LARGE = gettext_noop("The files together are larger than {limit_kb} KB.")
UPLOAD_BAD_PATH = gettext_noop(
    "“{name}” is not allowed: a file path must stay inside the submission (no “..”, “/” or “\\” at the start)."
)
UPLOAD_DUPLICATE = gettext_noop("“{name}” appears twice in this upload.")
UPLOAD_BAD_ZIP = gettext_noop("“{name}” is not a valid zip archive.")
UPLOAD_ZIP_BOMB = gettext_noop("“{name}” expands to more than {limit_kb} KB (or compresses suspiciously well); it was refused.")
UPLOAD_SYMLINK = gettext_noop("“{name}” is a symbolic link; upload the file itself.")
UPLOAD_SHADOWS = gettext_noop("“{name}” has the name of a Python module the tests need ({module}); please rename it.")
UPLOAD_FILE_TYPE = gettext_noop("“{name}” is not an allowed file type ({allowed}).")

RESERVED_MODULES = frozenset(sys.stdlib_module_names) | {"pytest", "_pytest", "pluggy", "numpy", "wire", "harness",
                                                         "host", "py", "conftest"}  # fmt: skip
_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = {".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class UploadLimits:
    max_files: int = 50
    max_file_bytes: int = 256 * 1024
    max_total_bytes: int = 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed, per archive
    allowed_suffixes: tuple[str, ...] = ()  # empty: any
    python_modules: bool = True  # check module names (labs); assignments hand in documents


def _clean_path(name: str) -> str:
    if not name or "\x00" in name or "\\" in name:
        raise ValidationError(gettext(UPLOAD_BAD_PATH).format(name=name[:100]), code="bad_path")
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in pure.parts) or len(pure.parts) > 8:
        raise ValidationError(gettext(UPLOAD_BAD_PATH).format(name=name[:100]), code="bad_path")
    return pure.as_posix()


class _Collector:
    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.files: dict[str, bytes] = {}
        self.total = 0

    def add(self, path: str, content: bytes) -> None:
        if path in self.files:
            raise ValidationError(gettext(UPLOAD_DUPLICATE).format(name=path), code="duplicate")
        if len(self.files) + 1 > self.limits.max_files:
            raise ValidationError(
                gettext(UPLOAD_TOO_MANY).format(limit=self.limits.max_files, count=len(self.files) + 1), code="too_many"
            )
        self.check_size(path, len(content))
        self.files[path] = content
        self.total += len(content)

    def check_size(self, path: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise ValidationError(
                gettext(UPLOAD_FILE_TOO_LARGE).format(name=path, limit_kb=self.limits.max_file_bytes // 1024), code="too_large"
            )
        if self.total + size > self.limits.max_total_bytes:
            raise ValidationError(
                gettext(UPLOAD_TOO_LARGE).format(limit_kb=self.limits.max_total_bytes // 1024), code="too_large"
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int, archive_name: str) -> bytes:
    """The member's bytes, never inflating more than ``budget`` whatever its header says."""
    chunks, size = [], 0
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > budget:
                raise ValidationError(
                    gettext(UPLOAD_ZIP_BOMB).format(name=archive_name, limit_kb=budget // 1024), code="zip_bomb"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _extract_zip(name: str, data: bytes, collector: _Collector) -> None:
    limits = collector.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError(gettext(UPLOAD_BAD_ZIP).format(name=name), code="bad_zip") from None
    entries = []
    for info in members:
        if info.filename.startswith(_JUNK_PREFIXES) or PurePosixPath(info.filename).name in _JUNK_NAMES:
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValidationError(gettext(UPLOAD_SYMLINK).format(name=info.filename[:100]), code="symlink")
        path = _clean_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
        if not info.is_dir():
            entries.append((path, info))
    if len(entries) > limits.max_files:
        raise ValidationError(gettext(UPLOAD_TOO_MANY).format(limit=limits.max_files, count=len(entries)), code="too_many")
    declared = sum(info.file_size for _, info in entries)
    compressed = max(1, sum(info.compress_size for _, info in entries))
    if declared > limits.max_total_bytes or declared / compressed > limits.max_ratio:
        raise ValidationError(
            gettext(UPLOAD_ZIP_BOMB).format(name=name, limit_kb=limits.max_total_bytes // 1024), code="zip_bomb"
        )
    tops = {PurePosixPath(path).parts[0] for path, _ in entries}
    unwrap = len(tops) == 1 and all(len(PurePosixPath(path).parts) > 1 for path, _ in entries)
    for path, info in entries:
        budget = min(limits.max_file_bytes, limits.max_total_bytes - collector.total)
        try:
            content = _read_member(archive, info, budget=max(budget, 0), archive_name=name)
        except ValidationError:
            raise
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
            raise ValidationError(gettext(UPLOAD_BAD_ZIP).format(name=name), code="bad_zip") from None
        if unwrap:
            path = PurePosixPath(*PurePosixPath(path).parts[1:]).as_posix()
        collector.add(path, content)


def _check_names(files: dict[str, bytes], limits: UploadLimits) -> None:
    for path in files:
        parts = PurePosixPath(path).parts
        if limits.allowed_suffixes and not path.lower().endswith(limits.allowed_suffixes):
            raise ValidationError(
                gettext(UPLOAD_FILE_TYPE).format(name=path, allowed=", ".join(limits.allowed_suffixes)), code="file_type"
            )
        if limits.python_modules:
            module = parts[0][:-3] if len(parts) == 1 and parts[0].endswith(".py") else parts[0]
            if module in RESERVED_MODULES:
                raise ValidationError(gettext(UPLOAD_SHADOWS).format(name=path, module=module), code="shadows")


def read_upload(uploaded, *, limits: UploadLimits, unpack_zip: bool = True) -> dict[str, bytes]:
    """``uploaded``: Django ``UploadedFile`` objects (or anything with ``.name``, ``.size`` and ``.read``)."""
    uploaded = [item for item in uploaded if item is not None]
    if not uploaded:
        raise ValidationError(gettext(UPLOAD_EMPTY), code="empty")
    if len(uploaded) > limits.max_files:
        raise ValidationError(gettext(UPLOAD_TOO_MANY).format(limit=limits.max_files, count=len(uploaded)), code="too_many")
    collector = _Collector(limits)
    for item in uploaded:
        name = _clean_path(str(item.name or ""))
        size = getattr(item, "size", None)
        is_zip = unpack_zip and name.lower().endswith(".zip")
        # an archive may be compressed up to the total limit; a plain file must fit the per-file limit
        if size is not None and size > (limits.max_total_bytes if is_zip else limits.max_file_bytes):
            collector.check_size(name, size if not is_zip else limits.max_total_bytes + 1)
        data = item.read(limits.max_total_bytes + 1)
        if is_zip:
            if len(data) > limits.max_total_bytes:
                raise ValidationError(
                    gettext(UPLOAD_TOO_LARGE).format(limit_kb=limits.max_total_bytes // 1024), code="too_large"
                )
            _extract_zip(name, data, collector)
        else:
            collector.add(name, data)
    _check_names(collector.files, limits)
    return collector.files
