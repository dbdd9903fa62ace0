"""The contacts store: who to call, kept apart from the analysis tables and encrypted.

The field lists (follow-ups, survey plan) may carry a customer's name, callable phone,
room and 置业顾问 when asked for explicitly. Those come from this store, written at ingest
from the rows being ingested (before their personal columns are dropped) — never from
re-reading raw exports, and never in ``processed/`` or ``interim/``.

One file, ``<data>/contacts/contacts.enc``: a Parquet table of contact rows (one per
ingested row: customer key, name, phone, room, 置业顾问, its date, its source file and
kind), encrypted as a whole with ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256).
An ingest replaces the rows of the files it reads and keeps the others (as the store
does), then replaces the file atomically, holding the store's writer lock. The file is
replaced just before the generation commit; a crash in between leaves contacts of a run
whose tables did not land, which the next ingest of the same file replaces.

The key is apart from the data and apart from the pseudonymisation key, in this order:

1. ``$DEALRESEARCH_CONTACTS_KEY`` (a Fernet key, or at least 16 bytes of random text from
   which one is derived; the pseudonymisation key itself is refused);
2. the key file ``$DEALRESEARCH_CONTACTS_KEY_FILE``, else ``contacts.key`` in the user's
   config folder (beside the pseudonymisation key's ``secret.key``), created on the first
   ingest when no contacts store exists yet.

``read_contacts(store, keys)`` returns one row per customer key: the latest deal row's
contacts, a survey row's only for customers without a deal (or the fields a deal lacks).
Without the key, or with another key, it refuses with how to provide it (exit 2).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import DataError
from ..schema import Deal, Survey
from .keyring import SECRET_ENV, KeyProblemError, create_exclusive

CONTACTS_KEY_ENV = "DEALRESEARCH_CONTACTS_KEY"
CONTACTS_KEY_FILE_ENV = "DEALRESEARCH_CONTACTS_KEY_FILE"
KEY_FILE_NAME = "contacts.key"
FOLDER = "contacts"
FILE_NAME = "contacts.enc"
MIN_ENV_BYTES = 16
DERIVE_LABEL = b"dealresearch contacts key v1|"

NAME, PHONE, ROOM, REP = "姓名", "手机", "房号", "置业顾问"
COLUMNS = [Survey.customer_key, NAME, PHONE, ROOM, REP]
KIND, WHEN, SOURCE = "kind", "when", "source_file"
ROW_COLUMNS = [*COLUMNS, KIND, WHEN, SOURCE]
KIND_RANK = {"deals": 0, "surveys": 1}  # a deal's contacts before a survey's

HOW_TO = (
    f"请设置环境变量 {CONTACTS_KEY_ENV}（联系人密钥），或用 {CONTACTS_KEY_FILE_ENV} 指向联系人密钥文件，"
    "或把原来的联系人密钥文件放回用户配置目录（{path}）。联系人密钥与假名密钥分开保管，请向数据管理员索取。"
)


class ContactsKeyError(KeyProblemError):
    """The contacts key is missing, too short, or not the one the contacts store was written with."""


def contacts_path(store=None) -> Path:
    """Where the encrypted contacts store is: beside the store's tables, never among them."""
    return config.data_dir(store) / FOLDER / FILE_NAME


def key_path() -> Path:
    """Where the contacts key file is (or would be created)."""
    env = os.environ.get(CONTACTS_KEY_FILE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_config_path("dealresearch", appauthor=False) / KEY_FILE_NAME


def _as_fernet_key(raw: bytes, where: str) -> bytes:
    """A Fernet key as given, else one derived from at least 16 bytes of random text."""
    raw = raw.strip()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except (ValueError, TypeError):
        pass
    if len(raw) < MIN_ENV_BYTES:
        raise ContactsKeyError(
            f"{where}中的联系人密钥太短（{len(raw)} 字节），至少需要 {MIN_ENV_BYTES} 字节的随机内容。"
        )
    return base64.urlsafe_b64encode(hashlib.sha256(DERIVE_LABEL + raw).digest())


def _create_key_file(path: Path) -> bytes:
    """A new Fernet key in ``path`` (mode 0600), unless another process created it first."""
    from cryptography.fernet import Fernet

    create_exclusive(path, Fernet.generate_key())
    return _as_fernet_key(path.read_bytes(), f"联系人密钥文件 {path} ")


def find_key(*, create: bool = False) -> bytes:
    """The contacts key (a Fernet key); ``create``: make the key file when there is none."""
    env = os.environ.get(CONTACTS_KEY_ENV)
    if env:
        if env == os.environ.get(SECRET_ENV):
            raise ContactsKeyError(
                f"联系人密钥不能与假名密钥相同（{CONTACTS_KEY_ENV} 与 {SECRET_ENV} 取值一样）：请另设一个随机密钥。"
            )
        return _as_fernet_key(env.encode("utf-8"), f"环境变量 {CONTACTS_KEY_ENV} ")
    path = key_path()
    if path.is_file():
        return _as_fernet_key(path.read_bytes(), f"联系人密钥文件 {path} ")
    if create:
        return _create_key_file(path)
    raise ContactsKeyError("找不到联系人密钥，无法读取客户联系方式。" + HOW_TO.format(path=path))


def _decrypt(path: Path, key: bytes) -> pd.DataFrame:
    from cryptography.fernet import Fernet, InvalidToken

    try:
        clear = Fernet(key).decrypt(path.read_bytes())
    except InvalidToken:
        raise ContactsKeyError(
            "当前的联系人密钥不是写入联系人库时所用的密钥，无法解密客户联系方式。" + HOW_TO.format(path=key_path())
        ) from None
    return pd.read_parquet(io.BytesIO(clear))


def read_rows(store=None, key: bytes | None = None) -> pd.DataFrame | None:
    """Every stored contact row (``ROW_COLUMNS``), None when there is no contacts store."""
    path = contacts_path(store)
    if not path.is_file():
        return None
    return _decrypt(path, key if key is not None else find_key())


def _text(values, index) -> pd.Series:
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    out = pd.Series(values, index=index).astype("string").str.strip()
    return out.where(out != "")


def run_rows(kind: str, frame: pd.DataFrame, names: pd.Series | None, phones: pd.Series | None) -> pd.DataFrame:
    """The contact rows of an ingest run: ``frame`` after identity (customer key, room,
    置业顾问, dates, source file), ``names`` and ``phones`` its personal columns (same index)."""
    idx = frame.index
    if kind == "deals":
        building, unit = _text(frame.get(Deal.building), idx), _text(frame.get(Deal.unit_no), idx)
        room = building.fillna("") + unit.fillna("")
        room = room.where(unit.notna())
        rep = _text(frame.get(Deal.sales_rep), idx)
        when = pd.to_datetime(frame.get(Deal.sign_date), errors="coerce")
        if Deal.subscribe_date in frame.columns:
            when = when.fillna(pd.to_datetime(frame[Deal.subscribe_date], errors="coerce"))
    else:
        room = rep = pd.Series(pd.NA, index=idx, dtype="string")
        when = pd.to_datetime(frame.get(Survey.survey_date), errors="coerce")
    rows = pd.DataFrame(
        {
            Survey.customer_key: _text(frame.get(Survey.customer_key), idx),
            NAME: _text(names, idx),
            PHONE: _text(phones, idx),
            ROOM: room.astype("string"),
            REP: rep,
            KIND: kind,
            WHEN: pd.Series(when, index=idx).astype("datetime64[ns]"),
            SOURCE: _text(frame.get(Survey.source_file), idx),
        }
    )
    useful = rows[Survey.customer_key].notna() & rows[[NAME, PHONE, ROOM, REP]].notna().any(axis=1)
    return rows[useful].reset_index(drop=True)


def _write(path: Path, rows: pd.DataFrame, key: bytes) -> None:
    from cryptography.fernet import Fernet

    buf = io.BytesIO()
    rows.to_parquet(buf, index=False)
    token = Fernet(key).encrypt(buf.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(token)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def stage(gen, kind: str, frame: pd.DataFrame, names, phones, files: list[str]) -> int:
    """At ingest, holding the store's lock (``gen``: the generation being written): replace
    the contact rows of ``files`` (of this ``kind``) by the run's, keep the rest. Returns the
    number of rows stored. A contacts store that the key in use cannot open is refused, never
    replaced (its contacts would be lost)."""
    path = contacts_path(gen.store)
    exists = path.is_file()
    try:
        key = find_key(create=not exists)
        old = read_rows(gen.store, key)
    except ContactsKeyError as exc:
        if not exists:
            raise
        raise ContactsKeyError(
            f"导入已停止，数据未更改：数据目录已有加密的联系人库（{path}），但当前的联系人密钥无法打开它，"
            f"继续导入会丢失已保存的客户联系方式。{exc}"
        ) from None
    new = run_rows(kind, frame, names, phones)
    if old is not None and len(old):
        keep = ~((old[KIND] == kind) & old[SOURCE].isin(files))
        new = pd.concat([old[keep], new], ignore_index=True) if len(new) else old[keep].reset_index(drop=True)
    _write(path, new[ROW_COLUMNS], key)
    return len(new)


def read_contacts(store=None, keys=None) -> pd.DataFrame:
    """``customer_key, 姓名, 手机, 房号, 置业顾问`` per customer (for ``keys`` when given, in
    no particular order; keys without contacts are absent). Per field the latest deal row
    that has it, else the latest survey row. Refused without the contacts key or with
    another one (``ContactsKeyError``), and when no contacts store was written yet."""
    path = contacts_path(store)
    if not path.is_file():
        raise DataError(
            "还没有联系人库：客户姓名和电话在导入成交（或调查）数据时加密保存。"
            "请重新导入成交数据后再生成带联系方式的清单。"
        )
    rows = read_rows(store, find_key())
    if keys is not None:
        rows = rows[rows[Survey.customer_key].isin(pd.Index(pd.Series(list(keys), dtype="string").dropna()))]
    rank = rows[KIND].map(KIND_RANK).fillna(len(KIND_RANK))
    ordered = rows.assign(_rank=rank).sort_values(
        ["_rank", WHEN, SOURCE], ascending=[True, False, True], na_position="last", kind="stable"
    )
    out = ordered.groupby(Survey.customer_key, sort=True)[[NAME, PHONE, ROOM, REP]].first()  # first non-missing
    return out.reset_index()[COLUMNS].astype("string")
