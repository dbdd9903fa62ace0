"""The pseudonymisation key: where it lives, its fingerprint, and the store's check.

Where the key comes from, in this order:

1. ``$DEALRESEARCH_SECRET`` (at least 16 bytes; shorter is refused);
2. the key file ``$DEALRESEARCH_KEY_FILE``, else ``secret.key`` in the user's config folder
   (``platformdirs``: ``~/.config/dealresearch`` on Linux, ``%LOCALAPPDATA%\\dealresearch`` on
   Windows) — never inside ``data/``, so whoever holds ``data/`` alone can neither recompute a
   customer key nor brute-force a masked phone from its link key.

A key file holds 32 random bytes as 64 hex characters, mode 0600, created once and
atomically: written to a temporary file, then hard-linked into place, so a concurrent
creator either wins or reads the complete file of the one that did. A key file that is
empty or shorter than 32 characters is refused, never used.

A store written by an older version kept its key in ``data/.dealresearch.key``: it is moved
to the key location when none is there yet (never replaced, never silently re-made).

The store's manifest records the key's fingerprint (``fingerprint``: an HMAC of a fixed
label, never the key). A run whose key does not match is refused (``KeyMismatchError``,
exit 2) with how to restore the key; ``dealresearch key`` shows, exports and imports keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .. import config
from ..errors import ParameterError
from . import generations as G

SECRET_ENV = "DEALRESEARCH_SECRET"
KEY_FILE_ENV = "DEALRESEARCH_KEY_FILE"
LEGACY_KEY_FILE = ".dealresearch.key"
MIN_ENV_BYTES = 16
MIN_FILE_CHARS = 32
FINGERPRINT_LABEL = b"dealresearch key fingerprint v1"


class KeyProblemError(ParameterError):
    """The key is missing, empty, too short, or not the store's (exit 2)."""


class KeyMismatchError(KeyProblemError):
    """The key in use is not the one the store was written with."""


def key_path() -> Path:
    """Where the key file is (or would be created)."""
    env = os.environ.get(KEY_FILE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_config_path("dealresearch", appauthor=False) / "secret.key"


def fingerprint(key: bytes) -> str:
    """16 hex characters naming a key without revealing it."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_bytes().strip()
    except OSError as exc:
        raise KeyProblemError(f"无法读取密钥文件 {path}：{exc}") from exc
    if len(text) < MIN_FILE_CHARS:
        raise KeyProblemError(
            f"密钥文件 {path} {'为空' if not text else f'只有 {len(text)} 个字符'}，不能使用（至少 {MIN_FILE_CHARS} 个字符）。"
            "请用备份恢复原来的密钥文件（dealresearch key import 备份文件）；不要用空文件或短文件代替。"
        )
    return text


def create_exclusive(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (mode 0600) unless the file exists: written to a
    temporary file and hard-linked into place, so it appears complete or not at all; when
    another process created it first, theirs is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # atomic and exclusive: the file appears complete or not at all
    except FileExistsError:
        pass  # created concurrently: use the other one
    except OSError:  # no hard links here: exclusive create of the final name instead
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(tmp.read_bytes())
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def create_key_file(path: Path) -> bytes:
    """Create ``path`` with a new random key unless it exists; the key in the file."""
    create_exclusive(path, secrets.token_hex(32).encode("ascii"))
    return _read_key_file(path)


def store_fingerprint(store=None) -> str | None:
    """The fingerprint the store's manifest records (None for a new or older store)."""
    return G.manifest_doc(G.folder(store)).get("key_fingerprint")


def _has_data(store) -> bool:
    return bool(G.read_manifest(G.folder(store)))


def find_key(store=None, *, create: bool = True) -> tuple[bytes, str]:
    """``(key, where)`` by the module's rules; creates the key file on first use only when
    the store has no recorded key (``create``)."""
    env = os.environ.get(SECRET_ENV)
    if env is not None and env != "":
        raw = env.encode("utf-8")
        if len(raw) < MIN_ENV_BYTES:
            raise KeyProblemError(
                f"环境变量 {SECRET_ENV} 太短（{len(raw)} 字节），至少需要 {MIN_ENV_BYTES} 字节的随机内容。"
            )
        return raw, f"环境变量 {SECRET_ENV}"
    path = key_path()
    legacy = config.data_dir(store) / LEGACY_KEY_FILE
    if not path.exists() and legacy.is_file():
        _read_key_file(legacy)  # an empty legacy file is refused, not moved
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(legacy, path)
        except FileExistsError:
            pass
        except OSError:
            path.write_bytes(legacy.read_bytes())
        legacy.unlink()
    if path.exists():
        return _read_key_file(path), str(path)
    recorded = store_fingerprint(store)
    if recorded or not create or _has_data(store):
        raise KeyProblemError(
            f"找不到密钥文件 {path}，而数据目录 {config.data_dir(store)} 是用指纹为 {recorded} 的密钥写入的。"
            "请恢复原来的密钥：dealresearch key import 备份的密钥文件（或设置环境变量 "
            f"{SECRET_ENV} / {KEY_FILE_ENV}）。若确实要换用新密钥，请运行 dealresearch key rekey（会按导入记录重新导入全部原始文件）。"
            if recorded
            else f"找不到密钥文件 {path}，而数据目录 {config.data_dir(store)} 已有导入的数据：换用新密钥会使客户假名全部对不上。"
            "请恢复原来的密钥（旧版本放在数据目录的 .dealresearch.key 中）：dealresearch key import 备份的密钥文件。"
        )
    return create_key_file(path), str(path)


def check(key: bytes, recorded: str | None, store=None) -> None:
    if recorded and fingerprint(key) != recorded:
        raise KeyMismatchError(
            f"当前密钥（指纹 {fingerprint(key)}）与数据目录 {config.data_dir(store)} 记录的密钥（指纹 {recorded}）不一致，"
            "继续导入会使客户假名全部对不上，已停止。请恢复原来的密钥：dealresearch key import 备份的密钥文件，"
            f"或检查环境变量 {SECRET_ENV} / {KEY_FILE_ENV}；若确实要换用新密钥，请运行 dealresearch key rekey。"
        )


def secret(store=None) -> bytes:
    """The key for ``store``, checked against the fingerprint its manifest records."""
    key, _ = find_key(store)
    check(key, store_fingerprint(store), store)
    return key


def store_secret(store, gen: G.Staging) -> bytes:
    """The key for the generation being written: checked against the store's fingerprint,
    which the new generation records (a store written before fingerprints: from now on)."""
    recorded = gen.doc.get("key_fingerprint")
    key, _ = find_key(store, create=not recorded)
    check(key, recorded, store)
    gen.doc["key_fingerprint"] = fingerprint(key)
    return key


def describe(store=None) -> list[str]:
    """Lines for ``dealresearch key show``: where the key is, its fingerprint, the store's."""
    recorded = store_fingerprint(store)
    try:
        key, where = find_key(store, create=False)
    except KeyProblemError as exc:
        return [f"密钥：不可用（{exc}）", f"数据目录记录的密钥指纹：{recorded or '（尚未记录）'}"]
    fp = fingerprint(key)
    state = "一致" if recorded == fp else ("尚未记录（下次导入时记录）" if not recorded else "不一致！")
    return [f"密钥位置：{where}", f"密钥指纹：{fp}", f"数据目录 {config.data_dir(store)} 记录的指纹：{recorded or '—'}（{state}）"]


def export_key(dest: Path, store=None) -> str:
    """Copy the key in use to ``dest`` (mode 0600), for a second machine or a backup."""
    key, _ = find_key(store, create=False)
    if dest.exists():
        raise KeyProblemError(f"目标文件已存在：{dest}（为免覆盖其他密钥，请换一个文件名）")
    if not dest.parent.is_dir():
        raise KeyProblemError(f"目标文件夹不存在：{dest.parent}")
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return f"已导出密钥（指纹 {fingerprint(key)}）到 {dest}。请妥善保管：持有它和数据即可还原客户假名。"


def import_key(src: Path, store=None, *, force: bool = False) -> str:
    """Install the key in ``src`` as the key file. An existing different key is kept as a
    backup and only replaced with ``force``; a key not matching the store is refused."""
    if not src.is_file():
        raise KeyProblemError(f"找不到密钥文件：{src}")
    key = _read_key_file(src)
    recorded = store_fingerprint(store)
    if recorded and fingerprint(key) != recorded:
        raise KeyMismatchError(
            f"{src} 中的密钥（指纹 {fingerprint(key)}）不是数据目录记录的密钥（指纹 {recorded}），未导入。"
        )
    path = key_path()
    if path.exists():
        current = _read_key_file(path)
        if current == key:
            return f"密钥已在使用中（指纹 {fingerprint(key)}）：{path}"
        if not force:
            raise KeyProblemError(
                f"{path} 已有另一个密钥（指纹 {fingerprint(current)}）。确认要替换时请加 --force（旧密钥会另存备份）。"
            )
        backup = path.with_name(f"{path.name}.{fingerprint(current)}.bak")
        os.replace(path, backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    os.replace(tmp, path)
    return f"已导入密钥（指纹 {fingerprint(key)}）：{path}"
