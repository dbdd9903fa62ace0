"""Atomic file writes and safe file names for published report files."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

# characters Windows, macOS or Linux refuse in a file name, controls, and the URL delimiters
# "#" and "%" that would break a link to the file
_UNSAFE = re.compile(r'[<>:"/\\|?*#%\x00-\x1f\x7f]+')


def safe_name(text: str) -> str:
    """A file-name-safe form of ``text`` (Chinese kept; separators and quotes replaced)."""
    name = _UNSAFE.sub("_", str(text)).strip(" .")
    return name or "_"


#: longest file stem (UTF-8 bytes) a report file gets: "<stem>.html", "<stem>.failed.ipynb" and
#: the temporary ".<name>.<random>.tmp" all stay far below the 255-byte limit of file systems
MAX_STEM_BYTES = 120
HASH_CHARS = 8
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def file_stem(text: str) -> str:
    """A bounded, safe file stem for ``text`` (a template and project name): ``safe_name``
    when that is ``text`` itself and short; otherwise its first bytes plus ``_`` and a short
    hash of the full text, so long or odd names stay distinct, fit any file system and can
    never name another folder."""
    text = str(text)
    name = safe_name(text)
    odd = name != text or name.split(".")[0].upper() in _RESERVED
    if not odd and len(name.encode("utf-8")) <= MAX_STEM_BYTES:
        return name
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    head = name.encode("utf-8")[: MAX_STEM_BYTES - HASH_CHARS - 1].decode("utf-8", "ignore").rstrip(" .")
    return f"{head or '_'}_{digest}"


def inside(folder: Path, path: Path) -> Path:
    """``path`` when it lies inside ``folder`` (resolved), else a ValueError: published
    files never leave the reports folder."""
    root, target = Path(folder).resolve(), Path(path).resolve()
    if target != root and root not in target.parents:
        raise ValueError(f"输出路径 {target} 不在报告目录 {root} 之内")
    return path


@cache
def _file_mode() -> int:
    """0o666 minus the process umask: published files readable like any other file."""
    current = os.umask(0o022)
    os.umask(current)
    return 0o666 & ~current


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: temp file in the same folder, then rename."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _file_mode())  # mkstemp creates 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def publish(src: Path, dest: Path) -> Path:
    """Move a finished file into place atomically (copy + rename when across devices)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
    except OSError:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        os.chmod(tmp, _file_mode())
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        Path(src).unlink(missing_ok=True)
    return dest
