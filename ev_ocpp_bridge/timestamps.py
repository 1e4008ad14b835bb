"""Charger timestamps -> UTC ISO 8601, or the bridge's receive time, flagged.

OCPP 1.6 times are RFC 3339 date-times in UTC. What reaches Odoo is always
``YYYY-MM-DDTHH:MM:SS[.mmm]Z``: offsets are converted to UTC, and a time without an
offset is read as UTC (OCPP says all times are UTC; several firmwares drop the
``Z``). A value that is not a date-time at all (``"2026-12-01"``, ``"yesterday"``)
is replaced by the time the bridge received the message, and the event says so
(``timestamp_substituted: true`` plus the text the charger sent in
``timestamp_sent``) so Odoo never bills silently on a guessed time — see
docs/bridge-protocol.md, "Timestamps".
"""

import re
from datetime import datetime, timezone

# date, "T" or space, time with optional fraction, optional offset; nothing else
_RFC3339 = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"([Zz]|[+-]\d{2}:?\d{2})?\s*$"
)
#: how much of an unparseable value is kept for the record
SENT_CHARS = 64


def normalise(value):
    """``value`` as ``YYYY-MM-DDTHH:MM:SS[.mmm]Z``; None if it is not a date-time."""
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or ""
    offset = (match.group(8) or "Z").upper()
    try:
        moment = datetime(
            year,
            month,
            day,
            hour,
            minute,
            min(second, 59),  # a leap second is the last second of its minute
            int((fraction[1:] + "000000")[:6]) if fraction else 0,
            tzinfo=timezone.utc,
        )
        if offset != "Z":
            sign = -1 if offset[0] == "+" else 1
            digits = offset[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            if int(digits[:2]) > 23 or int(digits[2:]) > 59:
                return None
            moment = moment.timestamp() + sign * minutes * 60
            moment = datetime.fromtimestamp(moment, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return _format(moment)


def _format(moment):
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond >= 1000:
        text += ".%03d" % (moment.microsecond // 1000)
    return text + "Z"


def now():
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
        moment.microsecond // 1000
    )


def resolve(value, received_at=None):
    """``(timestamp, flags)``: the normalised time, or ``received_at`` (default:
    now) with ``{"timestamp_substituted": True, "timestamp_sent": ...}``."""
    normalised = normalise(value)
    if normalised is not None:
        return normalised, {}
    return received_at or now(), {
        "timestamp_substituted": True,
        "timestamp_sent": value[:SENT_CHARS] if isinstance(value, str) else None,
    }
