"""Machine routes of ev_ocpp_bridge (docs/bridge-protocol.md).

The bridge signs in with an API key of the technical user in ``group_ev_bridge``
(``auth='bearer'``); the work then runs as superuser, scoped to what the route does.
"""

import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import fields, http
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_EVENTS_PER_CALL = 500
MAX_UNKNOWN_PER_CALL = 100


def _has_nul(value):
    """Whether a NUL character hides in any string (key or value) of a JSON body."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class EvOcppController(http.Controller):
    # Routes take **query: the bridge also names the database as ?db= for proxies that
    # route on it.

    def _bridge_env(self):
        if not request.env.user.has_group("ev_billing.group_ev_bridge"):
            raise Forbidden("This API key does not belong to the EV OCPP bridge user.")
        return request.env(su=True)

    def _json_body(self):
        try:
            body = json.loads(request.httprequest.get_data() or b"{}")
        except ValueError as e:
            raise BadRequest(f"Body is not JSON: {e}") from e
        if not isinstance(body, dict):
            raise BadRequest("Body must be a JSON object.")
        if _has_nul(body):
            # PostgreSQL refuses NUL in text: answer it as the bad input it is, not 500
            raise BadRequest("Strings must not contain NUL characters.")
        return body

    @http.route(
        "/ev/ocpp/v1/events",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def events(self, **query):
        env = self._bridge_env()
        events = self._json_body().get("events")
        if not isinstance(events, list) or len(events) > MAX_EVENTS_PER_CALL:
            raise BadRequest(
                f"'events' must be a list of at most {MAX_EVENTS_PER_CALL} events."
            )
        results = env["ev.ocpp.event"]._ingest(events)
        if len(results) < len(events):
            # Applied so far is committed; the rest is retried by the bridge (exactly-
            # once by key).
            return request.make_json_response(
                {
                    "error": {
                        "code": "concurrent_delivery",
                        "message": f"event {events[len(results)].get('key')} "
                        "is being applied by another request",
                    },
                    "results": results,
                },
                status=409,
            )
        return request.make_json_response({"results": results})

    @http.route(
        "/ev/ocpp/v1/authorize",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def authorize(self, **query):
        env = self._bridge_env()
        body = self._json_body()
        answer = env["ev.id.tag"]._ocpp_authorize(
            body.get("identity"), body.get("id_tag"), body.get("connector_id")
        )
        return request.make_json_response(answer)

    @http.route(
        "/ev/ocpp/v1/charger/credentials",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def charger_credentials(self, **query):
        env = self._bridge_env()
        body = self._json_body()
        charger = env["ev.charger"].search(
            [("identity", "=", body.get("identity") or "")], limit=1
        )
        if not charger:
            return request.make_json_response({"known": False, "accepted": False})
        return request.make_json_response(
            {
                "known": True,
                "accepted": charger._check_password(body.get("password")),
                "heartbeat_interval": charger.heartbeat_interval,
                "security_profile": 1 if charger.password_hash else 0,
                "checked_at": fields.Datetime.to_string(fields.Datetime.now()),
            }
        )

    @http.route(
        "/ev/ocpp/v1/charger/unknown",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def charger_unknown(self, **query):
        """Attempts of identities Odoo does not know; an Administrator registers them
        from EV Charging > Management > Unknown Chargers."""
        env = self._bridge_env()
        reports = self._json_body().get("chargers")
        if not isinstance(reports, list) or len(reports) > MAX_UNKNOWN_PER_CALL:
            raise BadRequest(
                f"'chargers' must be a list of at most {MAX_UNKNOWN_PER_CALL} reports."
            )
        # the bridge's company: an unknown charger belongs to nobody yet
        unknown = env["ev.charger.request"].with_company(request.env.user.company_id)
        return request.make_json_response(
            {"results": unknown._ocpp_record_attempts(reports)}
        )
