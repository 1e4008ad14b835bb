"""Chargers Odoo does not know: recorded in Odoo, where an Administrator
registers them (docs/bridge-protocol.md, ``/charger/unknown``).

Anyone can knock with any identity, so reporting is bounded: attempts are
counted in a size-limited table (least recently seen out first), each identity
is reported at most once per ``UNKNOWN_REPORT_SECONDS`` (the attempts in between
ride with the next report), and one reporter task sends them, one batch at a
time — a flood of made-up identities costs Odoo one request in flight.
"""

import asyncio
import logging
import time
from collections import OrderedDict

from .odoo_client import OdooRejected, OdooUnavailable
from .outbox import utc_now

_logger = logging.getLogger(__name__)

MAX_TRACKED = 1000  # identities counted between reports
BATCH = 50  # reports per Odoo call


class UnknownChargers:
    def __init__(self, odoo, every):
        self.odoo = odoo
        self.every = every
        self._attempts = OrderedDict()  # identity -> report waiting to be sent
        # identity -> (monotonic time of its last report, whether it had boot info)
        self._sent = OrderedDict()
        self._wakeup = asyncio.Event()
        self._task = None
        self.reports_sent = 0

    def start(self):
        self._task = asyncio.create_task(self._run(), name="unknown-chargers")

    async def stop(self):
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def attempt(self, identity, remote_address, boot=None):
        """Count one attempt (a refused handshake, or a BootNotification while
        pending); ``boot`` is the BootNotification payload if there was one."""
        now = utc_now()
        entry = self._attempts.get(identity)
        if entry is None:
            entry = self._attempts[identity] = {
                "identity": identity,
                "attempts": 0,
                "first_attempt_at": now,
            }
            while len(self._attempts) > MAX_TRACKED:
                self._attempts.popitem(last=False)
        else:
            self._attempts.move_to_end(identity)
        entry["attempts"] += 1
        entry["last_attempt_at"] = now
        entry["remote_address"] = remote_address
        if boot:
            entry["boot"] = boot
        self._wakeup.set()

    def _due(self):
        """Identities to report now: not reported for ``every`` seconds, or with
        boot information Odoo has not had yet."""
        now = time.monotonic()
        due = []
        for identity, entry in self._attempts.items():
            sent_at, had_boot = self._sent.get(identity, (None, False))
            if (
                sent_at is None
                or now - sent_at >= self.every
                or (entry.get("boot") and not had_boot)
            ):
                due.append(identity)
                if len(due) == BATCH:
                    break
        return due

    def _next_due(self):
        now = time.monotonic()
        return max(
            0.01,
            min(
                self._sent.get(identity, (now - self.every,))[0] + self.every - now
                for identity in self._attempts
            ),
        )

    async def _run(self):
        while True:
            due = self._due()
            if not due:
                if self._attempts:  # all reported recently: wait for the earliest
                    await asyncio.sleep(self._next_due())
                    continue
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            reports = [self._attempts.pop(identity) for identity in due]
            try:
                await self.odoo.charger_unknown(reports)
            except (OdooUnavailable, OdooRejected) as error:
                _logger.warning("event=unknown_report_failed error=%s", error)
                for report in reports:  # kept, counts merged with newer attempts
                    newer = self._attempts.pop(report["identity"], None)
                    if newer is not None:
                        report["attempts"] += newer["attempts"]
                        report["last_attempt_at"] = newer["last_attempt_at"]
                        report["remote_address"] = newer["remote_address"]
                        report["boot"] = newer.get("boot") or report.get("boot")
                    if len(self._attempts) < MAX_TRACKED:
                        self._attempts[report["identity"]] = report
                await asyncio.sleep(min(self.every, 5.0))
                continue
            except Exception:  # noqa: BLE001 — the reporter must outlive a bug
                _logger.exception("event=unknown_report_failed")
                await asyncio.sleep(min(self.every, 5.0))
                continue
            now = time.monotonic()
            for report in reports:
                _sent_at, had_boot = self._sent.get(report["identity"], (None, False))
                self._sent[report["identity"]] = (now, had_boot or "boot" in report)
                self._sent.move_to_end(report["identity"])
                _logger.info(
                    "event=unknown_charger_reported identity=%s attempts=%s",
                    report["identity"],
                    report["attempts"],
                )
            while len(self._sent) > MAX_TRACKED:
                self._sent.popitem(last=False)
            self.reports_sent += len(reports)
