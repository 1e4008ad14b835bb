"""Long fuzz run: hostile and broken frames against a bridge process.

    python bench/bridge/fuzz_frames.py [--frames 100000] [--connections 10] [--seed 12]

Starts the bridge as a process (``python -m ev_ocpp_bridge``) against the strict
Odoo stub of the tests (it counts every body that is not strict JSON), opens
``--connections`` plain websocket connections (not the ``ocpp`` library) and
sends ``--frames`` random frames spread over them: OCPP CALLs with random
actions and payloads (huge and negative integers, NaN/Infinity literals and
strings, lone surrogates, broken timestamps), unsolicited CALLRESULTs and
CALLERRORs, deep nesting up to 60,000 levels, truncated JSON, random text and
bytes, plus real transactions (start, meter values with bad numbers, stop).
After each frame a Heartbeat probe must be answered; every answer received is
checked to be a legal OCPP 1.6 frame. Prints a JSON summary: frames, answers
by kind and CALLERROR code, InternalErrors, dropped connections, bridge RSS
before/after, bodies Odoo could not parse, events delivered, outbox left.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "bridge"))

from ocpp16_spec import LEGAL_16_CODES  # noqa: E402
from odoo_stub import API_KEY, DATABASE, OdooStub  # noqa: E402

ACTIONS = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "Authorize",
    "StartTransaction",
    "StopTransaction",
    "MeterValues",
    "DataTransfer",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "RemoteStartTransaction",
    "FlyToTheMoon",
]
FIELDS = [
    "connectorId",
    "idTag",
    "meterStart",
    "meterStop",
    "timestamp",
    "transactionId",
    "meterValue",
    "vendorId",
    "data",
    "status",
    "errorCode",
    "chargePointVendor",
    "chargePointModel",
]
NUMBER_STRINGS = ["NaN", "nan", "inf", "-Infinity", "1e400", "1e308", "12,5", "-0", ""]
TIMES = [
    "2026-11-25T01:00:00Z",
    "2026-11-25T08:00:00+07:00",
    "2026-12-01",
    "yesterday",
    "2026-02-30T00:00:00Z",
    "\udfff",
]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


class Frames:
    def __init__(self, rng):
        self.rng = rng

    def text(self):
        size = self.rng.randrange(0, 24)
        return "".join(
            chr(
                self.rng.choice(
                    [
                        self.rng.randrange(32, 127),
                        self.rng.randrange(0xD800, 0xE000),
                        self.rng.randrange(0, 0x10FFFF),
                    ]
                )
            )
            for _ in range(size)
        )

    def number(self):
        return self.rng.choice(
            [
                self.rng.randrange(-(2**70), 2**70),
                2**63,
                2**64,
                -(2**63) - 1,
                2**31,
                self.rng.random() * 1e6,
                float("nan"),
                float("inf"),
                self.rng.choice(NUMBER_STRINGS),
                self.rng.randrange(0, 5),
            ]
        )

    def value(self, depth=0):
        kind = self.rng.randrange(8 if depth < 3 else 5)
        if kind == 0:
            return None
        if kind == 1:
            return self.number()
        if kind == 2:
            return self.rng.choice(TIMES)
        if kind in (3, 4):
            return self.text()
        if kind == 5:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(3))]
        return self.payload(depth + 1)

    def payload(self, depth=0):
        return {
            self.rng.choice(FIELDS): self.value(depth)
            for _ in range(self.rng.randrange(6))
        }

    def meter_value(self):
        return [
            {
                "timestamp": self.rng.choice(TIMES),
                "sampledValue": [
                    {
                        "value": str(self.number()),
                        "unit": self.rng.choice(["Wh", "kWh"]),
                    }
                ],
            }
        ]

    def frame(self, transaction_id):
        kind = self.rng.randrange(12)
        unique = "f%s" % self.rng.randrange(10**9)
        if kind == 0:
            return json.dumps([2, unique, self.rng.choice(ACTIONS), self.payload()])
        if kind == 1:
            return json.dumps([3, unique, self.payload()])
        if kind == 2:
            return json.dumps([4, unique, self.text(), self.text(), {}])
        if kind == 3:  # nesting, up to the frame size limit (64 KiB)
            opener = self.rng.choice(["[", "{", '[2,"d","Heartbeat",'])
            depth = self.rng.choice([40, 1200, 20000, 60000])
            return opener * min(depth, 65000 // len(opener))
        if kind == 4:
            text = json.dumps([2, unique, self.rng.choice(ACTIONS), self.payload()])
            return text[: self.rng.randrange(len(text))]
        if kind == 5:
            return self.text()
        if kind == 6:
            return self.rng.randbytes(self.rng.randrange(64))
        if kind == 7:
            return json.dumps(
                [
                    2,
                    unique,
                    "StartTransaction",
                    {
                        "connectorId": self.rng.choice([1, 2, 2**31, -1]),
                        "idTag": self.rng.choice(["TAG-OK", "TAG-NO", "\udfffX"]),
                        "meterStart": self.rng.choice([0, 1000, 2**63]),
                        "timestamp": self.rng.choice(TIMES),
                    },
                ]
            )
        if kind == 8:
            return json.dumps(
                [
                    2,
                    unique,
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": transaction_id,
                        "meterValue": self.meter_value(),
                    },
                ]
            )
        if kind == 9:
            return json.dumps(
                [
                    2,
                    unique,
                    "StopTransaction",
                    {
                        "transactionId": self.rng.choice([transaction_id, 2**64, 5]),
                        "meterStop": self.rng.choice([2000, 2**63 - 1]),
                        "timestamp": self.rng.choice(TIMES),
                        "idTag": "TAG-OK",
                        "transactionData": self.meter_value(),
                    },
                ]
            )
        if kind == 10:
            return json.dumps(
                [
                    2,
                    unique,
                    "DataTransfer",
                    {"vendorId": self.rng.choice(["com.acme", "x" * 255]), "data": "d"},
                ]
            )
        return json.dumps(
            [
                2,
                unique,
                "StatusNotification",
                {
                    "connectorId": 1,
                    "errorCode": "NoError",
                    "status": "Charging",
                    "timestamp": self.rng.choice(TIMES),
                },
            ]
        )


async def drive(url, identity, frames, count, stats):
    token = base64.b64encode(("%s:secret" % identity).encode()).decode()
    ws = await websockets.connect(
        "%s/%s" % (url, identity),
        subprotocols=["ocpp1.6"],
        additional_headers={"Authorization": "Basic " + token},
        max_size=None,
    )
    transaction_id = 0
    try:
        for index in range(count):
            frame = frames.frame(transaction_id)
            if isinstance(frame, str):
                # a text frame is UTF-8 on the wire (RFC 6455 closes the connection
                # otherwise): lone surrogates travel as JSON escapes
                frame = frame.encode("utf-8", "backslashreplace").decode("utf-8")
            await ws.send(frame)
            probe = "probe-%s" % index
            await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
            stats["frames"] += 1
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if message[1] == probe:
                    break
                if message[0] == 3:
                    stats["callresult"] += 1
                    if "transactionId" in message[2]:
                        transaction_id = message[2]["transactionId"]
                elif (
                    message[0] == 4
                    and message[2] in LEGAL_16_CODES
                    and len(message) == 5
                ):
                    stats[message[2]] += 1
                else:
                    stats["illegal_answer"] += 1
    except websockets.ConnectionClosed:
        stats["connections_dropped"] += 1
    finally:
        await ws.close()


async def main(args):
    stub = await OdooStub().start()
    for number in range(args.connections):
        stub.add_charger("CP-%s" % number, "secret")
    stub.add_tag("TAG-OK")
    workdir = tempfile.mkdtemp(prefix="ev-fuzz-")
    env = dict(
        os.environ,
        ODOO_URL=stub.url,
        ODOO_DB=DATABASE,
        ODOO_API_KEY=API_KEY,
        OCPP_HOST="127.0.0.1",
        OCPP_PORT=str(args.port),
        COMMAND_HOST="127.0.0.1",
        COMMAND_PORT=str(args.port + 1),
        COMMAND_TOKEN="t",
        OUTBOX_PATH=os.path.join(workdir, "fuzz.sqlite"),
        OUTBOX_SYNCHRONOUS="NORMAL",
        METER_FLUSH_SECONDS="2",
        OCPP_PING_INTERVAL="0",
        DATA_TRANSFER_VENDORS="com.acme",
        LOG_LEVEL="ERROR",
    )
    bridge = subprocess.Popen([sys.executable, "-m", "ev_ocpp_bridge"], env=env)
    url = "ws://127.0.0.1:%s/ocpp" % args.port
    for _ in range(100):
        try:
            async with websockets.connect(url + "/CP-0", subprotocols=["ocpp1.6"]):
                pass
        except OSError:
            await asyncio.sleep(0.1)  # not listening yet
        except websockets.InvalidHandshake:
            break  # listening (and refusing a charger without a password)
        else:
            break
    stats = Counter()
    rng = random.Random(args.seed)
    per_connection = args.frames // args.connections
    # warm-up: 1,000 frames before the first RSS reading
    await drive(url, "CP-0", Frames(random.Random(rng.random())), 1000, Counter())
    rss_before = rss_kb(bridge.pid)
    started = time.time()
    await asyncio.gather(
        *(
            drive(
                url,
                "CP-%s" % number,
                Frames(random.Random(rng.random())),
                per_connection,
                stats,
            )
            for number in range(args.connections)
        )
    )
    elapsed = time.time() - started
    rss_after = rss_kb(bridge.pid)
    alive = bridge.poll() is None
    # let the outbox drain into the stub
    deadline = time.time() + 60
    delivered_before = -1
    while time.time() < deadline:
        await asyncio.sleep(3)
        if len(stub.deliveries) == delivered_before:
            break
        delivered_before = len(stub.deliveries)
    bridge.send_signal(signal.SIGTERM)
    bridge.wait(30)
    import sqlite3

    left = (
        sqlite3.connect(env["OUTBOX_PATH"])
        .execute("SELECT count(*) FROM event")
        .fetchone()[0]
    )
    dead = (
        sqlite3.connect(env["OUTBOX_PATH"])
        .execute("SELECT count(*) FROM dead_letter")
        .fetchone()[0]
    )
    await stub.close()
    summary = {
        "frames": stats.pop("frames"),
        "connections": args.connections,
        "seconds": round(elapsed, 1),
        "bridge_alive_at_end": alive,
        "connections_dropped": stats.pop("connections_dropped", 0),
        "illegal_answers": stats.pop("illegal_answer", 0),
        "internal_errors": stats.get("InternalError", 0),
        "callresults": stats.pop("callresult", 0),
        "callerrors": dict(sorted(stats.items())),
        "rss_kb_after_warmup": rss_before,
        "rss_kb_after_run": rss_after,
        "odoo_bodies_not_strict_json": stub.invalid_bodies,
        "events_delivered": len(stub.deliveries),
        "outbox_left": left,
        "dead_letters": dead,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--port", type=int, default=9131)
    asyncio.run(main(parser.parse_args()))
