"""Odoo stand-in for benchmarks: every charger is known, every password and
idTag accepted, every event ``ok``. Counts events and credential checks it
received (GET /stats). ``STUB_CREDENTIALS_DELAY`` (s) makes credential answers slow."""

import asyncio
import os

from aiohttp import web

received = {"events": 0, "calls": 0, "credentials": 0}
CREDENTIALS_DELAY = float(
    os.environ.get("STUB_CREDENTIALS_DELAY", "0")
)  # play a slower Odoo


async def credentials(request):
    received["credentials"] += 1
    if CREDENTIALS_DELAY:
        await asyncio.sleep(CREDENTIALS_DELAY)
    return web.json_response(
        {
            "known": True,
            "accepted": True,
            "heartbeat_interval": 300,
            "security_profile": 1,
        }
    )


async def authorize(request):
    return web.json_response(
        {"id_tag_info": {"status": "Accepted"}, "max_energy_wh": None}
    )


async def events(request):
    body = await request.json()
    received["events"] += len(body["events"])
    received["calls"] += 1
    return web.json_response(
        {
            "results": [
                {"key": e["key"], "status": "ok", "duplicate": False, "data": {}}
                for e in body["events"]
            ]
        }
    )


async def stats(request):
    return web.json_response(received)


async def main():
    app = web.Application()
    app.router.add_post("/ev/ocpp/v1/charger/credentials", credentials)
    app.router.add_post("/ev/ocpp/v1/authorize", authorize)
    app.router.add_post("/ev/ocpp/v1/events", events)
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(
        runner, "127.0.0.1", int(os.environ.get("STUB_PORT", "8169"))
    ).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
