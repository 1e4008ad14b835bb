"""Baseline: the bare PyPI ``ocpp`` 2.1.0 central system with no-op handlers,
in the shape of mobilityhouse/ocpp examples/v21/central_system.py (v16 names).
No auth, no persistence: the cheapest thing the library can do."""

import asyncio
import logging
import os
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as cp
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus

logging.basicConfig(level=logging.WARNING)


class ChargePoint(cp):
    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor, charge_point_model, **kwargs):
        return call_result.BootNotification(
            current_time=datetime.now(timezone.utc).isoformat(),
            interval=300,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **kwargs):
        return call_result.Heartbeat(
            current_time=datetime.now(timezone.utc).isoformat()
        )

    @on(Action.meter_values)
    def on_meter_values(self, connector_id, meter_value, **kwargs):
        return call_result.MeterValues()


async def on_connect(websocket):
    if "ocpp1.6" not in websocket.request.headers.get("Sec-WebSocket-Protocol", ""):
        return await websocket.close()
    if websocket.subprotocol != "ocpp1.6":
        return await websocket.close()
    charge_point_id = websocket.request.path.strip("/").split("/")[-1]
    try:
        await ChargePoint(charge_point_id, websocket).start()
    except websockets.ConnectionClosed:
        pass


async def main():
    port = int(os.environ.get("OCPP_PORT", "9100"))
    server = await websockets.serve(
        on_connect,
        "127.0.0.1",
        port,
        subprotocols=["ocpp1.6"],
        compression=None,
        ping_interval=None,
    )
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    import resource

    resource.setrlimit(
        resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2
    )
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
