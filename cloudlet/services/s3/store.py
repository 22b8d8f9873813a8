"""S3's tables: buckets and their configurations, object versions, multipart uploads and parts.

Object bodies are files under the store's blobs dir (see blobs.py); a row names its file.
Every version of a key is a row of s3_objects; `latest` marks the one a plain GET sees (which
may be a delete marker). Keys compare as SQLite BINARY text, which is UTF-8 byte order: the
order S3 lists keys in.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_buckets_objects_uploads",
        """
        CREATE TABLE s3_buckets (
            name TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            created_at REAL NOT NULL,
            versioning TEXT,
            object_lock INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX s3_buckets_account ON s3_buckets (account_id, name);
        CREATE TABLE s3_bucket_configs (
            bucket TEXT NOT NULL,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (bucket, kind)
        );
        CREATE TABLE s3_objects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            version_id TEXT NOT NULL,
            latest INTEGER NOT NULL,
            delete_marker INTEGER NOT NULL DEFAULT 0,
            size INTEGER NOT NULL DEFAULT 0,
            etag TEXT NOT NULL DEFAULT '',
            modified REAL NOT NULL,
            blob TEXT,
            storage_class TEXT NOT NULL DEFAULT 'STANDARD',
            headers TEXT NOT NULL DEFAULT '{}',
            checksum TEXT,
            parts TEXT,
            tags TEXT,
            acl TEXT,
            owner TEXT NOT NULL
        );
        CREATE UNIQUE INDEX s3_objects_version ON s3_objects (bucket, key, version_id);
        CREATE INDEX s3_objects_history ON s3_objects (bucket, key, id);
        CREATE INDEX s3_objects_current ON s3_objects (bucket, key) WHERE latest = 1 AND delete_marker = 0;
        CREATE TABLE s3_uploads (
            upload_id TEXT PRIMARY KEY,
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            initiated REAL NOT NULL,
            storage_class TEXT NOT NULL,
            headers TEXT NOT NULL,
            checksum_algorithm TEXT,
            checksum_type TEXT,
            tags TEXT,
            acl TEXT,
            owner TEXT NOT NULL
        );
        CREATE INDEX s3_uploads_bucket ON s3_uploads (bucket, key, initiated);
        CREATE TABLE s3_parts (
            upload_id TEXT NOT NULL,
            part_number INTEGER NOT NULL,
            etag TEXT NOT NULL,
            size INTEGER NOT NULL,
            modified REAL NOT NULL,
            blob TEXT NOT NULL,
            checksum TEXT,
            PRIMARY KEY (upload_id, part_number)
        );
    """,
    ),
)


@dataclass(frozen=True)
class Bucket:
    name: str
    account_id: str
    region: str
    created_at: float
    versioning: str | None
    object_lock: bool
    lifecycle: Any = None  # its lifecycle configuration, where a read fetched it with the bucket


@dataclass
class ObjectVersion:
    bucket: str
    key: str
    version_id: str
    delete_marker: bool = False
    size: int = 0
    etag: str = ""
    modified: float = 0.0
    blob: str | None = None
    storage_class: str = "STANDARD"
    headers: dict[str, Any] = field(default_factory=dict)  # content headers and user Metadata
    checksum: dict[str, str] | None = None  # {"algorithm", "value", "type"}
    parts: list[dict[str, Any]] | None = None  # per part: Size, and its checksum if any
    tags: dict[str, str] | None = None
    acl: str | None = None
    owner: str = ""
    latest: bool = True
    id: int = 0


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    storage_class: str
    headers: dict[str, Any]
    checksum_algorithm: str | None
    checksum_type: str | None
    tags: dict[str, str] | None
    acl: str | None
    owner: str


@dataclass(frozen=True)
class Part:
    number: int
    etag: str
    size: int
    modified: float
    blob: str
    checksum: str | None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


# -- buckets ---------------------------------------------------------------------------------


def _bucket(row: sqlite3.Row | None) -> Bucket | None:
    if row is None:
        return None
    return Bucket(
        row["name"],
        row["account_id"],
        row["region"],
        row["created_at"],
        row["versioning"],
        bool(row["object_lock"]),
    )


def find_bucket(conn: sqlite3.Connection, name: str) -> Bucket | None:
    return _bucket(conn.execute("SELECT * FROM s3_buckets WHERE name = ?", (name,)).fetchone())


def insert_bucket(conn: sqlite3.Connection, bucket: Bucket) -> None:
    conn.execute(
        "INSERT INTO s3_buckets VALUES (?, ?, ?, ?, ?, ?)",
        (
            bucket.name,
            bucket.account_id,
            bucket.region,
            bucket.created_at,
            bucket.versioning,
            int(bucket.object_lock),
        ),
    )


def delete_bucket(conn: sqlite3.Connection, name: str) -> list[str]:
    """Deletes the bucket, its configurations and pending uploads; returns the blobs to unlink."""
    blobs = [
        row[0]
        for row in conn.execute(
            "SELECT p.blob FROM s3_parts p JOIN s3_uploads u USING (upload_id) WHERE u.bucket = ?", (name,)
        )
    ]
    conn.execute(
        "DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)", (name,)
    )
    conn.execute("DELETE FROM s3_uploads WHERE bucket = ?", (name,))
    conn.execute("DELETE FROM s3_bucket_configs WHERE bucket = ?", (name,))
    conn.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
    return blobs


def list_buckets(
    conn: sqlite3.Connection, account_id: str, after: str, prefix: str, region: str | None, limit: int
) -> list[Bucket]:
    sql = "SELECT * FROM s3_buckets WHERE account_id = ? AND name > ? AND name >= ?"
    args: list[Any] = [account_id, after, prefix]
    if region:
        sql += " AND region = ?"
        args.append(region)
    rows = conn.execute(sql + " ORDER BY name LIMIT ?", (*args, limit)).fetchall()
    return [b for b in map(_bucket, rows) if b is not None and b.name.startswith(prefix)]


def bucket_has_content(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (name,)).fetchone() is not None


def set_versioning(conn: sqlite3.Connection, name: str, status: str) -> None:
    conn.execute("UPDATE s3_buckets SET versioning = ? WHERE name = ?", (status, name))


def get_config(conn: sqlite3.Connection, bucket: str, kind: str) -> Any:
    row = conn.execute(
        "SELECT value FROM s3_bucket_configs WHERE bucket = ? AND kind = ?", (bucket, kind)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def put_config(conn: sqlite3.Connection, bucket: str, kind: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO s3_bucket_configs (bucket, kind, value) VALUES (?, ?, ?)"
        " ON CONFLICT (bucket, kind) DO UPDATE SET value = excluded.value",
        (bucket, kind, _json(value)),
    )


def delete_config(conn: sqlite3.Connection, bucket: str, kind: str) -> None:
    conn.execute("DELETE FROM s3_bucket_configs WHERE bucket = ? AND kind = ?", (bucket, kind))


# -- objects ---------------------------------------------------------------------------------

_OBJECT_COLUMNS = (
    "id, bucket, key, version_id, latest, delete_marker, size, etag, modified, blob, "
    "storage_class, headers, checksum, parts, tags, acl, owner"
)


def _object(row: sqlite3.Row) -> ObjectVersion:
    return ObjectVersion(
        bucket=row["bucket"],
        key=row["key"],
        version_id=row["version_id"],
        delete_marker=bool(row["delete_marker"]),
        size=row["size"],
        etag=row["etag"],
        modified=row["modified"],
        blob=row["blob"],
        storage_class=row["storage_class"],
        headers=json.loads(row["headers"]),
        checksum=_load(row["checksum"]),
        parts=_load(row["parts"]),
        tags=_load(row["tags"]),
        acl=row["acl"],
        owner=row["owner"],
        latest=bool(row["latest"]),
        id=row["id"],
    )


def find_object(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None = None
) -> ObjectVersion | None:
    if version_id is None:
        row = conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1",
            (bucket, key),
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, version_id),
        ).fetchone()
    return None if row is None else _object(row)


_READ_BUCKET_COLUMNS = "b.name, b.account_id, b.region, b.created_at, b.versioning, b.object_lock"
_READ_OBJECT_COLUMNS = ", ".join(f"o.{name.strip()}" for name in _OBJECT_COLUMNS.split(","))
_READ_POLICY = "(SELECT value FROM s3_bucket_configs c WHERE c.bucket = b.name AND c.kind = 'policy') AS policy"
_READ_LIFECYCLE = (
    "(SELECT value FROM s3_bucket_configs c WHERE c.bucket = b.name AND c.kind = 'lifecycle') AS lifecycle"
)


def find_for_read(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None = None
) -> tuple[Bucket | None, Any, ObjectVersion | None]:
    """The bucket, its policy document and the version a read names, in one statement.

    One statement is its own snapshot in SQLite, so a GET needs no transaction around it: the
    three lookups of find_bucket, get_config and find_object cost most of a small GET.
    """
    version = "o.latest = 1" if version_id is None else "o.version_id = ?"
    row = conn.execute(
        f"SELECT {_READ_BUCKET_COLUMNS}, {_READ_POLICY}, {_READ_LIFECYCLE}, {_READ_OBJECT_COLUMNS} FROM s3_buckets b"
        f" LEFT JOIN s3_objects o ON o.bucket = b.name AND o.key = ? AND {version} WHERE b.name = ?",
        (key, bucket) if version_id is None else (key, version_id, bucket),
    ).fetchone()
    if row is None:
        return None, None, None
    found = dataclasses.replace(_bucket(row), lifecycle=_load(row["lifecycle"]))
    return found, _load(row["policy"]), None if row["id"] is None else _object(row)


def insert_object(conn: sqlite3.Connection, obj: ObjectVersion) -> list[str]:
    """Makes `obj` the latest version of its key; returns blobs of versions it replaces.

    A version id of "null" replaces the key's existing null version (unversioned and
    suspended buckets); any other id keeps the history.
    """
    blobs: list[str] = []
    if obj.version_id == "null":
        old = conn.execute(
            "SELECT blob FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = 'null'",
            (obj.bucket, obj.key),
        ).fetchone()
        if old is not None:
            if old[0]:
                blobs.append(old[0])
            conn.execute(
                "DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = 'null'",
                (obj.bucket, obj.key),
            )
    conn.execute(
        "UPDATE s3_objects SET latest = 0 WHERE bucket = ? AND key = ? AND latest = 1", (obj.bucket, obj.key)
    )
    cursor = conn.execute(
        f"INSERT INTO s3_objects ({_OBJECT_COLUMNS}) VALUES (NULL, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            obj.bucket,
            obj.key,
            obj.version_id,
            int(obj.delete_marker),
            obj.size,
            obj.etag,
            obj.modified,
            obj.blob,
            obj.storage_class,
            _json(obj.headers),
            _json(obj.checksum),
            _json(obj.parts),
            _json(obj.tags),
            obj.acl,
            obj.owner,
        ),
    )
    obj.id = cursor.lastrowid or 0
    obj.latest = True
    return blobs


def delete_version(conn: sqlite3.Connection, obj: ObjectVersion) -> None:
    """Removes one version; if it was the latest, the next newest becomes latest."""
    conn.execute("DELETE FROM s3_objects WHERE id = ?", (obj.id,))
    if obj.latest:
        conn.execute(
            "UPDATE s3_objects SET latest = 1 WHERE id = (SELECT id FROM s3_objects WHERE bucket = ? AND key = ?"
            " ORDER BY id DESC LIMIT 1)",
            (obj.bucket, obj.key),
        )


def update_object(conn: sqlite3.Connection, obj: ObjectVersion, **columns: Any) -> None:
    """Changes columns of a version in place (tags, acl); dict values are stored as JSON."""
    names = ", ".join(f"{name} = ?" for name in columns)
    values = [_json(v) if isinstance(v, (dict, list)) else v for v in columns.values()]
    conn.execute(f"UPDATE s3_objects SET {names} WHERE id = ?", (*values, obj.id))


def current_objects(
    conn: sqlite3.Connection, bucket: str, lower: str, inclusive: bool, upper: str | None, limit: int
) -> list[ObjectVersion]:
    """Live (latest, not deleted) objects with lower < key (or <=) < upper, in key order."""
    op = ">=" if inclusive else ">"
    sql = (
        f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND latest = 1 AND delete_marker = 0"
        f" AND key {op} ?"
    )
    args: list[Any] = [bucket, lower]
    if upper is not None:
        sql += " AND key < ?"
        args.append(upper)
    rows = conn.execute(sql + " ORDER BY key LIMIT ?", (*args, limit)).fetchall()
    return [_object(row) for row in rows]


def object_versions(
    conn: sqlite3.Connection,
    bucket: str,
    lower: str,
    inclusive: bool,
    upper: str | None,
    limit: int,
    below_id: int | None = None,
) -> list[ObjectVersion]:
    """Every version with key in range, by key then newest first; `below_id` resumes within `lower`."""
    args: list[Any] = [bucket]
    if below_id is not None:
        where = "bucket = ? AND ((key = ? AND id < ?) OR key > ?)"
        args += [lower, below_id, lower]
    else:
        where = f"bucket = ? AND key {'>=' if inclusive else '>'} ?"
        args.append(lower)
    if upper is not None:
        where += " AND key < ?"
        args.append(upper)
    rows = conn.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE {where} ORDER BY key, id DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return [_object(row) for row in rows]


# -- multipart uploads -----------------------------------------------------------------------


def insert_upload(conn: sqlite3.Connection, upload: Upload) -> None:
    conn.execute(
        "INSERT INTO s3_uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload.upload_id,
            upload.bucket,
            upload.key,
            upload.initiated,
            upload.storage_class,
            _json(upload.headers),
            upload.checksum_algorithm,
            upload.checksum_type,
            _json(upload.tags),
            upload.acl,
            upload.owner,
        ),
    )


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(
        row["upload_id"],
        row["bucket"],
        row["key"],
        row["initiated"],
        row["storage_class"],
        json.loads(row["headers"]),
        row["checksum_algorithm"],
        row["checksum_type"],
        _load(row["tags"]),
        row["acl"],
        row["owner"],
    )


def find_upload(conn: sqlite3.Connection, upload_id: str) -> Upload | None:
    row = conn.execute("SELECT * FROM s3_uploads WHERE upload_id = ?", (upload_id,)).fetchone()
    return None if row is None else _upload(row)


def list_uploads(
    conn: sqlite3.Connection, bucket: str, prefix: str, key_marker: str, upload_marker: str, limit: int
) -> list[Upload]:
    rows = conn.execute(
        "SELECT * FROM s3_uploads WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND upload_id > ?))"
        " ORDER BY key, initiated, upload_id LIMIT ?",
        (bucket, prefix, key_marker, key_marker, upload_marker, limit),
    ).fetchall()
    return [u for u in map(_upload, rows) if u.key.startswith(prefix)]


def delete_upload(conn: sqlite3.Connection, upload_id: str) -> list[str]:
    """Deletes an upload and its parts; returns the part blobs to unlink."""
    blobs = [row[0] for row in conn.execute("SELECT blob FROM s3_parts WHERE upload_id = ?", (upload_id,))]
    conn.execute("DELETE FROM s3_parts WHERE upload_id = ?", (upload_id,))
    conn.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))
    return blobs


def put_part(conn: sqlite3.Connection, upload_id: str, part: Part) -> str | None:
    """Stores a part (replacing one of the same number); returns the replaced part's blob."""
    old = conn.execute(
        "SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?", (upload_id, part.number)
    ).fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO s3_parts VALUES (?, ?, ?, ?, ?, ?, ?)",
        (upload_id, part.number, part.etag, part.size, part.modified, part.blob, part.checksum),
    )
    return old[0] if old else None


def list_parts(conn: sqlite3.Connection, upload_id: str, after: int = 0, limit: int = 10001) -> list[Part]:
    rows = conn.execute(
        "SELECT part_number, etag, size, modified, blob, checksum FROM s3_parts WHERE upload_id = ?"
        " AND part_number > ? ORDER BY part_number LIMIT ?",
        (upload_id, after, limit),
    ).fetchall()
    return [Part(*row) for row in rows]


def all_blobs(conn: sqlite3.Connection) -> set[str]:
    """Every blob a row names (for cleaning orphans at start)."""
    names = {row[0] for row in conn.execute("SELECT blob FROM s3_objects WHERE blob IS NOT NULL")}
    names.update(row[0] for row in conn.execute("SELECT blob FROM s3_parts"))
    return names


# -- lifecycle -------------------------------------------------------------------------------


def buckets_with_config(conn: sqlite3.Connection, kind: str) -> list[tuple[str, Any]]:
    rows = conn.execute("SELECT bucket, value FROM s3_bucket_configs WHERE kind = ? ORDER BY bucket", (kind,))
    return [(row[0], json.loads(row[1])) for row in rows]


def versions_under(conn: sqlite3.Connection, bucket: str, prefix: str) -> list[ObjectVersion]:
    """Every version of every key starting with `prefix`, per key newest first."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None
    sql = f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key >= ?"
    args: list[Any] = [bucket, prefix]
    if upper is not None:
        sql += " AND key < ?"
        args.append(upper)
    return [_object(row) for row in conn.execute(sql + " ORDER BY key, id DESC", args)]


def uploads_under(conn: sqlite3.Connection, bucket: str, prefix: str) -> list[Upload]:
    rows = conn.execute(
        "SELECT * FROM s3_uploads WHERE bucket = ? AND substr(key, 1, ?) = ?", (bucket, len(prefix), prefix)
    )
    return [_upload(row) for row in rows]
