"""A small in-process stand-in for Odoo's side of docs/bridge-protocol.md.

It implements the three bridge -> Odoo routes exactly as the protocol doc
describes them (bearer key, database header, dedup on ``key`` returning the
first result again, ``status: error`` for a bad payload) and records every
request, so the bridge's unit tests can check what reached "Odoo".

This is NOT Odoo: the real end-to-end tests against Odoo 18 with the
ev_billing addon live in ``tests/e2e`` (written by another engineer).
"""

import asyncio
import inspect
import json

from aiohttp import web

API_KEY = "test-api-key"
DATABASE = "evdb"
PREFIX = "/ev/ocpp/v1"


class OdooStub:
    def __init__(self):
        # identity -> {"password": str or None, "heartbeat_interval": int,
        # "allow_no_password": bool}
        self.chargers = {}
        # id_tag -> {"status": ..., "max_energy_wh": ...}
        self.id_tags = {}
        self.applied = {}  # key -> result (what Odoo stores with its unique constraint)
        self.events = []  # events applied the first time, in arrival order
        self.deliveries = []  # every event received, duplicates included
        self.requests = []  # (route, body)
        self.down = False  # answer 503 to everything
        self.events_down = (
            False  # answer 503 to /events only (credentials/authorize still work)
        )
        self.authorize_delay = 0.0
        self.credentials_delay = 0.0
        self.credentials_gate = (
            None  # an asyncio.Event: credential answers wait until it is set
        )
        self.credentials_in_flight = 0  # credential calls being answered now
        self.credentials_most_in_flight = 0
        self.stop_transactions = set()  # meter_values for these -> {"stop": true}
        # id_tag -> max_energy_wh in the start_transaction answer
        self.session_max_energy = {}
        self.bad_kinds = set()  # kinds answered with status error
        self.unknown_reports = []  # what /charger/unknown received
        self.invalid_bodies = 0  # bodies that were not strict JSON (must stay 0)
        self._sessions = 0
        self._runner = None
        self.url = None

    def add_charger(
        self,
        identity,
        password="secret",
        heartbeat_interval=120,
        allow_no_password=False,
    ):
        self.chargers[identity] = {
            "password": password,
            "heartbeat_interval": heartbeat_interval,
            "allow_no_password": allow_no_password,
        }

    def add_tag(self, tag, status="Accepted", max_energy_wh=None):
        self.id_tags[tag] = {"status": status, "max_energy_wh": max_energy_wh}

    # -- server --------------------------------------------------------------

    async def start(self):
        app = web.Application()
        app.router.add_post(PREFIX + "/charger/credentials", self._credentials)
        app.router.add_post(PREFIX + "/authorize", self._authorize)
        app.router.add_post(PREFIX + "/events", self._events)
        app.router.add_post(PREFIX + "/charger/unknown", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = "http://127.0.0.1:%s" % port
        return self

    async def close(self):
        if self._runner is not None:
            await self._runner.cleanup()

    async def _guard(self, request, route):
        # strict, as Odoo's json.loads of a PostgreSQL-bound payload must be: no
        # NaN/Infinity, no lone surrogates
        try:
            body = json.loads(await request.text(), parse_constant=_not_json)
            if _has_surrogate(body):
                raise ValueError("lone surrogate")
        except ValueError:
            self.invalid_bodies += 1
            raise web.HTTPBadRequest(
                text=json.dumps({"error": {"code": "json", "message": "bad"}}),
                content_type="application/json",
            ) from None
        self.requests.append((route, body))
        if self.down:
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": {"code": "down", "message": "maintenance"}}),
                content_type="application/json",
            )
        if request.headers.get("Authorization") != "Bearer %s" % API_KEY:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": {"code": "auth", "message": "bad key"}}),
                content_type="application/json",
            )
        if (
            request.headers.get("X-Odoo-Database") != DATABASE
            or request.query.get("db") != DATABASE
        ):
            raise web.HTTPBadRequest(
                text=json.dumps({"error": {"code": "db", "message": "no db"}}),
                content_type="application/json",
            )
        return body

    async def _credentials(self, request):
        body = await self._guard(request, "credentials")
        self.credentials_in_flight += 1
        self.credentials_most_in_flight = max(
            self.credentials_most_in_flight, self.credentials_in_flight
        )
        try:
            if self.credentials_delay:
                await asyncio.sleep(self.credentials_delay)
            if self.credentials_gate is not None:
                await self.credentials_gate.wait()
        finally:
            self.credentials_in_flight -= 1
        charger = self.chargers.get(body["identity"])
        if charger is None:
            return web.json_response({"known": False, "accepted": False})
        if charger["password"] is None or (
            charger["allow_no_password"] and body.get("password") is None
        ):
            accepted = True
        else:
            accepted = body.get("password") == charger["password"]
        return web.json_response(
            {
                "known": True,
                "accepted": accepted,
                "heartbeat_interval": charger["heartbeat_interval"],
                "security_profile": 1,
            }
        )

    async def _unknown(self, request):
        body = await self._guard(request, "unknown")
        self.unknown_reports.extend(body["chargers"])
        return web.json_response(
            {
                "results": [
                    {"identity": report["identity"], "known": False}
                    for report in body["chargers"]
                ]
            }
        )

    async def _authorize(self, request):
        body = await self._guard(request, "authorize")
        if self.authorize_delay:
            await asyncio.sleep(self.authorize_delay)
        tag = self.id_tags.get(body["id_tag"])
        if tag is None:
            return web.json_response(
                {
                    "id_tag_info": {
                        "status": "Invalid",
                        "expiry_date": None,
                        "parent_id_tag": None,
                    },
                    "max_energy_wh": None,
                }
            )
        return web.json_response(
            {
                "id_tag_info": {
                    "status": tag["status"],
                    "expiry_date": None,
                    "parent_id_tag": None,
                },
                "max_energy_wh": tag["max_energy_wh"],
            }
        )

    async def _events(self, request):
        body = await self._guard(request, "events")
        if self.events_down:
            raise web.HTTPServiceUnavailable(text="{}", content_type="application/json")
        results = []
        for event in body["events"]:
            self.deliveries.append(event)
            key = event["key"]
            if key in self.applied:
                results.append(dict(self.applied[key], duplicate=True))
                continue
            if event["kind"] in self.bad_kinds:
                results.append(
                    {
                        "key": key,
                        "status": "error",
                        "error": {"code": "bad_payload", "message": "refused"},
                    }
                )
                continue
            result = {
                "key": key,
                "status": "ok",
                "duplicate": False,
                "data": self._data(event),
            }
            self.applied[key] = result
            self.events.append(event)
            results.append(result)
        return web.json_response({"results": results})

    def _data(self, event):
        payload = event["payload"]
        if event["kind"] == "start_transaction":
            self._sessions += 1
            return {
                "session_id": self._sessions,
                "max_energy_wh": self.session_max_energy.get(payload["id_tag"]),
            }
        if (
            event["kind"] == "meter_values"
            and payload.get("transaction_id") in self.stop_transactions
        ):
            return {"stop": True}
        return {}

    # -- helpers for tests -----------------------------------------------------

    def credential_checks(self, identity=None):
        return [
            body
            for route, body in self.requests
            if route == "credentials"
            and (identity is None or body["identity"] == identity)
        ]

    def kinds(self, identity=None):
        return [
            e["kind"]
            for e in self.events
            if identity is None or e["identity"] == identity
        ]

    def of_kind(self, kind, identity=None):
        return [
            e
            for e in self.events
            if e["kind"] == kind and (identity is None or e["identity"] == identity)
        ]


def _not_json(name):
    raise ValueError("%s is not JSON" % name)


def _has_surrogate(value):
    if isinstance(value, str):
        return any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False


async def wait_for(predicate, timeout=20.0, interval=0.02):
    """Poll until ``predicate()`` is true (it may return an awaitable); fail
    the test after ``timeout`` s. (A deadline for a condition, not a timing
    assert.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        await asyncio.sleep(interval)


async def outbox_drained(bridge):
    """Predicate for ``wait_for``: every event of ``bridge`` is delivered
    (Odoo answers before the bridge marks a batch delivered)."""
    return await bridge.outbox.pending_count() == 0
