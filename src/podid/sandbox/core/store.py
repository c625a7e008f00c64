"""SQLite-backed document store for all sandbox state.

Every document is a JSON object filed under a *kind* (``resourceGroup``, ``dnsZone``, ``k8s``...) and a
case-insensitive *key* (usually the lower-cased ARM id), with an optional *parent* key used for listing
children in insertion order. Reads are served from an in-memory mirror; every write goes to SQLite in WAL
mode before it is acknowledged, so a SIGKILL never loses a write a client saw succeed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from podid.sandbox.core.files import PRIVATE_FILE_MODE

Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    parent TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


def _make_private(path: Path) -> None:
    """Create the database 0600 before SQLite does (with the umask's mode): SQLite gives its -wal and -shm
    files the database's mode (os_unix.c, findCreateFileMode), and a copy left by an older run is fixed too."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if existing.exists():
            existing.chmod(PRIVATE_FILE_MODE)


class Store:
    """Documents by (kind, key), mirrored in memory, written through to SQLite."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            _make_private(path)
        self._db = sqlite3.connect(str(path) if path else ":memory:", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable against process death (SIGKILL); only a power cut can lose the last commits.
        self._db.execute("PRAGMA synchronous=NORMAL")
        # a replaced or deleted document's bytes (a Secret, a credential's hash) are zeroed, not left in free
        # space; FAST costs no extra I/O (https://www.sqlite.org/pragma.html#pragma_secure_delete)
        self._db.execute("PRAGMA secure_delete=FAST")
        self._db.execute(_SCHEMA)
        self._rows: dict[str, dict[str, tuple[str, str]]] = {}
        self._children: dict[str, dict[str, dict[str, None]]] = {}
        self._undo: list[tuple[str, str, tuple[str, str] | None]] | None = None
        for kind, key, parent, body in self._db.execute("SELECT kind, key, parent, body FROM docs ORDER BY rowid"):
            self._remember(kind, key, (parent, body))

    def close(self) -> None:
        self._db.close()

    # reads

    def get(self, kind: str, key: str) -> Doc | None:
        row = self._rows.get(kind, {}).get(key.lower())
        return json.loads(row[1]) if row else None

    def exists(self, kind: str, key: str) -> bool:
        return key.lower() in self._rows.get(kind, {})

    def children(self, kind: str, parent: str) -> list[Doc]:
        keys = self._children.get(kind, {}).get(parent.lower(), {})
        rows = self._rows[kind] if keys else {}
        return [json.loads(rows[key][1]) for key in keys]

    def count_children(self, kind: str, parent: str) -> int:
        return len(self._children.get(kind, {}).get(parent.lower(), {}))

    def all(self, kind: str) -> list[Doc]:
        return [json.loads(body) for _, body in self._rows.get(kind, {}).values()]

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        prefix = prefix.lower()
        return [key for key in self._rows.get(kind, {}) if key.startswith(prefix)]

    def kinds(self) -> list[str]:
        return [kind for kind, rows in self._rows.items() if rows]

    # writes

    def put(self, kind: str, key: str, doc: Doc, parent: str = "") -> None:
        key, row = key.lower(), (parent.lower(), json.dumps(doc, separators=(",", ":")))
        with self.transaction():
            self._db.execute(
                "INSERT INTO docs (kind, key, parent, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET parent = excluded.parent, body = excluded.body",
                (kind, key, row[0], row[1]),
            )
            self._record_undo(kind, key)
            self._remember(kind, key, row)

    def delete(self, kind: str, key: str) -> bool:
        key = key.lower()
        if key not in self._rows.get(kind, {}):
            return False
        with self.transaction():
            self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
            self._record_undo(kind, key)
            self._forget(kind, key)
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Delete every document, of any kind, whose key starts with ``prefix``."""
        doomed = [(kind, key) for kind in list(self._rows) for key in self.keys(kind, prefix)]
        with self.transaction():
            for kind, key in doomed:
                self.delete(kind, key)
        return len(doomed)

    def clear(self) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM docs")
            self._rows.clear()
            self._children.clear()
            self._undo = None  # a reset cannot be rolled back piecemeal

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one SQLite transaction; on error both SQLite and the mirror roll back."""
        if self._undo is not None:
            yield
            return
        self._undo = []
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            self._rollback_mirror()
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._undo = None

    # mirror bookkeeping

    def _record_undo(self, kind: str, key: str) -> None:
        if self._undo is not None:
            self._undo.append((kind, key, self._rows.get(kind, {}).get(key)))

    def _rollback_mirror(self) -> None:
        for kind, key, previous in reversed(self._undo or []):
            self._forget(kind, key)
            if previous is not None:
                self._remember(kind, key, previous)

    def _remember(self, kind: str, key: str, row: tuple[str, str]) -> None:
        rows = self._rows.setdefault(kind, {})
        old = rows.get(key)
        if old is not None and old[0] != row[0]:
            self._children[kind][old[0]].pop(key, None)
        rows[key] = row
        self._children.setdefault(kind, {}).setdefault(row[0], {})[key] = None

    def _forget(self, kind: str, key: str) -> None:
        row = self._rows.get(kind, {}).pop(key, None)
        if row is not None:
            self._children[kind][row[0]].pop(key, None)
