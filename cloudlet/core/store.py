"""The durable store: the only code that knows the storage engine (SQLite in WAL mode).

Layout of a data directory::

    <path>/cloudlet.db      every table of every service, plus core's (_migrations, _resets,
                            _clock, _outbox_*); several processes share it
    <path>/cloudlet.db-writer   empty: its lock is the writers' turn (see below)
    <path>/blobs/           files too big for rows (S3 object bodies), written atomically

Transactions: `db()` is the one place that begins (BEGIN IMMEDIATE: the write lock is taken
up front, so a transaction never fails half-way on a lock upgrade), commits and rolls back.
A nested `db()` is a savepoint inside the outer transaction: its exception undoes only its
own work, and nothing is durable before the outermost block commits. `read()` is a snapshot
(a deferred transaction) or, inside `db()`, the same transaction. Keep both short: another
process waits for the write lock up to BUSY_TIMEOUT seconds.

Connections: one per thread, opened on first use. cloudlet serves from one event-loop thread
per process, so its coroutines share that thread's connection; a transaction must therefore
never span an `await` (another task would find it open). That mistake raises at once rather
than interleaving two tasks' writes.

Writers take turns: before BEGIN IMMEDIATE a process takes a POSIX lock on `cloudlet.db-writer`,
so a second process wanting to write sleeps in the kernel until the first commits, instead of
in SQLite's busy handler (which polls, first after a whole millisecond, with the event loop
stopped). The turn only spares that wait: SQLite's own lock still decides, and a process that
does not take turns (the sqlite3 shell) is waited for as before.

Durability: fsync="normal" (synchronous=NORMAL) survives the process being killed at any
point, which is what WAL gives; fsync="full" (synchronous=FULL, and fsync of blob files and
their directory) also survives power loss.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO

from cloudlet.core import clock, outbox
from cloudlet.core.migrations import BOOTSTRAP, Migration, migrate, migrated_namespaces

log = logging.getLogger("cloudlet.store")

DB_NAME = "cloudlet.db"
BLOBS_DIR = "blobs"
BUSY_TIMEOUT = 30.0
FSYNC_MODES = {"normal": "NORMAL", "full": "FULL"}

# Core's own tables, created when a store opens.
STORE_MIGRATIONS = (
    # Counts resets, so processes sharing the directory can tell theirs happened (check_reset).
    Migration("0001_resets", """
        CREATE TABLE _resets (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);
        INSERT INTO _resets (id, generation) VALUES (1, 0);
    """),
)
CORE_MIGRATIONS: tuple[tuple[str, Sequence[Migration]], ...] = (
    ("core.store", STORE_MIGRATIONS),
    ("core.clock", clock.MIGRATIONS),
    ("core.outbox", outbox.MIGRATIONS),
)
# reset() wipes data, not configuration: the schema history, the clock (time only moves
# forward, so timers already computed stay valid) and who subscribes to which event topic.
KEPT_ON_RESET = frozenset({"_migrations", "_resets", "_clock", *outbox.CONFIGURATION_TABLES})


class StoreClosed(RuntimeError):
    pass


class Connection(sqlite3.Connection):
    """A store connection: is a db() transaction open, and did it emit outbox events?"""

    writing: bool = False
    emitted: bool = False


class _ThreadState:
    __slots__ = ("conn", "depth", "owner", "reading", "thread")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.thread = threading.current_thread()
        self.depth = 0  # db() nesting
        self.reading = 0  # read() nesting outside db()
        self.owner: object = None  # the asyncio task (or None) that opened the transaction


class Store:
    def __init__(self, path: str, *, fsync: str = "normal") -> None:
        if fsync not in FSYNC_MODES:
            raise ValueError(f"fsync must be one of {sorted(FSYNC_MODES)}, not {fsync!r}")
        self.path = os.path.abspath(path)
        self.db_path = os.path.join(self.path, DB_NAME)
        self.blobs_dir = os.path.join(self.path, BLOBS_DIR)
        self.fsync = fsync
        os.makedirs(self.blobs_dir, exist_ok=True)
        self._local = threading.local()
        self._states: dict[int, _ThreadState] = {}
        self._states_lock = threading.Lock()
        self._closed = False
        self._commit_listeners: list[Callable[[], None]] = []
        self._reset_listeners: list[Callable[[], None]] = []
        self._generation = 0
        # POSIX locks belong to the process, so one descriptor serves every thread (threads of a
        # process do not exclude each other by it: SQLite does) and a forked child owns nothing.
        self._turn = os.open(self.db_path + "-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        _forget_connections_in_forked_children(self)
        self._open_database()
        self._generation = self._reset_generation()

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested use is a savepoint of the outer one."""
        state = self._state()
        if state.depth:
            self._check_owner(state)
            with self._savepoint(state):
                yield state.conn
            return
        if state.reading:
            self._check_owner(state)
            raise RuntimeError("store.db() inside store.read(): open db() first, it can read too")
        conn = state.conn
        fcntl.lockf(self._turn, fcntl.LOCK_EX)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            fcntl.lockf(self._turn, fcntl.LOCK_UN)
            raise
        conn.writing, conn.emitted = True, False
        state.depth, state.owner = 1, _current_task()
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        finally:
            state.depth, state.owner = 0, None
            conn.writing = False
            fcntl.lockf(self._turn, fcntl.LOCK_UN)
        if conn.emitted:
            conn.emitted = False
            self._notify(self._commit_listeners)

    @contextmanager
    def _savepoint(self, state: _ThreadState) -> Iterator[None]:
        name = f"sp{state.depth}"
        state.conn.execute(f"SAVEPOINT {name}")
        state.depth += 1
        try:
            yield
        except BaseException:
            if state.conn.in_transaction:  # SQLite may have rolled back everything already
                state.conn.execute(f"ROLLBACK TO {name}")
                state.conn.execute(f"RELEASE {name}")
            raise
        else:
            state.conn.execute(f"RELEASE {name}")
        finally:
            state.depth -= 1

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads; inside db(), that transaction (sees its writes)."""
        state = self._state()
        if state.depth or state.reading:
            self._check_owner(state)
            yield state.conn
            return
        conn = state.conn
        changes = conn.total_changes
        conn.execute("BEGIN")
        state.reading, state.owner = 1, _current_task()
        try:
            yield conn
        finally:
            state.reading, state.owner = 0, None
            wrote = conn.total_changes != changes
            _rollback(conn)
        if wrote:
            raise RuntimeError("store.read() is for reads; the writes made inside it were undone, use db()")

    def query(self) -> sqlite3.Connection:
        """The connection for a read that is a single statement, which SQLite runs as its own
        snapshot: no read() around it, so no BEGIN and ROLLBACK. Inside db() or read(), that
        transaction's connection."""
        return self._state().conn

    def on_commit_with_events(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls listener() after each commit whose transaction emitted outbox events.

        It runs on the committing thread. Returns a function that removes it.
        """
        self._commit_listeners.append(listener)
        return lambda: self._commit_listeners.remove(listener)

    def on_reset(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls listener() after a reset, to drop in-memory caches of stored data.

        At once for a reset made through this Store; for one made by another process, when
        this process next calls check_reset() (its dispatcher does, every poll interval).
        """
        self._reset_listeners.append(listener)
        return lambda: self._reset_listeners.remove(listener)

    def check_reset(self) -> bool:
        """Runs the reset listeners if another process reset the store since we last looked."""
        generation = self._reset_generation()
        if generation == self._generation:
            return False
        self._generation = generation
        self._notify(self._reset_listeners)
        return True

    # -- schema and lifecycle ----------------------------------------------------------------

    def migrate(self, namespace: str, migrations: Sequence[Migration]) -> None:
        migrate(self, namespace, migrations)

    def migrated(self) -> set[str]:
        """The namespaces whose tables exist: those that ever kept state in this directory."""
        with self.read() as conn:
            return migrated_namespaces(conn)

    def reset(self) -> None:
        """Wipes every row of every namespace and every blob; keeps the schema.

        Rows are deleted in one transaction, so other processes sharing the directory see the
        data vanish at once and keep working; the database file stays in place.
        """
        with self.db() as conn:
            for table in self._data_tables(conn):
                conn.execute(f'DELETE FROM "{table}"')
            conn.execute("UPDATE _resets SET generation = generation + 1")
            self._generation = self._reset_generation()
        for entry in os.scandir(self.blobs_dir):
            with suppress(FileNotFoundError):  # another process may remove it first
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
        self._notify(self._reset_listeners)

    def close(self) -> None:
        """Closes every connection of every thread; the store cannot be used afterwards."""
        with self._states_lock:
            if self._closed:
                return
            self._closed = True
            states, self._states = list(self._states.values()), {}
        for state in states:
            state.conn.close()
        os.close(self._turn)

    # -- files ---------------------------------------------------------------------------------

    def blob_path(self, *parts: str) -> str:
        return os.path.join(self.blobs_dir, *parts)

    def write_blob(self, path: str, chunks: Iterable[bytes]) -> int:
        """Atomically writes a file (absolute, or relative to blobs_dir); returns its size."""
        return atomic_write(os.path.join(self.blobs_dir, path), chunks, fsync=self.fsync == "full")

    async def write_blob_async(self, path: str, chunks: AsyncIterable[bytes]) -> int:
        return await atomic_write_async(os.path.join(self.blobs_dir, path), chunks,
                                        fsync=self.fsync == "full")

    # -- internals -----------------------------------------------------------------------------

    def _open_database(self) -> None:
        conn = self._state().conn
        # WAL is a property of the file; setting it needs a moment of exclusive access, which
        # two processes opening a fresh directory together may have to wait for.
        for _ in range(int(BUSY_TIMEOUT / 0.05)):
            try:
                if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal":
                    break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
            time.sleep(0.05)  # a lock held by another process: nothing to await
        with self.db() as db:
            db.execute(BOOTSTRAP)
        for namespace, migrations in CORE_MIGRATIONS:
            self.migrate(namespace, migrations)

    def _reset_generation(self) -> int:
        with self.read() as conn:
            return conn.execute("SELECT generation FROM _resets WHERE id = 1").fetchone()[0]

    def _connect(self) -> Connection:
        conn = sqlite3.connect(
            self.db_path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False,
            factory=Connection, cached_statements=256,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA synchronous={FSYNC_MODES[self.fsync]}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _state(self) -> _ThreadState:
        state: _ThreadState | None = getattr(self._local, "state", None)
        if state is not None and not self._closed:
            return state
        with self._states_lock:
            if self._closed:
                raise StoreClosed(f"the store at {self.path} is closed")
            self._forget_finished_threads()
            state = _ThreadState(self._connect())
            self._states[threading.get_ident()] = state
        self._local.state = state
        return state

    def _forget_finished_threads(self) -> None:
        for ident, state in list(self._states.items()):
            if not state.thread.is_alive():
                del self._states[ident]
                state.conn.close()

    @staticmethod
    def _notify(listeners: list[Callable[[], None]]) -> None:
        # The data is committed: a failing listener must not turn that into an error.
        for listener in list(listeners):
            try:
                listener()
            except Exception:
                log.exception("store listener %r failed", listener)

    @staticmethod
    def _check_owner(state: _ThreadState) -> None:
        if state.owner is not _current_task():
            raise RuntimeError(
                "a store transaction is open in another asyncio task on this thread: a transaction"
                " must not span an await"
            )

    @staticmethod
    def _data_tables(conn: sqlite3.Connection) -> list[str]:
        """Tables reset() empties: all but core's configuration and virtual tables' shadows.

        (Deleting from a virtual table, such as FTS, cleans its shadow tables itself;
        sqlite_sequence holds AUTOINCREMENT counters, which restart with the data.)
        """
        return [name for name, kind in _tables(conn)
                if kind in ("table", "virtual") and name not in KEPT_ON_RESET
                and (name == "sqlite_sequence" or not name.startswith("sqlite_"))]


def _tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, "table" | "virtual" | "shadow") of every table in the database."""
    try:
        return [(row[0], row[1]) for row in
                conn.execute("SELECT name, type FROM pragma_table_list WHERE schema = 'main'")]
    except sqlite3.OperationalError:  # SQLite before 3.37: infer shadows from their names
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = {name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")}
        return [(name, "virtual" if name in virtual else
                 "shadow" if any(name.startswith(f"{v}_") and name[len(v) + 1:] in _SHADOW_SUFFIXES
                                 for v in virtual) else "table")
                for name, _ in rows]


_SHADOW_SUFFIXES = frozenset({"data", "idx", "content", "docsize", "config", "segments", "segdir", "stat",
                              "node", "rowid", "parent"})


def _current_task() -> Any:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop in this thread
        return None


def _forget_connections_in_forked_children(store: Store) -> None:
    # A SQLite connection must not cross a fork; closing an inherited one could even disturb
    # the parent's. The child drops them unclosed and opens its own on first use.
    ref = weakref.ref(store)

    def after_fork() -> None:
        forked = ref()
        if forked is not None:
            forked._local, forked._states = threading.local(), {}
            forked._states_lock = threading.Lock()

    if hasattr(os, "register_at_fork"):  # POSIX only; elsewhere there is no fork
        os.register_at_fork(after_in_child=after_fork)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:  # SQLite rolls back by itself after some errors (disk full...)
        conn.execute("ROLLBACK")


# -- files written whole: a reader sees the old file or the new one, never half of either ---------

def atomic_write(path: str, chunks: Iterable[bytes], *, fsync: bool = False) -> int:
    """Writes chunks to a temporary name beside `path`, then renames it into place.

    fsync=True also flushes the file and its directory to disk (survives power loss).
    Returns the number of bytes written.
    """
    temp = _temp_name(path)
    size = 0
    try:
        with _create(temp) as fh:
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    if fsync:
        _fsync_directory(os.path.dirname(path))
    return size


async def atomic_write_async(path: str, chunks: AsyncIterable[bytes], *, fsync: bool = False) -> int:
    """atomic_write for a stream (a request body): chunks are written as they arrive.

    Writes into the page cache are quick enough for the event loop; only the fsyncs, which
    wait for the disk, run in a thread.
    """
    temp = _temp_name(path)
    size = 0
    try:
        with _create(temp) as fh:
            async for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
            if fsync:
                fh.flush()
                await asyncio.to_thread(os.fsync, fh.fileno())
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    if fsync:
        await asyncio.to_thread(_fsync_directory, os.path.dirname(path))
    return size


def _temp_name(path: str) -> str:
    # Same directory, so the rename stays on one file system and is atomic.
    return os.path.join(os.path.dirname(os.path.abspath(path)), f".tmp-{secrets.token_hex(8)}")


def _create(temp: str) -> BinaryIO:
    """Opens a new temporary file, making its directory on first use only: checking for it
    before every write costs two system calls a write, and it is almost always there."""
    try:
        return open(temp, "xb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(temp), exist_ok=True)
        return open(temp, "xb")


def _unlink_quietly(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
