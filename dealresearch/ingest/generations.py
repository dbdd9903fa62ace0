"""Store generations: one writer at a time, readers see the old store or the new one.

Layout under the data directory::

    processed/CURRENT            the name of the current generation, e.g. "g000012"
    processed/g000012/*.parquet  manifest.json      (pseudonymised analysis tables)
    interim/g000012/*.parquet                       (rejects and warnings: raw values)
    .dealresearch.lock                              (held by the one writer)

A writer (``writing``) takes the lock (``filelock``), stages a complete new generation in
hidden folders — the tables it writes, hard links to the unchanged ones, the manifest
with its run appended — renames them to the next generation name and then switches
``CURRENT`` with one atomic ``os.replace``. A crash before that switch leaves the old
generation current; its leftovers are removed by the next writer. The two previous
generations are kept (readers that opened them a moment ago can finish).

A store written before generations existed (tables directly in processed/ and interim/)
is read as it is; its first commit moves it into a generation.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import config
from ..config import VERSION as __version__
from ..errors import DealResearchError, ParameterError

POINTER = config.STORE_POINTER
MANIFEST = "manifest.json"
LOCK = ".dealresearch.lock"
KEEP = 2  # previous generations kept besides the current one
FOLDERS = ("processed", "interim")


class StoreBusyError(ParameterError):
    """Another writer holds the store (exit 2 with ``--no-wait``)."""


class StoreCorruptError(DealResearchError):
    """A stored table or the manifest cannot be read."""


def _root(store, folder: str) -> Path:
    return config.processed_dir(store) if folder == "processed" else config.interim_dir(store)


def current(store=None) -> str | None:
    """Name of the current generation, None for a store without generations (or none yet)."""
    pointer = config.processed_dir(store) / POINTER
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreCorruptError(f"数据目录的版本指针无法读取：{pointer}（{exc}）") from exc
    if not (name.startswith("g") and name[1:].isdigit()):
        raise StoreCorruptError(f"数据目录的版本指针内容无效：{pointer}（“{name[:40]}”）")
    return name


def folder(store=None, which: str = "processed") -> Path:
    """The folder holding the current tables of ``which`` (processed / interim)."""
    current(store)  # a damaged pointer is reported here
    return config.store_folder(store, which)


def read_manifest(base: Path) -> list[dict]:
    """The runs recorded in ``base/manifest.json`` ([] when there is none). A manifest that
    cannot be read is reported, never replaced."""
    path = base / MANIFEST
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        runs = doc["runs"]
        if not isinstance(runs, list):
            raise TypeError("runs")
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise StoreCorruptError(
            f"导入记录文件已损坏，无法读取：{path}。请从备份恢复该文件（或上一版本目录中的同名文件）；"
            "为避免丢失导入历史，本次不会覆盖它。"
        ) from exc
    return runs


def manifest_doc(base: Path) -> dict:
    path = base / MANIFEST
    if not path.is_file():
        return {}
    read_manifest(base)  # raises on a corrupt file
    return json.loads(path.read_text(encoding="utf-8"))


_LOCKS: dict[str, object] = {}


def _lock(store):
    from filelock import FileLock

    path = config.data_dir(store) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path)
    if key not in _LOCKS:
        _LOCKS[key] = FileLock(key)
    return _LOCKS[key]


@contextmanager
def locked(store=None, *, wait: bool = True, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the store's writer lock. A busy store: ``notify`` is told and the call waits, or
    with ``wait=False`` raises ``StoreBusyError``."""
    from filelock import Timeout

    lock = _lock(store)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise StoreBusyError(
                f"另一个导入正在写入数据目录 {config.data_dir(store)}，本次未执行（--no-wait）。请稍后重试。"
            ) from None
        if notify:
            notify(f"另一个导入正在写入数据目录 {config.data_dir(store)}，等待其完成后继续……")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _next_name(store) -> str:
    used = [
        int(p.name[1:])
        for which in FOLDERS
        if _root(store, which).is_dir()
        for p in _root(store, which).iterdir()
        if p.is_dir() and p.name.startswith("g") and p.name[1:].isdigit()
    ]
    return f"g{max(used, default=0) + 1:06d}"


def clean_leftovers(store=None) -> list[Path]:
    """Remove what killed writers left: staging folders, generations newer than the
    current one (never switched to), temporary files. Call with the lock held."""
    gone = []
    cur = current(store)
    for which in FOLDERS:
        root = _root(store, which)
        if not root.is_dir():
            continue
        for p in root.iterdir():
            orphan = p.is_dir() and p.name.startswith("g") and p.name[1:].isdigit() and (cur is None or p.name > cur)
            if p.name.startswith(".staging-") or orphan:
                shutil.rmtree(p, ignore_errors=True)
                gone.append(p)
            elif p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
                gone.append(p)
    return gone


def _prune(store, keep_from: str) -> None:
    for which in FOLDERS:
        root = _root(store, which)
        gens = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("g") and p.name[1:].isdigit())
        for name in gens[: max(0, gens.index(keep_from) - KEEP)] if keep_from in gens else []:
            shutil.rmtree(root / name, ignore_errors=True)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # file systems without hard links
        shutil.copy2(src, dst)


class Staging:
    """The generation being built: write tables into ``path(name, folder)``; what is not
    written is carried over from the base generation at commit."""

    def __init__(self, store):
        self.store = store
        self.base = {which: folder(store, which) for which in FOLDERS}
        token = secrets.token_hex(4)
        self.dirs = {which: _root(store, which) / f".staging-{os.getpid()}-{token}" for which in FOLDERS}
        for d in self.dirs.values():
            d.mkdir(parents=True)
        self.doc = manifest_doc(self.base["processed"])
        self.runs: list[dict] = list(self.doc.get("runs", []))
        self.removed: set[tuple[str, str]] = set()

    def path(self, name: str, which: str = "processed") -> Path:
        return self.dirs[which] / f"{name}.parquet"

    def remove(self, name: str, which: str = "processed") -> None:
        self.removed.add((which, name))

    def log(self, entry: dict) -> None:
        self.runs.append({"version": __version__, **entry})

    def commit(self) -> str:
        for which in FOLDERS:
            base, stage = self.base[which], self.dirs[which]
            if base.is_dir():
                for p in base.iterdir():
                    if p.is_file() and p.suffix == ".parquet" and not p.name.startswith("."):
                        if (which, p.stem) not in self.removed and not (stage / p.name).exists():
                            _link_or_copy(p, stage / p.name)
        doc = {**self.doc, "runs": self.runs}
        (self.dirs["processed"] / MANIFEST).write_text(
            json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        name = _next_name(self.store)
        for which in FOLDERS:
            os.replace(self.dirs[which], _root(self.store, which) / name)
        legacy = current(self.store) is None
        pointer = config.processed_dir(self.store) / POINTER
        tmp = pointer.with_name(f".{POINTER}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(name, encoding="ascii")
        os.replace(tmp, pointer)  # the commit point
        if legacy:  # the flat layout's files now live in the generation
            for which in FOLDERS:
                for p in _root(self.store, which).iterdir():
                    if p.is_file() and (p.suffix == ".parquet" or p.name == MANIFEST):
                        p.unlink(missing_ok=True)
        _prune(self.store, name)
        return name

    def abort(self) -> None:
        for d in self.dirs.values():
            shutil.rmtree(d, ignore_errors=True)


@contextmanager
def writing(store=None, *, wait: bool = True, notify: Callable[[str], None] | None = None) -> Iterator[Staging]:
    """``with writing(store) as gen:`` — every table, reject file and manifest entry written
    in the block becomes visible together at its end, or not at all."""
    with locked(store, wait=wait, notify=notify):
        clean_leftovers(store)
        gen = Staging(store)
        try:
            yield gen
            gen.commit()
        finally:
            gen.abort()
