"""Drivers' phone numbers in one shape: E.164 (``+66812345678``).

A phone number is a driver's login, the number their one-time codes go to and the key
that finds them again, so every place that stores or compares one goes through
:func:`ev_phone_e164`. Parsing is Odoo's own (``phone_validation`` on top of the
``phonenumbers`` library).
"""

import re

import phonenumbers

from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools import phone_validation

# What a person may type as a phone number: digits with spaces, dots, dashes,
# parentheses and an optional leading + (at least 6 digits).
PHONE_INPUT_RE = re.compile(r"^\s*\+?[\d\s().\-]{6,24}\s*$")
# Thailand is the first market: a local number (08x...) with no other country known is
# read as Thai.
DEFAULT_COUNTRY_CODE = "TH"


def ev_looks_like_phone(value):
    """True when ``value`` is typed like a phone number (not an email or a user
    name)."""
    return bool(
        isinstance(value, str)
        and PHONE_INPUT_RE.match(value)
        and len(re.sub(r"\D", "", value)) >= 6
    )


def ev_phone_e164(number, countries=()):
    """``number`` in E.164, or False when it is not a valid phone number.

    ``countries`` (``res.country`` records or ISO codes, most likely first) say how to
    read a local number; Thailand is tried last. A number written with its country code
    (``+66...``, ``0066...``) reads the same whatever the country.
    """
    if not ev_looks_like_phone(number):
        return False
    codes = []
    for country in (*countries, DEFAULT_COUNTRY_CODE):
        code = country if isinstance(country, str) else (country and country.code)
        if code and code.upper() not in codes:
            codes.append(code.upper())
    for code in codes:
        try:
            parsed = phone_validation.phone_parse(number.strip(), code)
        except UserError:
            continue
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return False
