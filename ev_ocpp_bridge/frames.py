"""Strict decoding of what a charger sends, before anything else looks at it.

A peer controls every byte of a frame, so nothing here recurses on its content
or trusts Python's permissive ``json``:

* nesting is measured with one C-level regex scan before parsing: a frame nested
  deeper than ``MAX_DEPTH`` is a FormationViolation, never a ``RecursionError``;
* ``NaN``, ``Infinity`` and numbers that overflow a double (``1e400``) are not
  JSON (RFC 8259): FormationViolation;
* after the schema check, every integer must fit the range of its field (OCPP
  ids are 32-bit, every other integer 64-bit — what SQLite and PostgreSQL
  store) and every string must be valid Unicode (no lone UTF-16 surrogate):
  PropertyConstraintViolation. A schema-valid payload therefore never reaches
  the store or Odoo with a value they cannot hold.
"""

import json
import math
import re

from .validation import FormationViolation, PropertyConstraintViolation

#: an OCPP 1.6 message is [type, id, action, payload]; payloads nest 4 levels at most
#: (MeterValues: payload > meterValue[] > {} > sampledValue[] > {}); 32 is generous.
MAX_DEPTH = 32

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

# strings (skipped whole, escapes included) and the brackets outside them
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


class FrameError(Exception):
    """The frame is not one strict JSON document; ``error`` is the CALLERROR."""

    def __init__(self, error):
        super().__init__(error.details.get("cause"))
        self.error = error


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number %s does not fit a double" % text[:40])
    return value


def _depth(text):
    """Deepest bracket nesting of ``text`` outside strings (unbalanced text is
    left for the parser to refuse)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # cannot be deeper: the common case costs two C-level counts
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif token in "]}":
            depth -= 1
    return deepest


def decode(raw):
    """The frame as Python values; raises ``FrameError``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError(
                FormationViolation(details={"cause": "Message is not UTF-8 text"})
            ) from None
    if _depth(raw) > MAX_DEPTH:
        raise FrameError(
            FormationViolation(
                details={"cause": "Message nests deeper than %s levels" % MAX_DEPTH}
            )
        )
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, TypeError, RecursionError) as error:
        raise FrameError(
            FormationViolation(
                details={"cause": "Message is not valid JSON: %s" % str(error)[:120]}
            )
        ) from None


def _int_range(key):
    return INT32 if key and (key.endswith("Id") or key == "id") else INT64


def check_values(action, payload):
    """Every integer in its range, every string valid Unicode (iterative walk;
    the depth is bounded by ``decode`` and the schema)."""
    stack = [(None, payload)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            for name, item in value.items():
                _check_string(action, name, name)
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((key, item) for item in value)
        elif isinstance(value, str):
            _check_string(action, key, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            low, high = _int_range(key)
            if not low <= value <= high:
                raise PropertyConstraintViolation(
                    details={
                        "cause": "%s: %s is out of range (%s bit)"
                        % (action, key, 32 if high == INT32[1] else 64),
                        "path": key,
                    }
                )


def _check_string(action, key, text):
    if _SURROGATE.search(text):
        raise PropertyConstraintViolation(
            details={
                "cause": "%s: %s is not valid Unicode (lone surrogate)" % (action, key),
                "path": key,
            }
        )


def strict_dumps(value):
    """JSON for the store and for Odoo: compact, and never NaN/Infinity."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
