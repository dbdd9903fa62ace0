"""Deliberate re-keying: a new key, and every pseudonym rewritten consistently.

Pseudonyms are keyed hashes of numbers the store no longer holds, so they cannot be
converted: the store is rebuilt from the raw files its manifest lists (checked by their
sha256), in the order they were ingested, under a new key, into a scratch store; then,
under the writer lock, the rebuilt generation becomes the store's next generation and
the new key is installed (the old key file is kept as ``secret.key.<fingerprint>.bak``).
Returned follow-up sheets recorded in the store are carried over (they are keyed by
survey, not by customer).
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from .. import config
from . import generations as G
from . import keyring
from . import store as st

CARRIED = ("followup_updates",)


def _inputs(runs: list[dict]) -> list[tuple[str, list[Path]]]:
    """(kind, files) of every run, oldest first; each file's latest run only."""
    last: dict[str, int] = {}
    for i, run in enumerate(runs):
        for inp in run.get("inputs", []):
            last[inp["file"]] = i
    out = []
    for i, run in enumerate(runs):
        files = [Path(inp["file"]) for inp in run.get("inputs", []) if last.get(inp["file"]) == i]
        if files and run.get("kind") in ("deals", "surveys", "targets"):
            out.append((run["kind"], files))
    return out


def _check(runs: list[dict]) -> None:
    problems = []
    for run in runs:
        for inp in run.get("inputs", []):
            p = Path(inp["file"])
            if not p.is_file():
                problems.append(f"缺少 {p}")
            elif inp.get("sha256") and st.file_sha256(p) != inp["sha256"]:
                problems.append(f"{p} 与导入时的内容不同")
    if problems:
        raise keyring.KeyProblemError(
            "无法换用新密钥：需要按导入记录重新导入全部原始文件，但" + "；".join(problems[:10])
            + ("……" if len(problems) > 10 else "") + "。请先把原始文件放回原处（或保留旧密钥）。"
        )


def rekey(store=None) -> str:
    """Rebuild the store under a new key (module doc); returns a Chinese summary."""
    from .pipeline import ingest_deals, ingest_surveys
    from .targets import ingest_targets

    if os.environ.get(keyring.SECRET_ENV):
        raise keyring.KeyProblemError(
            f"当前使用环境变量 {keyring.SECRET_ENV} 中的密钥：请先取消该变量，再运行 dealresearch key rekey。"
        )
    old_key = keyring.secret(store)  # the store's own key must be at hand
    runs = st.manifest(store)
    _check(runs)
    data = config.data_dir(store)
    scratch = data / f".rekey-{secrets.token_hex(4)}"
    new_key = secrets.token_hex(32)
    os.environ[keyring.SECRET_ENV] = new_key  # the scratch store is written with the new key
    try:
        ingest = {"deals": ingest_deals, "surveys": ingest_surveys, "targets": ingest_targets}
        for kind, files in _inputs(runs):
            ingest[kind](files, store=scratch)
        for name in CARRIED:
            table = st.read_table(name, store)
            if table is not None:
                st.write_table(table, name, scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        del os.environ[keyring.SECRET_ENV]
    with G.locked(store):
        G.clean_leftovers(store)
        name = G._next_name(store)
        for which in G.FOLDERS:
            target = G._root(store, which)
            target.mkdir(parents=True, exist_ok=True)
            os.replace(config.store_folder(scratch, which), target / name)
        path = keyring.key_path()
        backup = path.with_name(f"{path.name}.{keyring.fingerprint(old_key)}.bak")
        if path.exists():
            os.replace(path, backup)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(new_key)
        pointer = config.processed_dir(store) / G.POINTER
        tmp = pointer.with_name(f".{G.POINTER}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(name, encoding="ascii")
        os.replace(tmp, pointer)
    shutil.rmtree(scratch, ignore_errors=True)
    return (
        f"已换用新密钥（指纹 {keyring.fingerprint(new_key.encode())}），并按导入记录重新导入了 "
        f"{sum(len(f) for _, f in _inputs(runs))} 个文件。旧密钥已另存为 {backup}（确认无误后可删除）。"
    )
