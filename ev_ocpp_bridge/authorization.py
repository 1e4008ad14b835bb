"""Who may connect (charger credentials) and who may charge (idTags).

Both ask Odoo with a short timeout and keep a cache for when Odoo is away.
"""

import asyncio
import hashlib
import hmac
import logging
import time
from collections import OrderedDict

from .odoo_client import OdooRejected, OdooUnavailable

_logger = logging.getLogger(__name__)


def _accepts(answer):
    return bool(answer.get("known") and answer.get("accepted"))


class CredentialCache:
    """Answers of ``/charger/credentials``, keyed by identity and a keyed hash
    of the password (the password itself is never kept).

    Built for the reconnect storm after a bridge restart or a network blip,
    when every charger knocks at once:

    * accepted answers are persisted in the SQLite store, so a restarted
      bridge knows its chargers without asking Odoo;
    * checks for the same identity and password share one Odoo call, and at
      most ``concurrency`` calls are in flight (the rest queue, Odoo is not
      stampeded) while cached answers are served at once;
    * an accepted answer older than ``ttl`` is re-checked with Odoo; when
      Odoo's answer does not come within ``stale_wait`` (busy or away), the
      cached answer lets the charger in and the re-check finishes in the
      background. If Odoo then refuses, the entry is dropped and
      ``on_revoked(identity, digest)`` closes the connection;
    * an answer older than ``max_stale`` is never used;
    * "unknown charger" and "wrong password" answers are not cached at all:
      they drop what was cached for that password (or, unknown, for the
      identity), so nobody is let in from cache afterwards, and a charger
      added or fixed in Odoo is let in at its next attempt.
    """

    def __init__(
        self,
        odoo,
        outbox,
        ttl,
        concurrency=16,
        stale_wait=1.0,
        queue_timeout=20.0,
        max_stale=30 * 86400.0,
        on_revoked=None,
    ):
        self.odoo = odoo
        self.outbox = outbox
        self.ttl = ttl
        self.stale_wait = stale_wait
        self.queue_timeout = queue_timeout
        self.max_stale = max(max_stale, ttl)
        self.on_revoked = on_revoked
        self.concurrency = max(1, concurrency)
        self._slots = None  # asyncio.Semaphore, made on the running loop
        self._secret = None  # HMAC key of this store
        self._entries = {}  # (identity, digest) -> (checked_at wall time, answer)
        self._by_identity = {}  # identity -> set of digests with an entry
        self._heartbeat = {}  # identity -> heartbeat interval Odoo gave
        self._inflight = {}  # (identity, digest) -> task asking Odoo
        self.stats = {
            "fresh": 0,
            "stale_served": 0,
            "odoo_calls": 0,
            "coalesced": 0,
            "revoked": 0,
        }

    async def load(self):
        """Read the persisted answers (and this store's HMAC key)."""
        self._slots = asyncio.Semaphore(self.concurrency)
        self._secret, rows = await self.outbox.load_credentials(
            time.time() - self.max_stale
        )
        for identity, digest, answer, checked_at in rows:
            self._put((identity, digest), checked_at, answer)
        _logger.info("event=credentials_loaded entries=%s", len(rows))

    def digest(self, identity, password):
        text = "%s\x00%s" % (
            identity,
            "\x01" if password is None else "\x02" + password,
        )
        return hmac.new(
            self._secret or b"", text.encode("utf-8"), hashlib.sha256
        ).hexdigest()

    async def check(self, identity, password):
        """Odoo's answer for this identity and password; raises ``OdooUnavailable``
        when Odoo cannot answer and nothing usable is cached."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        key = (identity, self.digest(identity, password))
        entry = self._entries.get(key)
        now = time.time()
        if entry is not None:
            age = now - entry[0]
            if age >= self.max_stale:
                self._drop(key)
                entry = None
            elif age < self.ttl:
                self.stats["fresh"] += 1
                return entry[1]
        task = self._ask_once(key, identity, password)
        if entry is not None:
            try:
                return await asyncio.wait_for(asyncio.shield(task), self.stale_wait)
            except (asyncio.TimeoutError, OdooUnavailable) as error:
                self.stats["stale_served"] += 1
                _logger.info(
                    "event=credentials_stale identity=%s age=%.0fs reason=%s",
                    identity,
                    now - entry[0],
                    type(error).__name__,
                )
                return entry[1]
        return await asyncio.shield(task)

    def admits(self, identity, digest):
        """Whether an accepted answer for this password is still held (a re-check
        that ended in a refusal drops it)."""
        return (identity, digest) in self._entries

    def heartbeat_interval(self, identity, default):
        return self._heartbeat.get(identity) or default

    async def close(self):
        """Cancel re-checks still waiting (bridge shutdown)."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- inside ------------------------------------------------------------

    def _ask_once(self, key, identity, password):
        """One Odoo call per identity+password at a time; later askers join it."""
        task = self._inflight.get(key)
        if task is not None:
            self.stats["coalesced"] += 1
            return task
        task = asyncio.ensure_future(self._ask(key, identity, password))
        self._inflight[key] = task
        task.add_done_callback(lambda done: self._asked(key, done))
        return task

    def _asked(self, key, task):
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            # retrieved here: a background re-check may have no awaiter left
            task.exception()

    async def _ask(self, key, identity, password):
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_timeout)
        except asyncio.TimeoutError:
            raise OdooUnavailable(
                "%s credential checks queued longer than %ss"
                % (len(self._inflight), self.queue_timeout)
            ) from None
        try:
            self.stats["odoo_calls"] += 1
            answer = await self.odoo.charger_credentials(identity, password)
        except OdooRejected as error:
            raise OdooUnavailable(str(error)) from None
        finally:
            self._slots.release()
        if not isinstance(answer, dict):
            raise OdooUnavailable("credentials answer is not an object")
        self._learn(key, identity, answer)
        return answer

    def _learn(self, key, identity, answer):
        if _accepts(answer):
            now = time.time()
            self._put(key, now, answer)
            self.outbox.cache_credential(
                identity, key[1], answer, now
            )  # durable, not awaited
            return
        if not answer.get("known"):
            digest = None
            revoked = [
                (identity, other) for other in self._by_identity.get(identity, ())
            ]
            if revoked:
                self.outbox.forget_credentials(identity)
        else:
            digest = key[1]
            revoked = [key] if key in self._entries else []
            if revoked:
                self.outbox.forget_credentials(identity, digest)
        for dropped in revoked:
            self._drop(dropped)
        if revoked:
            self.stats["revoked"] += 1
            _logger.warning(
                "event=credentials_revoked identity=%s known=%s",
                identity,
                bool(answer.get("known")),
            )
            if self.on_revoked is not None:
                self.on_revoked(identity, digest)

    def _put(self, key, checked_at, answer):  # accepted answers only
        self._entries[key] = (checked_at, answer)
        self._by_identity.setdefault(key[0], set()).add(key[1])
        if answer.get("heartbeat_interval"):
            self._heartbeat[key[0]] = int(answer["heartbeat_interval"])

    def _drop(self, key):
        if self._entries.pop(key, None) is not None:
            digests = self._by_identity.get(key[0])
            if digests is not None:
                digests.discard(key[1])
                if not digests:
                    del self._by_identity[key[0]]


class IdTagAuthorizer:
    """Authorize / StartTransaction idTag checks with an offline policy.

    ``AUTH_OFFLINE_POLICY``:
      * ``cache``  — the cached answer if fresh, else ``Invalid``
      * ``accept`` — the cached answer if fresh, else ``Accepted`` (free vend while Odoo
        is away)
      * ``reject`` — ``Invalid`` whenever Odoo cannot be asked

    The cache holds the ``size`` most recently answered idTags (least recently
    used out first), in memory and in the store.
    """

    def __init__(self, odoo, outbox, policy, ttl, size=10000):
        self.odoo = odoo
        self.outbox = outbox
        self.policy = policy
        self.ttl = ttl
        self.size = max(1, size)
        self._cache = OrderedDict()

    async def load(self):
        self._cache = OrderedDict(await self.outbox.load_id_tags(self.size))

    def _remember(self, id_tag, info, max_energy_wh):
        self._cache[id_tag] = (info, max_energy_wh, time.time())
        self._cache.move_to_end(id_tag)
        trim = len(self._cache) > self.size
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        # durable, not awaited; the table is trimmed when the memory cache is
        self.outbox.cache_id_tag(
            id_tag, info, max_energy_wh, self.size if trim else None
        )

    async def authorize(self, identity, id_tag, connector_id=None):
        """Returns ``(id_tag_info, max_energy_wh, online)``."""
        try:
            answer = await self.odoo.authorize(identity, id_tag, connector_id)
            info = answer.get("id_tag_info") or {"status": "Invalid"}
            info = {key: value for key, value in info.items() if value is not None}
            if "status" not in info:
                info["status"] = "Invalid"
            max_energy_wh = answer.get("max_energy_wh")
        except OdooRejected as error:
            _logger.warning(
                "event=authorize_rejected identity=%s id_tag=%s error=%s",
                identity,
                id_tag,
                error,
            )
            return {"status": "Invalid"}, None, True
        except OdooUnavailable as error:
            info, max_energy_wh = self.offline(id_tag)
            _logger.warning(
                "event=authorize_offline identity=%s id_tag=%s policy=%s status=%s "
                "error=%s",
                identity,
                id_tag,
                self.policy,
                info["status"],
                error,
            )
            return info, max_energy_wh, False
        self._remember(id_tag, info, max_energy_wh)
        return info, max_energy_wh, True

    def offline(self, id_tag):
        if self.policy == "reject":
            return {"status": "Invalid"}, None
        cached = self._cache.get(id_tag)
        if cached is not None and time.time() - cached[2] < self.ttl:
            self._cache.move_to_end(id_tag)
            return dict(cached[0]), cached[1]
        if self.policy == "accept":
            return {"status": "Accepted"}, None
        return {"status": "Invalid"}, None

    def cached_status(self, id_tag):
        cached = self._cache.get(id_tag)
        return dict(cached[0]) if cached else None
