"""Durable outbox: SQLite in WAL mode, one writer thread, group commit.

Every handler that must not lose what a charger told us submits a small
function to the writer thread and awaits it *before* answering the charger.
The writer thread drains everything that queued up while the previous commit
was being fsynced and runs it in one SQLite transaction (each function in its
own SAVEPOINT), so a thousand concurrent MeterValues cost one fsync, not a
thousand. The event loop never touches the database file itself.

Tables:

* ``event``             events waiting for Odoo, delivered in ``seq`` order
* ``dead_letter``       events Odoo refused permanently (``status: error``)
* ``meter_sample``      meter samples staged until the next aggregation flush
* ``charge_transaction`` transaction ids this bridge allocated (replay detection,
                        buy-kWh limits) — the id allocator lives here too
* ``id_tag_cache``      the authorization cache, used while Odoo is away
* ``charger_credential`` accepted charger credential answers, keyed by identity and
                        an HMAC of the password (key in ``store_secret``), so a
                        restarted bridge lets known chargers in without asking Odoo
* ``meta``              counters and this store's instance id

Transaction ids: ``seq * TRANSACTION_ID_STRIDE + BRIDGE_INSTANCE_ID`` where
``seq`` is a counter persisted in ``meta`` and bumped in the same SQLite
transaction that records the StartTransaction. Ids are therefore monotonic per
instance, survive restarts, and never collide between instances that share
nothing as long as each has its own instance id (the store refuses to open
with a different instance id than the one it was created with).
"""

import asyncio
import hashlib
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time

_logger = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    identity TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS dead_letter (
    key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT,
    failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meter_sample (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity TEXT NOT NULL,
    transaction_id INTEGER,
    connector_id INTEGER,
    samples TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS charge_transaction (
    transaction_id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL,
    connector_id INTEGER,
    id_tag TEXT,
    meter_start INTEGER,
    started_at TEXT,
    start_hash TEXT NOT NULL UNIQUE,
    id_tag_info TEXT,
    max_energy_wh REAL,
    remote_request_id TEXT,
    session_id INTEGER,
    state TEXT NOT NULL DEFAULT 'active'
);
CREATE TABLE IF NOT EXISTS id_tag_cache (
    id_tag TEXT PRIMARY KEY,
    id_tag_info TEXT NOT NULL,
    max_energy_wh REAL,
    cached_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS charger_credential (
    identity TEXT NOT NULL,
    digest TEXT NOT NULL,
    answer TEXT NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (identity, digest)
);
CREATE TABLE IF NOT EXISTS store_secret (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

# kinds whose payload says *when* by itself; all others mix occurred_at into the key
TIMESTAMPED_KINDS = frozenset({"meter_values"})


def canonical_json(payload):
    # strict JSON only: NaN/Infinity never reach the store, let alone Odoo
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _charger_time(payload):
    """The timestamp as the charger sent it (replays of a message whose time was
    substituted must map to the same key, see timestamps.py)."""
    return payload.get("timestamp_sent") or payload["timestamp"]


def event_key(identity, kind, payload, occurred_at):
    """Idempotency key derived from content (see docs/bridge-protocol.md)."""
    if kind == "start_transaction":
        # The id alone is not enough: a bridge whose store was lost hands out ids again.
        text = "%s|%s|%s|%s|%s" % (
            identity,
            kind,
            payload["transaction_id"],
            _charger_time(payload),
            payload["meter_start"],
        )
    elif kind == "stop_transaction" and not payload.get("unknown_transaction"):
        text = "%s|%s|%s|%s|%s" % (
            identity,
            kind,
            payload["transaction_id"],
            _charger_time(payload),
            payload["meter_stop"],
        )
    elif (
        kind in TIMESTAMPED_KINDS
        or kind == "stop_transaction"
        or (kind == "status" and payload.get("timestamp"))
    ):
        # the payload carries the charger's own timestamp: a replay maps to the same key
        text = "%s|%s|%s" % (identity, kind, canonical_json(payload))
    else:
        text = "%s|%s|%s|%s" % (identity, kind, occurred_at, canonical_json(payload))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_event(identity, kind, payload, occurred_at):
    return {
        "key": event_key(identity, kind, payload, occurred_at),
        "identity": identity,
        "kind": kind,
        "occurred_at": occurred_at,
        "payload": payload,
    }


def utc_now():
    """ISO 8601 UTC with milliseconds (part of most event keys)."""
    now = time.time()
    return "%s.%03dZ" % (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)),
        int(now * 1000) % 1000,
    )


def _insert_event(conn, event):
    cursor = conn.execute(
        "INSERT OR IGNORE INTO event (key, identity, kind, occurred_at, payload) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            event["key"],
            event["identity"],
            event["kind"],
            event["occurred_at"],
            canonical_json(event["payload"]),
        ),
    )
    return cursor.rowcount


def merge_samples(rows):
    """Merge staged sample lists, one entry per timestamp (a charger's replay
    of the same frame does not double the timeline), sorted by timestamp."""
    by_time = {}
    for samples in rows:
        for sample in samples:
            by_time[sample.get("timestamp") or ""] = sample
    return [by_time[stamp] for stamp in sorted(by_time)]


class StoreError(Exception):
    pass


def _log_detached_failure(future):
    if not future.cancelled() and future.exception() is not None:
        _logger.error("event=store_write_failed error=%r", future.exception())


class Outbox:
    """The SQLite store and its writer thread."""

    def __init__(self, path, synchronous="FULL", instance_id=0, stride=16):
        self.path = path
        self.synchronous = synchronous.upper()
        self.instance_id = instance_id
        self.stride = stride
        self._queue = queue.SimpleQueue()
        self._thread = None
        self._loop = None
        self.wakeup = asyncio.Event()
        self.commits = 0
        self.operations = 0

    # -- lifecycle -------------------------------------------------------

    async def open(self):
        self._loop = asyncio.get_running_loop()
        ready = self._loop.create_future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="outbox-writer", daemon=True
        )
        self._thread.start()
        await ready

    async def close(self):
        if self._thread is None:
            return
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        self._thread = None

    def _connect(self):
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=%s" % self.synchronous)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.executescript(SCHEMA)
        row = conn.execute(
            "SELECT value FROM meta WHERE name = 'instance_id'"
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO meta (name, value) VALUES ('instance_id', ?)",
                (self.instance_id,),
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('stride', ?)",
                (self.stride,),
            )
        elif row[0] != self.instance_id:
            raise StoreError(
                "outbox %s belongs to instance %s, not %s"
                % (self.path, row[0], self.instance_id)
            )
        stride = conn.execute("SELECT value FROM meta WHERE name = 'stride'").fetchone()
        if stride and stride[0] != self.stride:
            raise StoreError(
                "outbox %s was created with stride %s, not %s"
                % (self.path, stride[0], self.stride)
            )
        conn.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('transaction_seq', 0)"
        )
        return conn

    def _run(self, ready):
        loop = self._loop
        try:
            conn = self._connect()
        except Exception as error:  # noqa: BLE001 — handed to the awaiting coroutine
            loop.call_soon_threadsafe(_set_exception, ready, error)
            return
        loop.call_soon_threadsafe(_set_result, ready, None)
        get = self._queue.get
        get_nowait = self._queue.get_nowait
        stopping = False
        while not stopping:
            batch = [get()]
            while len(batch) < 5000:
                try:
                    batch.append(get_nowait())
                except queue.Empty:
                    break
            results = []
            try:
                conn.execute("BEGIN IMMEDIATE")
                for item in batch:
                    if item is None:
                        stopping = True
                        continue
                    func, future, single_statement = item
                    if single_statement:
                        # one statement is atomic by itself: no savepoint needed
                        try:
                            results.append((future, func(conn), None))
                        except Exception as error:  # noqa: BLE001
                            results.append((future, None, error))
                        continue
                    conn.execute("SAVEPOINT op")
                    try:
                        value = func(conn)
                    except Exception as error:  # noqa: BLE001
                        conn.execute("ROLLBACK TO op")
                        conn.execute("RELEASE op")
                        results.append((future, None, error))
                    else:
                        conn.execute("RELEASE op")
                        results.append((future, value, None))
                conn.execute("COMMIT")
                self.commits += 1
                self.operations += len(results)
            except Exception as error:  # disk full, I/O error: fail the whole batch
                _logger.exception("event=outbox_commit_failed ops=%s", len(batch))
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                results = [(item[1], None, error) for item in batch if item is not None]
            if results:
                loop.call_soon_threadsafe(_resolve_all, results)
        conn.close()

    def run(self, func, single_statement=False):
        """Run ``func(conn)`` in the writer thread; awaitable result after commit.

        ``func`` runs in its own SAVEPOINT unless it is a single SQL statement
        (``single_statement=True``), which SQLite already makes atomic."""
        future = self._loop.create_future()
        self._queue.put((func, future, single_statement))
        return future

    def run_detached(self, func, single_statement=False):
        """``run`` for a write nobody awaits (caches): a failure is logged."""
        future = self.run(func, single_statement)
        future.add_done_callback(_log_detached_failure)
        return future

    # -- events ------------------------------------------------------------

    async def enqueue(self, event):
        inserted = await self.run(lambda conn: _insert_event(conn, event), True)
        self.wakeup.set()
        return inserted

    async def enqueue_many(self, events):
        def op(conn):
            return sum(_insert_event(conn, event) for event in events)

        inserted = await self.run(op)
        self.wakeup.set()
        return inserted

    async def fetch(self, limit):
        def op(conn):
            return conn.execute(
                "SELECT seq, key, identity, kind, occurred_at, payload, attempts "
                "FROM event ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()

        rows = await self.run(op)
        return [
            {
                "seq": r[0],
                "key": r[1],
                "identity": r[2],
                "kind": r[3],
                "occurred_at": r[4],
                "payload": json.loads(r[5]),
                "attempts": r[6],
            }
            for r in rows
        ]

    async def settle(self, delivered, failed):
        """Remove confirmed events; move permanently refused ones to dead_letter."""
        now = utc_now()

        def op(conn):
            conn.executemany(
                "DELETE FROM event WHERE seq = ?",
                [(event["seq"],) for event in delivered],
            )
            for event, error in failed:
                conn.execute(
                    "INSERT OR REPLACE INTO dead_letter (key, identity, kind, "
                    "occurred_at, payload, error, failed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        event["key"],
                        event["identity"],
                        event["kind"],
                        event["occurred_at"],
                        canonical_json(event["payload"]),
                        canonical_json(error),
                        now,
                    ),
                )
                conn.execute("DELETE FROM event WHERE seq = ?", (event["seq"],))

        await self.run(op)

    async def note_attempt(self, events, error):
        def op(conn):
            conn.executemany(
                "UPDATE event SET attempts = attempts + 1, last_error = ? "
                "WHERE seq = ?",
                [(str(error)[:500], event["seq"]) for event in events],
            )

        await self.run(op)

    async def pending_count(self):
        return await self.run(
            lambda conn: conn.execute("SELECT count(*) FROM event").fetchone()[0]
        )

    async def dead_letters(self):
        def op(conn):
            return conn.execute(
                "SELECT key, kind, payload, error FROM dead_letter ORDER BY failed_at"
            ).fetchall()

        return await self.run(op)

    # -- meter samples -----------------------------------------------------

    def stage_samples(self, identity, transaction_id, connector_id, samples):
        """Stage normalised samples; the aggregation flush turns them into events."""
        data = json.dumps(samples, separators=(",", ":"), allow_nan=False)
        return self.run(
            lambda conn: (
                conn.execute(
                    "INSERT INTO meter_sample (identity, transaction_id, "
                    "connector_id, samples) VALUES (?, ?, ?, ?)",
                    (identity, transaction_id, connector_id, data),
                )
                and None
            ),
            True,
        )

    async def flush_samples(self, identity=None, transaction_id=None):
        """Aggregate staged samples into ``meter_values`` events (one per
        charger/transaction/connector). Returns the number of events queued."""
        occurred_at = utc_now()

        def op(conn):
            return _flush_samples(conn, occurred_at, identity, transaction_id)

        count = await self.run(op)
        if count:
            self.wakeup.set()
        return count

    # -- transactions ------------------------------------------------------

    async def start_transaction(self, identity, start_hash, fields, occurred_at):
        """Allocate (or find, for a replay) the transaction id and queue the
        start event in the same SQLite transaction.

        Returns ``(transaction_id, row, replayed)`` where ``row`` has the stored
        id_tag_info/max_energy_wh of the first start.
        """
        stride, instance_id = self.stride, self.instance_id

        def op(conn):
            row = conn.execute(
                "SELECT transaction_id, id_tag_info, max_energy_wh, "
                "remote_request_id, state FROM charge_transaction"
                " WHERE start_hash = ?",
                (start_hash,),
            ).fetchone()
            if row is not None:
                return (
                    row[0],
                    {
                        "id_tag_info": json.loads(row[1] or "null"),
                        "max_energy_wh": row[2],
                        "remote_request_id": row[3],
                        "state": row[4],
                    },
                    True,
                )
            seq = conn.execute(
                "UPDATE meta SET value = value + 1 WHERE name = 'transaction_seq' "
                "RETURNING value"
            ).fetchone()[0]
            transaction_id = seq * stride + instance_id
            if transaction_id > INT32_MAX:
                raise StoreError(
                    "transaction id space exhausted for instance %s" % instance_id
                )
            conn.execute(
                "INSERT INTO charge_transaction (transaction_id, identity,"
                " connector_id, id_tag, meter_start, started_at, start_hash,"
                " id_tag_info, max_energy_wh, remote_request_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    transaction_id,
                    identity,
                    fields["connector_id"],
                    fields["id_tag"],
                    fields["meter_start"],
                    fields["timestamp"],
                    start_hash,
                    canonical_json(fields["id_tag_info"]),
                    fields.get("max_energy_wh"),
                    fields.get("remote_request_id"),
                ),
            )
            payload = {
                "transaction_id": transaction_id,
                "connector_id": fields["connector_id"],
                "id_tag": fields["id_tag"],
                "meter_start": fields["meter_start"],
                "timestamp": fields["timestamp"],
                "reservation_id": fields.get("reservation_id"),
                "remote_request_id": fields.get("remote_request_id"),
                # what the charger was told: Odoo holds energy taken on a refused
                # card for review
                "id_tag_status": (fields["id_tag_info"] or {}).get("status"),
                **(fields.get("time_flags") or {}),
            }
            _insert_event(
                conn, make_event(identity, "start_transaction", payload, occurred_at)
            )
            return (
                transaction_id,
                {
                    "id_tag_info": fields["id_tag_info"],
                    "max_energy_wh": fields.get("max_energy_wh"),
                    "remote_request_id": fields.get("remote_request_id"),
                },
                False,
            )

        result = await self.run(op)
        self.wakeup.set()
        return result

    async def stop_transaction(self, identity, payload, occurred_at):
        """Flush the transaction's staged samples, then queue the stop event.

        A stop for a transaction id this bridge never allocated (``-1``
        leftovers, ids from a previous central system) is passed through with
        ``unknown_transaction: true``. Returns ``True`` if the stop was new.
        """
        transaction_id = payload["transaction_id"]

        def op(conn):
            row = conn.execute(
                "SELECT state FROM charge_transaction "
                "WHERE transaction_id = ? AND identity = ?",
                (transaction_id, identity),
            ).fetchone()
            if row is None:
                payload["unknown_transaction"] = True
            elif row[0] == "stopped":
                return False
            _flush_samples(conn, occurred_at, identity, transaction_id)
            conn.execute(
                "UPDATE charge_transaction SET state = 'stopped' "
                "WHERE transaction_id = ? AND identity = ?",
                (transaction_id, identity),
            )
            return bool(
                _insert_event(
                    conn, make_event(identity, "stop_transaction", payload, occurred_at)
                )
            )

        result = await self.run(op)
        self.wakeup.set()
        return result

    async def update_transaction(
        self, transaction_id, session_id=None, max_energy_wh=None
    ):
        def op(conn):
            if session_id is not None:
                conn.execute(
                    "UPDATE charge_transaction SET session_id = ? WHERE "
                    "transaction_id = ?",
                    (session_id, transaction_id),
                )
            if max_energy_wh is not None:
                conn.execute(
                    "UPDATE charge_transaction SET max_energy_wh = ? WHERE "
                    "transaction_id = ?",
                    (max_energy_wh, transaction_id),
                )

        await self.run(op)

    async def active_transactions(self):
        def op(conn):
            return conn.execute(
                "SELECT transaction_id, identity, connector_id, meter_start, "
                "max_energy_wh FROM charge_transaction"
                " WHERE state = 'active'"
            ).fetchall()

        return await self.run(op)

    # -- authorization cache ------------------------------------------------

    def cache_id_tag(self, id_tag, id_tag_info, max_energy_wh, keep=None):
        """Persist one answer; with ``keep``, also trim the table to the ``keep``
        most recent answers (the in-memory cache has the same bound)."""
        now = time.time()

        def op(conn):
            conn.execute(
                "INSERT OR REPLACE INTO id_tag_cache (id_tag, id_tag_info, "
                "max_energy_wh, cached_at) VALUES (?, ?, ?, ?)",
                (id_tag, canonical_json(id_tag_info), max_energy_wh, now),
            )
            if keep is not None:
                conn.execute(
                    "DELETE FROM id_tag_cache WHERE id_tag NOT IN (SELECT id_tag "
                    "FROM id_tag_cache ORDER BY cached_at DESC LIMIT ?)",
                    (keep,),
                )

        return self.run_detached(op, keep is None)

    def clear_id_tag_cache(self):
        return self.run(lambda conn: conn.execute("DELETE FROM id_tag_cache") and None)

    async def load_id_tags(self, limit=-1):
        """The cached answers, oldest first (``limit`` most recent; -1 all)."""
        rows = await self.run(
            lambda conn: conn.execute(
                "SELECT id_tag, id_tag_info, max_energy_wh, cached_at FROM id_tag_cache"
                " ORDER BY cached_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return {row[0]: (json.loads(row[1]), row[2], row[3]) for row in reversed(rows)}

    # -- charger credential cache -------------------------------------------

    async def load_credentials(self, oldest):
        """``(hmac_key, rows)``: this store's HMAC key (made on first use) and the
        persisted accepted answers checked after ``oldest`` (older ones are deleted)."""

        def op(conn):
            row = conn.execute(
                "SELECT value FROM store_secret WHERE name = 'credential_hmac'"
            ).fetchone()
            if row is None:
                key = secrets.token_bytes(32)
                conn.execute(
                    "INSERT INTO store_secret (name, value) VALUES "
                    "('credential_hmac', ?)",
                    (key,),
                )
            else:
                key = bytes(row[0])
            conn.execute(
                "DELETE FROM charger_credential WHERE checked_at < ?", (oldest,)
            )
            rows = conn.execute(
                "SELECT identity, digest, answer, checked_at FROM charger_credential"
            ).fetchall()
            return key, rows

        key, rows = await self.run(op)
        return key, [
            (identity, digest, json.loads(answer), checked_at)
            for identity, digest, answer, checked_at in rows
        ]

    def cache_credential(self, identity, digest, answer, checked_at):
        return self.run_detached(
            lambda conn: (
                conn.execute(
                    "INSERT OR REPLACE INTO charger_credential (identity, digest, "
                    "answer, checked_at) VALUES (?, ?, ?, ?)",
                    (identity, digest, canonical_json(answer), checked_at),
                )
                and None
            ),
            True,
        )

    def forget_credentials(self, identity, digest=None):
        """Drop one answer (password refused) or all of an identity's (unknown)."""
        if digest is None:
            return self.run_detached(
                lambda conn: (
                    conn.execute(
                        "DELETE FROM charger_credential WHERE identity = ?", (identity,)
                    )
                    and None
                ),
                True,
            )
        return self.run_detached(
            lambda conn: (
                conn.execute(
                    "DELETE FROM charger_credential WHERE identity = ? AND digest = ?",
                    (identity, digest),
                )
                and None
            ),
            True,
        )


def _flush_samples(conn, occurred_at, identity=None, transaction_id=None):
    where, args = "", ()
    if identity is not None:
        where, args = (
            " WHERE identity = ? AND transaction_id IS ?",
            (identity, transaction_id),
        )
    rows = conn.execute(
        "SELECT id, identity, transaction_id, connector_id, samples "
        "FROM meter_sample%s ORDER BY id" % where,
        args,
    ).fetchall()
    if not rows:
        return 0
    groups = {}
    for _id, row_identity, row_transaction, connector_id, samples in rows:
        groups.setdefault((row_identity, row_transaction, connector_id), []).append(
            json.loads(samples)
        )
    for (row_identity, row_transaction, connector_id), sample_lists in groups.items():
        payload = {
            "transaction_id": row_transaction,
            "connector_id": connector_id,
            "samples": merge_samples(sample_lists),
        }
        _insert_event(
            conn, make_event(row_identity, "meter_values", payload, occurred_at)
        )
    last_id = rows[-1][0]
    if identity is None:
        conn.execute("DELETE FROM meter_sample WHERE id <= ?", (last_id,))
    else:
        conn.execute(
            "DELETE FROM meter_sample "
            "WHERE identity = ? AND transaction_id IS ? AND id <= ?",
            (identity, transaction_id, last_id),
        )
    return len(groups)


def _set_result(future, value):
    if not future.done():
        future.set_result(value)


def _set_exception(future, error):
    if not future.done():
        future.set_exception(error)


def _resolve_all(results):
    for future, value, error in results:
        if future.done():
            continue
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)


class Delivery:
    """Deliver queued events to Odoo in ``seq`` order (hence in order per
    charger), ≤ batch_size per call; exponential backoff while Odoo is away.

    An event leaves the outbox only when Odoo answered ``ok`` for it (or
    ``error``, then it goes to ``dead_letter``). ``on_result(event, result)``
    lets the service react to Odoo's ``data`` (buy-kWh limit, stop request).
    """

    def __init__(
        self,
        outbox,
        post_events,
        on_result=None,
        batch_size=500,
        retry_min=1.0,
        retry_max=60.0,
    ):
        self.outbox = outbox
        self.post_events = post_events
        self.on_result = on_result
        self.batch_size = batch_size
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.failures = 0
        self.delivered = 0
        self._task = None
        self._stopping = False

    def start(self):
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self):
        self._stopping = True
        self.outbox.wakeup.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self):
        wakeup = self.outbox.wakeup
        while not self._stopping:
            wakeup.clear()
            try:
                delivered = await self.deliver_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 — keep the courier alive
                self.failures += 1
                delay = min(
                    self.retry_max, self.retry_min * 2 ** min(self.failures - 1, 16)
                )
                _logger.warning(
                    "event=odoo_delivery_failed error=%s retry_in=%.1fs", error, delay
                )
                await asyncio.sleep(delay)
                continue
            self.failures = 0
            if delivered:
                continue
            try:
                await asyncio.wait_for(wakeup.wait(), timeout=5.0)
            except asyncio.TimeoutError:
                pass

    async def deliver_once(self):
        events = await self.outbox.fetch(self.batch_size)
        if not events:
            return 0
        try:
            results = await self.post_events(events)
        except Exception as error:
            await self.outbox.note_attempt(events, error)
            raise
        delivered, failed = [], []
        for event, result in zip(events, results, strict=False):  # may be short
            status = result.get("status") if isinstance(result, dict) else None
            if status == "ok":
                delivered.append((event, result))
            elif status == "error":
                _logger.error(
                    "event=odoo_refused_event key=%s kind=%s identity=%s error=%s",
                    event["key"],
                    event["kind"],
                    event["identity"],
                    result.get("error"),
                )
                failed.append((event, result.get("error") or result))
            else:
                # malformed answer: keep this and later events for a retry, in order
                break
        await self.outbox.settle([event for event, _ in delivered], failed)
        self.delivered += len(delivered)
        if self.on_result is not None:
            for event, result in delivered:
                try:
                    self.on_result(event, result)
                except Exception:
                    _logger.exception("event=result_hook_failed key=%s", event["key"])
        if len(delivered) + len(failed) < len(events):
            raise RuntimeError("Odoo answered part of the batch only")
        return len(events)
