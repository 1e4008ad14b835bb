"""Who may connect (charger credentials) and who may charge (idTags).

Both ask Odoo with a short timeout and keep a cache for when Odoo is away.
"""

import hashlib
import logging
import time

from .odoo_client import OdooRejected, OdooUnavailable

_logger = logging.getLogger(__name__)


class CredentialCache:
    """Answers of ``/charger/credentials``, keyed by identity and a hash of the
    password (the password itself is never kept). A stale entry is still used
    when Odoo cannot be reached, so a bridge restart during an Odoo outage
    does not lock out chargers it already knew."""

    def __init__(self, odoo, ttl):
        self.odoo = odoo
        self.ttl = ttl
        self._entries = {}

    @staticmethod
    def _key(identity, password):
        digest = hashlib.sha256(("%s\x00%s" % (identity, password)).encode("utf-8")).hexdigest()
        return identity, digest

    async def check(self, identity, password):
        key = self._key(identity, password)
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        try:
            answer = await self.odoo.charger_credentials(identity, password)
        except (OdooUnavailable, OdooRejected) as error:
            if entry is not None:
                _logger.warning("event=credentials_stale identity=%s error=%s", identity, error)
                return entry[1]
            raise OdooUnavailable(str(error)) from None
        self._entries[key] = (now, answer)
        return answer

    def heartbeat_interval(self, identity, default):
        for (entry_identity, _digest), (_at, answer) in self._entries.items():
            if entry_identity == identity and answer.get("heartbeat_interval"):
                return int(answer["heartbeat_interval"])
        return default


class IdTagAuthorizer:
    """Authorize / StartTransaction idTag checks with an offline policy.

    ``AUTH_OFFLINE_POLICY``:
      * ``cache``  — the cached answer if fresh, else ``Invalid``
      * ``accept`` — the cached answer if fresh, else ``Accepted`` (free vend while Odoo is away)
      * ``reject`` — ``Invalid`` whenever Odoo cannot be asked
    """

    def __init__(self, odoo, outbox, policy, ttl):
        self.odoo = odoo
        self.outbox = outbox
        self.policy = policy
        self.ttl = ttl
        self._cache = {}

    async def load(self):
        self._cache = await self.outbox.load_id_tags()

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
            _logger.warning("event=authorize_rejected identity=%s id_tag=%s error=%s", identity, id_tag, error)
            return {"status": "Invalid"}, None, True
        except OdooUnavailable as error:
            info, max_energy_wh = self.offline(id_tag)
            _logger.warning("event=authorize_offline identity=%s id_tag=%s policy=%s status=%s error=%s",
                            identity, id_tag, self.policy, info["status"], error)
            return info, max_energy_wh, False
        self._cache[id_tag] = (info, max_energy_wh, time.time())
        self.outbox.cache_id_tag(id_tag, info, max_energy_wh)  # durable, not awaited
        return info, max_energy_wh, True

    def offline(self, id_tag):
        if self.policy == "reject":
            return {"status": "Invalid"}, None
        cached = self._cache.get(id_tag)
        if cached is not None and time.time() - cached[2] < self.ttl:
            return dict(cached[0]), cached[1]
        if self.policy == "accept":
            return {"status": "Accepted"}, None
        return {"status": "Invalid"}, None

    def cached_status(self, id_tag):
        cached = self._cache.get(id_tag)
        return dict(cached[0]) if cached else None
