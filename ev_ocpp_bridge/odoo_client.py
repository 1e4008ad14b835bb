"""HTTP client for the ev_billing routes (docs/bridge-protocol.md).

Every call has its own timeout. Synchronous questions (credentials, authorize)
are asked once with a short timeout — the caller falls back to its cache.
Event delivery is retried by the outbox with exponential backoff; the
idempotency ``key`` of each event makes those retries safe.
"""

import asyncio
import json
import logging

import aiohttp

_logger = logging.getLogger(__name__)

PREFIX = "/ev/ocpp/v1"


class OdooUnavailable(Exception):
    """Network error, timeout or 5xx: not applied, try again later."""


class OdooRejected(Exception):
    """4xx: Odoo understood and refused; retrying the same request won't help."""

    def __init__(self, status, error):
        super().__init__("HTTP %s %s" % (status, error))
        self.status = status
        self.error = error


class OdooClient:
    def __init__(self, config):
        self.config = config
        self.base_url = config.odoo_url.rstrip("/")
        self._session = None
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        if config.odoo_api_key:
            self._headers["Authorization"] = "Bearer %s" % config.odoo_api_key
        if config.odoo_db:
            self._headers["X-Odoo-Database"] = config.odoo_db
        self._params = {"db": config.odoo_db} if config.odoo_db else None

    async def open(self):
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=64, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, json_serialize=_dumps
            )

    async def close(self):
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, route, body, timeout):
        await self.open()
        url = self.base_url + PREFIX + route
        try:
            async with self._session.post(
                url,
                json=body,
                params=self._params,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise OdooUnavailable("%s: %s" % (type(error).__name__, error)) from None
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = None
        if status >= 500 or status in (408, 429) or answer is None:
            raise OdooUnavailable("HTTP %s from %s" % (status, route))
        if status >= 400:
            raise OdooRejected(
                status, answer.get("error") if isinstance(answer, dict) else answer
            )
        return answer

    async def charger_credentials(self, identity, password):
        return await self.post(
            "/charger/credentials",
            {"identity": identity, "password": password},
            self.config.credentials_timeout,
        )

    async def charger_unknown(self, reports):
        """Attempts of chargers Odoo does not know (see unknown.py)."""
        return await self.post(
            "/charger/unknown", {"chargers": reports}, self.config.credentials_timeout
        )

    async def authorize(self, identity, id_tag, connector_id=None):
        body = {"identity": identity, "id_tag": id_tag}
        if connector_id is not None:
            body["connector_id"] = connector_id
        return await self.post("/authorize", body, self.config.authorize_timeout)

    async def post_events(self, events):
        """Deliver a batch; returns the ``results`` list (one per event, same order)."""
        body = {
            "events": [
                {
                    "key": e["key"],
                    "identity": e["identity"],
                    "kind": e["kind"],
                    "occurred_at": e["occurred_at"],
                    "payload": e["payload"],
                }
                for e in events
            ]
        }
        answer = await self.post("/events", body, self.config.odoo_timeout)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(events):
            raise OdooUnavailable("events answer does not match the batch")
        return results


def _dumps(value):
    # strict JSON at the boundary: a NaN/Infinity that slipped through fails here,
    # in the bridge, instead of reaching Odoo as a body it cannot parse
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
