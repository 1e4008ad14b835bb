"""Lean OCPP load generator: raw websockets, pre-built frames, several processes.

Modes:
  busy   — every charger sends MeterValues back to back (one in flight per
           charger, as OCPP requires) for --seconds; reports calls/s and reply
           latency percentiles.
  idle   — connect --chargers chargers, BootNotification once, then hold the
           connections open for --seconds (the server's memory is measured
           from outside).
  storm  — connect all chargers (--concurrency in flight per process), drop
           them all (or, with --go-file, wait until the server drops them:
           a bridge restart), reconnect all at once (+ BootNotification) and
           report how long until every one is connected and booted, errors,
           and the load generator's own CPU time.

Identities are ``<prefix><n>``; password ``--password`` (Basic auth).
Output: one JSON line on stdout.
"""

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time

import websockets

METER_PAYLOAD = json.dumps(
    {
        "connectorId": 1,
        "transactionId": 1,
        "meterValue": [
            {
                "timestamp": "2026-11-25T01:00:00Z",
                "sampledValue": [
                    {
                        "value": "12345.6",
                        "measurand": "Energy.Active.Import.Register",
                        "unit": "Wh",
                    },
                    {
                        "value": "7200.0",
                        "measurand": "Power.Active.Import",
                        "unit": "W",
                    },
                ],
            }
        ],
    },
    separators=(",", ":"),
)
BOOT_FRAME = (
    '[2,"boot","BootNotification",'
    '{"chargePointVendor":"Bench","chargePointModel":"B1"}]'
)


def raise_nofile():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def open_charger(url, identity, password):
    headers = {
        "Authorization": "Basic "
        + base64.b64encode(("%s:%s" % (identity, password)).encode()).decode()
    }
    return await websockets.connect(
        "%s/%s" % (url, identity),
        subprotocols=["ocpp1.6"],
        additional_headers=headers,
        compression=None,
        ping_interval=None,
        open_timeout=120,
        max_queue=4,
    )


async def busy_charger(ws, stop_at, latencies, prefix, suffix, warmup_until):
    n = 0
    perf = time.perf_counter
    send, recv = ws.send, ws.recv
    count = 0
    while True:
        now = perf()
        if now >= stop_at:
            return count
        n += 1
        await send(prefix + str(n) + suffix)
        await recv()
        done = perf()
        if now >= warmup_until:
            latencies.append(done - now)
            count += 1


async def worker_main(args, first, count, queue):
    raise_nofile()
    identities = ["%s%05d" % (args.prefix, i) for i in range(first, first + count)]
    result = {"connected": 0, "errors": 0, "calls": 0, "latencies": []}
    t0 = time.perf_counter()
    sem = asyncio.Semaphore(args.concurrency)

    async def connect_one(identity):
        async with sem:
            try:
                ws = await open_charger(args.url, identity, args.password)
                await ws.send(BOOT_FRAME)
                reply = json.loads(await ws.recv())
                if reply[0] != 3:
                    raise RuntimeError(reply)
                return ws
            except Exception as error:  # noqa: BLE001
                result["errors"] += 1
                if result["errors"] < 3:
                    print("connect error %s: %r" % (identity, error), file=sys.stderr)
                return None

    sockets = [
        ws
        for ws in await asyncio.gather(*(connect_one(i) for i in identities))
        if ws is not None
    ]
    result["connected"] = len(sockets)
    result["connect_seconds"] = time.perf_counter() - t0
    queue.put(("connected", len(sockets)))
    if args.mode == "busy":
        start = time.perf_counter()
        stop_at = start + args.warmup + args.seconds
        warmup_until = start + args.warmup
        latencies = []
        counts = await asyncio.gather(
            *(
                busy_charger(
                    ws,
                    stop_at,
                    latencies,
                    '[2,"%d-' % k,
                    '","MeterValues",' + METER_PAYLOAD + "]",
                    warmup_until,
                )
                for k, ws in enumerate(sockets)
            )
        )
        result["calls"] = sum(counts)
        result["latencies"] = latencies
    elif args.mode == "idle":
        await asyncio.sleep(args.seconds)
    elif args.mode == "storm":
        if args.go_file:
            # the bridge is restarted: it closes every
            # connection, then all reconnect at once
            await asyncio.gather(
                *(ws.wait_closed() for ws in sockets), return_exceptions=True
            )
            queue.put(("dropped", len(sockets)))
            while not os.path.exists(args.go_file):
                await asyncio.sleep(0.02)
        else:
            # every charger drops at once (a network blip / LB
            # restart) and reconnects at once
            await asyncio.gather(
                *(ws.close() for ws in sockets), return_exceptions=True
            )
        errors_before = result["errors"]
        sem = asyncio.Semaphore(len(identities))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["cpu_before_reconnect"] = usage.ru_utime + usage.ru_stime
        t1 = time.perf_counter()
        sockets = [
            ws
            for ws in await asyncio.gather(*(connect_one(i) for i in identities))
            if ws is not None
        ]
        result["reconnect_seconds"] = time.perf_counter() - t1
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["reconnect_cpu_seconds"] = (
            usage.ru_utime + usage.ru_stime - result["cpu_before_reconnect"]
        )
        result["reconnected"] = len(sockets)
        result["reconnect_errors"] = result["errors"] - errors_before
        await asyncio.sleep(
            args.seconds
        )  # hold the reconnected chargers (the server's background work)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    queue.put(("result", result))


def worker(args, first, count, queue):
    asyncio.run(worker_main(args, first, count, queue))


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp")
    parser.add_argument("--mode", choices=["busy", "idle", "storm"], default="busy")
    parser.add_argument("--chargers", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--prefix", default="BENCH-")
    parser.add_argument("--password", default="secret")
    parser.add_argument(
        "--go-file",
        help="storm: wait for the server to drop every connection (a bridge restart),"
        " then reconnect all at once when this file exists",
    )
    parser.add_argument(
        "--concurrency", type=int, default=1000, help="connects in flight per process"
    )
    args = parser.parse_args()
    raise_nofile()
    queue = multiprocessing.Queue()
    per = [
        args.chargers // args.processes
        + (1 if i < args.chargers % args.processes else 0)
        for i in range(args.processes)
    ]
    procs, first = [], 1
    t0 = time.perf_counter()
    for count in per:
        proc = multiprocessing.Process(target=worker, args=(args, first, count, queue))
        proc.start()
        procs.append(proc)
        first += count
    results, connected, dropped = [], 0, 0
    while len(results) < len(procs):
        kind, value = queue.get()
        if kind == "dropped":
            dropped += 1
            if dropped == len(procs):
                print(json.dumps({"event": "dropped"}), flush=True)
        elif kind == "connected":
            connected += 1
            if connected == len(procs):
                all_connected = time.perf_counter() - t0
                if args.mode == "idle" or args.go_file:
                    print(
                        json.dumps(
                            {
                                "event": "all_connected",
                                "seconds": round(all_connected, 2),
                            }
                        ),
                        flush=True,
                    )
        else:
            results.append(value)
    for proc in procs:
        proc.join()
    latencies = sorted(x for r in results for x in r["latencies"])
    out = {
        "mode": args.mode,
        "chargers": args.chargers,
        "processes": args.processes,
        "connected": sum(r["connected"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "connect_seconds": round(max(r["connect_seconds"] for r in results), 3),
    }
    if args.mode == "storm":
        out.update(
            {
                "loadgen_cpu_seconds": round(sum(r["cpu_seconds"] for r in results), 1),
                "loadgen_reconnect_cpu_seconds": round(
                    sum(r["reconnect_cpu_seconds"] for r in results), 1
                ),
                "reconnected": sum(r["reconnected"] for r in results),
                "reconnect_errors": sum(r["reconnect_errors"] for r in results),
                "reconnect_seconds": round(
                    max(r["reconnect_seconds"] for r in results), 2
                ),
            }
        )
    if args.mode == "busy":
        calls = sum(r["calls"] for r in results)
        out.update(
            {
                "seconds": args.seconds,
                "calls": calls,
                "calls_per_s": round(calls / args.seconds, 1),
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 2)
                if latencies
                else None,
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 2)
                if latencies
                else None,
                "mean_ms": round(statistics.fmean(latencies) * 1000, 2)
                if latencies
                else None,
            }
        )
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
