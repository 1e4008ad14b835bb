"""``ev-ocpp-sim``: one to many thousands of virtual OCPP 1.6J chargers.

Each virtual charger is the ``ocpp`` library's ChargePoint in the charge-point
role. It boots, sends heartbeats and status, and runs charging sessions in a
loop: plug in, Authorize, StartTransaction, MeterValues every
``--meter-interval`` seconds following a power curve, StopTransaction, unplug.
A RemoteStartTransaction starts a session at once on the given connector with
the given idTag (the driver's QR page in Odoo) and it runs until a
RemoteStopTransaction; with an empty ``--tags`` the chargers wait for those
only. It answers every Core command (RemoteStart/Stop, Reset, UnlockConnector,
ChangeAvailability, TriggerMessage, Get/ChangeConfiguration, ClearCache,
SetChargingProfile). When the connection drops it reconnects with backoff and,
like real chargers, replays the StartTransaction/StopTransaction it never got
an answer for, with the same content.

Example::

    ev-ocpp-sim --url ws://127.0.0.1:9000/ocpp --count 100 --password secret \\
        --meter-interval 10 --power-kw 7.4 --tags TAG1,TAG2 --sessions 0
"""

import argparse
import asyncio
import base64
import logging
import random
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AvailabilityStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingProfileStatus,
    ClearCacheStatus,
    ConfigurationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
)

_logger = logging.getLogger("ev_ocpp_bridge.simulator")


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def basic_auth(identity, password):
    token = base64.b64encode(("%s:%s" % (identity, password)).encode()).decode()
    return {"Authorization": "Basic %s" % token}


async def connect(url, identity, password=None, **kwargs):
    """Open a websocket as a charger does: ``<url>/<identity>``, ocpp1.6, Basic auth."""
    headers = basic_auth(identity, password) if password is not None else None
    return await websockets.connect(
        "%s/%s" % (url.rstrip("/"), identity),
        subprotocols=["ocpp1.6"],
        additional_headers=headers,
        compression=None,
        open_timeout=30,
        ping_interval=None,
        **kwargs,
    )


class SimulatedChargePoint(ChargePoint):
    """Charge-point role. ``answers`` sets the status returned per command
    (tests change it); ``received`` records commands from the central system."""

    def __init__(self, identity, connection, owner=None, response_timeout=30):
        super().__init__(identity, connection, response_timeout=response_timeout)
        self.owner = owner
        self.received = []
        self.answers = {}
        self.configuration = {
            "HeartbeatInterval": "300",
            "MeterValueSampleInterval": "60",
            "NumberOfConnectors": "1",
        }

    def _answer(self, action, default):
        return self.answers.get(action, default)

    def _notify(self, action, owner=True, **kwargs):
        """Record a command; tell the virtual charger unless it was refused."""
        self.received.append((action, kwargs))
        if owner and self.owner is not None:
            self.owner.on_command(action, kwargs)

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag, **kwargs):
        default = RemoteStartStopStatus.accepted
        if self.owner is not None and self.owner.busy:
            default = RemoteStartStopStatus.rejected  # one session per connector
        status = self._answer("RemoteStartTransaction", default)
        self._notify(
            "RemoteStartTransaction",
            owner=status == RemoteStartStopStatus.accepted,
            id_tag=id_tag,
            **kwargs,
        )
        return call_result.RemoteStartTransaction(status=status)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id, **kwargs):
        self._notify("RemoteStopTransaction", transaction_id=transaction_id)
        return call_result.RemoteStopTransaction(
            status=self._answer("RemoteStopTransaction", RemoteStartStopStatus.accepted)
        )

    @on(Action.reset)
    def on_reset(self, type, **kwargs):
        self._notify("Reset", type=type)
        return call_result.Reset(status=self._answer("Reset", ResetStatus.accepted))

    @on(Action.unlock_connector)
    def on_unlock(self, connector_id, **kwargs):
        self._notify("UnlockConnector", connector_id=connector_id)
        return call_result.UnlockConnector(
            status=self._answer("UnlockConnector", UnlockStatus.unlocked)
        )

    @on(Action.change_availability)
    def on_change_availability(self, connector_id, type, **kwargs):
        self._notify("ChangeAvailability", connector_id=connector_id, type=type)
        return call_result.ChangeAvailability(
            status=self._answer("ChangeAvailability", AvailabilityStatus.accepted)
        )

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, **kwargs):
        self._notify("TriggerMessage", requested_message=requested_message, **kwargs)
        return call_result.TriggerMessage(
            status=self._answer("TriggerMessage", TriggerMessageStatus.accepted)
        )

    @on(Action.get_configuration)
    def on_get_configuration(self, **kwargs):
        self._notify("GetConfiguration", **kwargs)
        keys = kwargs.get("key") or list(self.configuration)
        known = [
            {"key": k, "readonly": False, "value": self.configuration[k]}
            for k in keys
            if k in self.configuration
        ]
        unknown = [k for k in keys if k not in self.configuration]
        return call_result.GetConfiguration(
            configuration_key=known, unknown_key=unknown or None
        )

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **kwargs):
        self._notify("ChangeConfiguration", key=key, value=value)
        status = self._answer("ChangeConfiguration", ConfigurationStatus.accepted)
        if status == ConfigurationStatus.accepted:
            self.configuration[key] = value
        return call_result.ChangeConfiguration(status=status)

    @on(Action.clear_cache)
    def on_clear_cache(self, **kwargs):
        self._notify("ClearCache")
        return call_result.ClearCache(
            status=self._answer("ClearCache", ClearCacheStatus.accepted)
        )

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **kwargs):
        self._notify(
            "SetChargingProfile",
            connector_id=connector_id,
            cs_charging_profiles=cs_charging_profiles,
        )
        return call_result.SetChargingProfile(
            status=self._answer("SetChargingProfile", ChargingProfileStatus.accepted)
        )


def energy_sample(meter_wh, power_w, soc=None, context="Sample.Periodic"):
    values = [
        {
            "value": "%.1f" % meter_wh,
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
            "context": context,
        },
        {
            "value": "%.1f" % power_w,
            "measurand": "Power.Active.Import",
            "unit": "W",
            "context": context,
        },
    ]
    if soc is not None:
        values.append(
            {
                "value": "%d" % soc,
                "measurand": "SoC",
                "unit": "Percent",
                "context": context,
            }
        )
    return [{"timestamp": utc_now(), "sampled_value": values}]


class VirtualCharger:
    """One simulated charger with its own meter, sessions and reconnects."""

    def __init__(
        self,
        url,
        identity,
        password=None,
        meter_interval=10.0,
        heartbeat_interval=None,
        power_kw=7.4,
        curve="taper",
        tags=("SIMTAG",),
        plug_delay=(1.0, 5.0),
        session_seconds=60.0,
        idle_seconds=(5.0, 15.0),
        sessions=0,
        reconnect=(1.0, 30.0),
        vendor="EVSim",
        model="Sim-1",
        soc_start=(20, 60),
        remote_session_seconds=3600.0,
    ):
        self.url = url
        self.identity = identity
        self.password = password
        self.meter_interval = meter_interval
        self.heartbeat_interval = heartbeat_interval
        self.power_kw = power_kw
        self.curve = curve
        self.tags = [tag for tag in tags if tag]  # none: only remote starts
        self.plug_delay = plug_delay
        self.session_seconds = session_seconds
        self.idle_seconds = idle_seconds
        self.sessions = sessions  # 0 = forever
        self.reconnect = reconnect
        self.vendor = vendor
        self.model = model
        self.soc_start = soc_start
        # A session started from Odoo runs until Odoo (or the bridge, at the bought
        # energy) stops it, or at most this long.
        self.remote_session_seconds = remote_session_seconds
        self._remote_tag = None
        self._remote_connector = 1
        self.meter_wh = random.randint(0, 5_000_000)
        self.cp = None
        self.pending = []  # unanswered Start/Stop requests, replayed after reconnect
        self.transaction_id = None
        self.remote_start = asyncio.Event()
        self.remote_stop = asyncio.Event()
        self.completed_sessions = 0
        self.connects = 0
        self.errors = 0
        self._connected = asyncio.Event()
        self._reader = None

    async def _call(self, request):
        """``cp.call`` that fails as soon as the connection drops (the library
        would wait for its response timeout)."""
        reader = self._reader
        pending_call = asyncio.ensure_future(self.cp.call(request))
        done, _ = await asyncio.wait(
            {pending_call, reader}, return_when=asyncio.FIRST_COMPLETED
        )
        if pending_call in done:
            return pending_call.result()
        pending_call.cancel()
        raise ConnectionError(
            "connection lost while waiting for %s" % type(request).__name__
        )

    @property
    def busy(self):
        """A session runs (or is about to): a RemoteStartTransaction is refused."""
        return self.transaction_id is not None or self.remote_start.is_set()

    def on_command(self, action, kwargs):
        if action == "RemoteStartTransaction":
            self._remote_tag = kwargs.get("id_tag")
            self._remote_connector = kwargs.get("connector_id") or 1
            self.remote_start.set()
        elif (
            action == "RemoteStopTransaction"
            and kwargs.get("transaction_id") == self.transaction_id
        ):
            self.remote_stop.set()

    async def run(self):
        """Connect, stay up, run sessions; return after ``sessions`` (0: never)."""
        scenario = asyncio.create_task(self._scenario())
        backoff = self.reconnect[0]
        try:
            while not scenario.done():
                try:
                    async with await connect(
                        self.url, self.identity, self.password
                    ) as ws:
                        self.connects += 1
                        backoff = self.reconnect[0]
                        self.cp = SimulatedChargePoint(self.identity, ws, owner=self)
                        reader = self._reader = asyncio.create_task(self.cp.start())
                        try:
                            await self._on_connected()
                            done, _ = await asyncio.wait(
                                {reader, scenario}, return_when=asyncio.FIRST_COMPLETED
                            )
                            if scenario in done:
                                break
                        finally:
                            self._connected.clear()
                            reader.cancel()
                except (
                    OSError,
                    websockets.WebSocketException,
                    asyncio.TimeoutError,
                ) as error:
                    self.errors += 1
                    _logger.info(
                        "event=sim_disconnected identity=%s error=%r",
                        self.identity,
                        error,
                    )
                self._connected.clear()
                await asyncio.sleep(random.uniform(backoff / 2, backoff))
                backoff = min(self.reconnect[1], backoff * 2)
        finally:
            scenario.cancel()

    async def _on_connected(self):
        boot = await self._call(
            call.BootNotification(
                charge_point_vendor=self.vendor,
                charge_point_model=self.model,
                firmware_version="1.0",
            )
        )
        interval = self.heartbeat_interval or (boot.interval if boot else 300)
        await self._call(
            call.StatusNotification(
                connector_id=1,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.available,
                timestamp=utc_now(),
            )
        )
        await self._replay()
        self._connected.set()
        asyncio.ensure_future(self._heartbeats(self.cp, interval))

    async def _replay(self):
        while self.pending:
            request = self.pending[0]
            answer = await self._call(request)
            self.pending.pop(0)
            if isinstance(request, call.StartTransaction) and answer is not None:
                self.transaction_id = answer.transaction_id

    async def _heartbeats(self, cp, interval):
        while self.cp is cp and self._connected.is_set():
            await asyncio.sleep(max(1.0, interval))
            if self.cp is not cp or not self._connected.is_set():
                return
            try:
                await cp.call(call.Heartbeat())
            except Exception:  # noqa: BLE001 — the reader notices the drop
                return

    async def _send(self, request):
        """Send, waiting for a connection; Start/Stop kept for replay until answered."""
        durable = isinstance(request, (call.StartTransaction, call.StopTransaction))
        if durable:
            self.pending.append(request)
        while True:
            await self._connected.wait()
            try:
                answer = await self._call(request)
            except Exception:  # noqa: BLE001 — connection lost: wait for the reconnect
                if durable:
                    return None  # the reconnect replays it
                await asyncio.sleep(0.1)
                continue
            if durable and request in self.pending:
                self.pending.remove(request)
            return answer

    def power_w(self, soc):
        if self.curve == "taper" and soc >= 80:
            return self.power_kw * 1000 * max(0.1, (100 - soc) / 20)
        return self.power_kw * 1000

    async def _wait_for_remote_start(self):
        """Idle until a RemoteStartTransaction arrives (True) or, when the charger has
        RFID cards to play, until the next card tap (False)."""
        if not self.tags:
            await self.remote_start.wait()
            return True
        try:
            await asyncio.wait_for(
                self.remote_start.wait(), timeout=random.uniform(*self.idle_seconds)
            )
        except asyncio.TimeoutError:
            return False
        return True

    async def _scenario(self):
        while self.sessions == 0 or self.completed_sessions < self.sessions:
            remote = await self._wait_for_remote_start()
            await self._connected.wait()
            if remote:
                # Started from the central system (e.g. a driver's QR page): the car is
                # plugged in and the idTag was authorised there, so no Authorize.
                await self._send(
                    call.StatusNotification(
                        connector_id=self._remote_connector,
                        error_code=ChargePointErrorCode.no_error,
                        status=ChargePointStatus.preparing,
                        timestamp=utc_now(),
                    )
                )
                await self._charge(
                    self._remote_tag,
                    connector_id=self._remote_connector,
                    seconds=self.remote_session_seconds,
                )
                self.completed_sessions += 1
                continue
            tag = random.choice(self.tags)
            await self._send(
                call.StatusNotification(
                    connector_id=1,
                    error_code=ChargePointErrorCode.no_error,
                    status=ChargePointStatus.preparing,
                    timestamp=utc_now(),
                )
            )
            await asyncio.sleep(random.uniform(*self.plug_delay))
            auth = await self._send(call.Authorize(id_tag=tag))
            if auth is not None and auth.id_tag_info["status"] != "Accepted":
                await self._send(
                    call.StatusNotification(
                        connector_id=1,
                        error_code=ChargePointErrorCode.no_error,
                        status=ChargePointStatus.available,
                        timestamp=utc_now(),
                    )
                )
                self.completed_sessions += 1
                continue
            await self._charge(tag)
            self.completed_sessions += 1

    async def _charge(self, tag, connector_id=1, seconds=None):
        start = call.StartTransaction(
            connector_id=connector_id,
            id_tag=tag,
            meter_start=int(self.meter_wh),
            timestamp=utc_now(),
        )
        self.remote_stop.clear()
        answer = await self._send(start)
        while (
            answer is None and start in self.pending
        ):  # wait for the replay after reconnect
            await asyncio.sleep(0.2)
        if answer is not None:
            self.transaction_id = answer.transaction_id
        self.remote_start.clear()  # from now on `busy` because of the transaction
        await self._send(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.charging,
                timestamp=utc_now(),
            )
        )
        soc = random.randint(*self.soc_start)
        elapsed = 0.0
        reason = "Local"
        while elapsed < (self.session_seconds if seconds is None else seconds):
            try:
                await asyncio.wait_for(
                    self.remote_stop.wait(), timeout=self.meter_interval
                )
                reason = "Remote"
                break
            except asyncio.TimeoutError:
                pass
            elapsed += self.meter_interval
            power = self.power_w(soc)
            self.meter_wh += power * self.meter_interval / 3600.0
            soc = min(100, soc + power * self.meter_interval / 3600.0 / 600)
            await self._send(
                call.MeterValues(
                    connector_id=connector_id,
                    transaction_id=self.transaction_id,
                    meter_value=energy_sample(self.meter_wh, power, int(soc)),
                )
            )
        stop = call.StopTransaction(
            meter_stop=int(self.meter_wh),
            timestamp=utc_now(),
            transaction_id=self.transaction_id,
            reason=reason,
            id_tag=tag,
        )
        await self._send(stop)
        self.transaction_id = None
        await self._send(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.finishing,
                timestamp=utc_now(),
            )
        )
        await self._send(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.available,
                timestamp=utc_now(),
            )
        )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="ev-ocpp-sim",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        default="ws://127.0.0.1:9000/ocpp",
        help="base URL; identity is appended",
    )
    parser.add_argument(
        "--count", type=int, default=1, help="number of virtual chargers"
    )
    parser.add_argument(
        "--prefix", default="SIM-", help="identity prefix (SIM-00001 ...)"
    )
    parser.add_argument(
        "--password", default=None, help="Basic auth password (security profile 1)"
    )
    parser.add_argument(
        "--heartbeat-interval",
        type=float,
        default=None,
        help="override the interval from Boot",
    )
    parser.add_argument(
        "--meter-interval", type=float, default=10.0, help="seconds between MeterValues"
    )
    parser.add_argument("--power-kw", type=float, default=7.4, help="charging power")
    parser.add_argument(
        "--curve",
        choices=["flat", "taper"],
        default="taper",
        help="taper above 80%% SoC",
    )
    parser.add_argument(
        "--tags",
        default="SIMTAG",
        help="comma-separated RFID idTags tapped between sessions; empty: the "
        "chargers only charge when started remotely (RemoteStartTransaction)",
    )
    parser.add_argument(
        "--remote-session-seconds",
        type=float,
        default=3600.0,
        help="longest session started by RemoteStartTransaction (it runs until "
        "RemoteStopTransaction otherwise)",
    )
    parser.add_argument(
        "--session-seconds", type=float, default=60.0, help="charging time per session"
    )
    parser.add_argument(
        "--idle-seconds", default="5,15", help="min,max idle time between sessions"
    )
    parser.add_argument(
        "--plug-delay", default="1,5", help="min,max seconds from plug-in to card tap"
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=0,
        help="sessions per charger then exit (0 = forever)",
    )
    parser.add_argument(
        "--reconnect", default="1,30", help="min,max reconnect backoff seconds"
    )
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds to spread the connects over"
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _pair(text):
    low, high = (float(x) for x in text.split(","))
    return low, high


async def run(args):
    chargers = [
        VirtualCharger(
            args.url,
            "%s%05d" % (args.prefix, index),
            args.password,
            args.meter_interval,
            args.heartbeat_interval,
            args.power_kw,
            args.curve,
            args.tags.split(","),
            _pair(args.plug_delay),
            args.session_seconds,
            _pair(args.idle_seconds),
            args.sessions,
            _pair(args.reconnect),
            remote_session_seconds=args.remote_session_seconds,
        )
        for index in range(1, args.count + 1)
    ]

    async def start(charger, delay):
        await asyncio.sleep(delay)
        await charger.run()

    tasks = [
        asyncio.create_task(start(c, args.ramp * i / max(1, len(chargers))))
        for i, c in enumerate(chargers)
    ]
    _logger.info("event=sim_started chargers=%s url=%s", len(chargers), args.url)
    await asyncio.gather(*tasks)
    _logger.info(
        "event=sim_done sessions=%s", sum(c.completed_sessions for c in chargers)
    )


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
