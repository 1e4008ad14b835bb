"""Run the bridge benchmarks (loopback only, each run bounded to < 3 min).

    python bench/bridge/run_bench.py throughput [--chargers 100 1000] [--seconds 15]
    python bench/bridge/run_bench.py idle [--chargers 1000 5000 10000]
    python bench/bridge/run_bench.py storm [--chargers 10000] [--restart] \\
        [--cache-seconds 0] [--credentials-delay 0.02]

throughput: (a) the bare ``ocpp`` library central system with no-op handlers
and (b) ev_ocpp_bridge persisting every MeterValues to its SQLite outbox
(synchronous=FULL, group commit; Odoo played by an accept-all stub), driven by
the same load generator in the same run. Prints a JSON summary per run.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
STUB_PORT = 8169
BARE_PORT = 9100
BRIDGE_PORT = 9101
COMMAND_PORT = 8191


def raise_nofile():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def wait_port_ready(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise RuntimeError("not ready: %s" % url)


def start_stub(credentials_delay=0.0):
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "odoo_accept_stub.py")],
        env=dict(
            os.environ,
            STUB_PORT=str(STUB_PORT),
            STUB_CREDENTIALS_DELAY=str(credentials_delay),
        ),
        stdout=subprocess.PIPE,
        text=True,
    )
    proc.stdout.readline()
    return proc


def start_bare():
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "bare_central_system.py")],
        env=dict(os.environ, OCPP_PORT=str(BARE_PORT)),
        stdout=subprocess.PIPE,
        text=True,
    )
    proc.stdout.readline()
    return proc, "ws://127.0.0.1:%d/ocpp" % BARE_PORT


def start_bridge(workdir, synchronous="FULL", **extra_env):
    env = dict(
        os.environ,
        ODOO_URL="http://127.0.0.1:%d" % STUB_PORT,
        ODOO_DB="bench",
        ODOO_API_KEY="k",
        OCPP_HOST="127.0.0.1",
        OCPP_PORT=str(BRIDGE_PORT),
        COMMAND_HOST="127.0.0.1",
        COMMAND_PORT=str(COMMAND_PORT),
        COMMAND_TOKEN="t",
        OUTBOX_PATH=os.path.join(workdir, "bench.sqlite"),
        OUTBOX_SYNCHRONOUS=synchronous,
        LOG_LEVEL="WARNING",
        OCPP_PING_INTERVAL="0",
        METER_FLUSH_SECONDS="5",
        **extra_env,
    )
    proc = subprocess.Popen([PY, "-m", "ev_ocpp_bridge"], env=env)
    wait_port_ready("http://127.0.0.1:%d/health" % COMMAND_PORT)
    return proc, "ws://127.0.0.1:%d/ocpp" % BRIDGE_PORT


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def loadgen(
    url,
    mode,
    chargers,
    seconds,
    processes=2,
    warmup=3,
    on_connected=None,
    concurrency=1000,
    go_file=None,
):
    cmd = [
        PY,
        os.path.join(HERE, "loadgen.py"),
        "--url",
        url,
        "--mode",
        mode,
        "--chargers",
        str(chargers),
        "--seconds",
        str(seconds),
        "--processes",
        str(processes),
        "--warmup",
        str(warmup),
        "--concurrency",
        str(concurrency),
    ]
    if go_file:
        cmd += ["--go-file", go_file]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    result = None
    for line in proc.stdout:
        data = json.loads(line)
        if data.get("event") == "all_connected":
            if on_connected:
                on_connected(data)
        elif data.get("event") == "dropped":
            pass
        else:
            result = data
    proc.wait()
    return result


def throughput(args):
    stub = start_stub()
    results = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for chargers in args.chargers:
                for name in (
                    "bare",
                    "bridge",
                ) * args.rounds:  # interleaved: a noisy neighbour hits both
                    proc, url = (
                        start_bare()
                        if name == "bare"
                        else start_bridge(workdir, args.synchronous)
                    )
                    try:
                        result = loadgen(
                            url, "busy", chargers, args.seconds, args.processes
                        )
                    finally:
                        stop(proc)
                    result["server"] = name
                    results.append(result)
                    print(json.dumps(result), flush=True)
    finally:
        stop(stub)
    for chargers in args.chargers:

        def median(server, field, chargers=chargers):
            values = sorted(
                r[field]
                for r in results
                if r["server"] == server and r["chargers"] == chargers
            )
            return values[len(values) // 2]

        bare, ours = median("bare", "calls_per_s"), median("bridge", "calls_per_s")
        print(
            json.dumps(
                {
                    "summary": "median of %d rounds" % args.rounds,
                    "chargers": chargers,
                    "ratio_bridge_over_bare": round(ours / bare, 2),
                    "bare_calls_per_s": bare,
                    "bridge_calls_per_s": ours,
                    "bridge_p50_ms": median("bridge", "p50_ms"),
                    "bridge_p99_ms": median("bridge", "p99_ms"),
                    "bare_p50_ms": median("bare", "p50_ms"),
                    "bare_p99_ms": median("bare", "p99_ms"),
                }
            ),
            flush=True,
        )


def idle(args):
    stub = start_stub()
    try:
        for chargers in args.chargers:
            with tempfile.TemporaryDirectory() as workdir:
                servers = [("bridge", lambda: start_bridge(workdir))]
                if args.with_bare:
                    servers.append(("bare", start_bare))
                for name, starter in servers:
                    proc, url = starter()
                    time.sleep(1)
                    base = rss_kb(proc.pid)
                    measured = {}

                    def on_connected(data, proc=proc, measured=measured):
                        time.sleep(3)
                        measured["rss_kb"] = rss_kb(proc.pid)
                        measured["connect_seconds"] = data["seconds"]

                    result = loadgen(
                        url,
                        "idle",
                        chargers,
                        args.hold,
                        args.processes,
                        on_connected=on_connected,
                    )
                    stop(proc)
                    per_conn = (
                        (measured["rss_kb"] - base) * 1024 / max(1, result["connected"])
                    )
                    print(
                        json.dumps(
                            {
                                "server": name,
                                "chargers": chargers,
                                "connected": result["connected"],
                                "errors": result["errors"],
                                "rss_before_mb": round(base / 1024, 1),
                                "rss_connected_mb": round(measured["rss_kb"] / 1024, 1),
                                "bytes_per_connection": int(per_conn),
                                "kb_per_connection": round(per_conn / 1024, 1),
                                "connect_seconds": measured["connect_seconds"],
                            }
                        ),
                        flush=True,
                    )
    finally:
        stop(stub)


def cpu_seconds(pid):
    """utime + stime of a process so far, from /proc."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listen_overflows():
    """The kernel's count of connections dropped because an accept queue was full."""
    with open("/proc/net/netstat") as handle:
        lines = handle.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=True):
        if names.startswith("TcpExt:"):
            return dict(
                zip(names.split()[1:], map(int, values.split()[1:]), strict=True)
            ).get("ListenOverflows")
    return None


def stub_stats():
    with urllib.request.urlopen(
        "http://127.0.0.1:%d/stats" % STUB_PORT, timeout=5
    ) as response:
        return json.loads(response.read())


def storm(args):
    """First connects ramp (200 in flight per process), then every charger drops
    and reconnects at once: after a network blip (same bridge), or with
    --restart after a bridge restart (a new process on the same SQLite store)."""
    stub = start_stub(args.credentials_delay)
    try:
        for chargers in args.chargers:
            with tempfile.TemporaryDirectory() as workdir:
                go_file = os.path.join(workdir, "go")
                bridge = {}
                bridge_env = (
                    {"CREDENTIALS_CACHE_SECONDS": str(args.cache_seconds)}
                    if args.cache_seconds is not None
                    else {}
                )
                bridge["proc"], url = start_bridge(workdir, **bridge_env)
                overflows_before = listen_overflows()
                measure = {"checks_start": stub_stats()["credentials"]}

                def restart(
                    _data,
                    bridge=bridge,
                    measure=measure,
                    go_file=go_file,
                    workdir=workdir,
                    bridge_env=bridge_env,
                ):
                    measure["checks_first"] = stub_stats()["credentials"]
                    stop(bridge["proc"])
                    bridge["proc"], _url = start_bridge(workdir, **bridge_env)
                    measure["cpu_start"] = cpu_seconds(bridge["proc"].pid)
                    open(go_file, "w").close()

                try:
                    result = loadgen(
                        url,
                        "storm",
                        chargers,
                        args.hold,
                        args.processes,
                        concurrency=200,
                        on_connected=restart if args.restart else None,
                        go_file=go_file if args.restart else None,
                    )
                    result["bridge_cpu_seconds"] = round(
                        cpu_seconds(bridge["proc"].pid) - measure.get("cpu_start", 0), 1
                    )
                    checks_end = stub_stats()[
                        "credentials"
                    ]  # the bridge is still up: re-checks in the hold count
                    if "checks_first" in measure:
                        result["odoo_credential_checks_first_connect"] = (
                            measure["checks_first"] - measure["checks_start"]
                        )
                        result["odoo_credential_checks_reconnect"] = (
                            checks_end - measure["checks_first"]
                        )
                    else:
                        result["odoo_credential_checks"] = (
                            checks_end - measure["checks_start"]
                        )
                finally:
                    stop(bridge["proc"])
                result["server"] = "bridge"
                result["after"] = "restart" if args.restart else "network blip"
                result["listen_overflows"] = listen_overflows() - overflows_before
                print(json.dumps(result), flush=True)
    finally:
        stop(stub)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--chargers", type=int, nargs="+", default=[100, 1000])
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--synchronous", default="FULL")
    p.add_argument("--rounds", type=int, default=2)
    p = sub.add_parser("idle")
    p.add_argument("--chargers", type=int, nargs="+", default=[1000, 5000, 10000])
    p.add_argument("--hold", type=float, default=8)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--with-bare", action="store_true")
    p = sub.add_parser("storm")
    p.add_argument("--chargers", type=int, nargs="+", default=[10000])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument(
        "--restart",
        action="store_true",
        help="the storm follows a bridge restart on the same store",
    )
    p.add_argument(
        "--hold",
        type=float,
        default=0.0,
        help="keep the reconnected chargers this long before closing",
    )
    p.add_argument(
        "--cache-seconds",
        type=float,
        help="CREDENTIALS_CACHE_SECONDS of the bridge (0: every"
        " reconnect re-checks, as after a long uptime)",
    )
    p.add_argument(
        "--credentials-delay",
        type=float,
        default=0.0,
        help="seconds the Odoo stub takes per credential check",
    )
    args = parser.parse_args()
    raise_nofile()
    {"throughput": throughput, "idle": idle, "storm": storm}[args.what](args)


if __name__ == "__main__":
    main()
