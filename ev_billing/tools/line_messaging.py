"""The few calls this addon makes to the LINE Messaging API, with ``requests``.

Plain Python (no Odoo import) so that the sending rules — what counts as delivered,
what is retried, what fails for good — read in one place and are tested against the
fake LINE platform in ``tests/fake_line_messaging.py``.

Exactly once: every push carries ``X-Line-Retry-Key``; LINE accepts a key once and
answers 409 to a retry of an accepted request, which therefore counts as delivered.
"""

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

import requests

_logger = logging.getLogger(__name__)

PUSH_PATH = "/v2/bot/message/push"
# Seconds to connect and to wait for the answer: the queue retries, so a slow platform
# is not waited for.
TIMEOUT = 10
# LINE's limits on a Flex message (Messaging API reference).
ALT_TEXT_MAX = 1500
BUTTON_LABEL_MAX = 40

SENT, RETRY, FAILED = "sent", "retry", "failed"


@dataclass(frozen=True)
class PushResult:
    outcome: str  # SENT, RETRY or FAILED
    status: int | None = None
    error: str = ""
    retry_after: int | None = None  # seconds, from a 429's Retry-After
    request_id: str = ""


def verify_signature(channel_secret, body, signature):
    """Whether ``signature`` (the ``X-Line-Signature`` header) is the base64
    HMAC-SHA256 of the raw request ``body`` under ``channel_secret``; constant time."""
    if not channel_secret or not signature or not isinstance(body, bytes):
        return False
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, signature.encode("latin-1", "replace"))


def sign(channel_secret, body):
    """The ``X-Line-Signature`` LINE puts on ``body`` (used by tests and tools)."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _error_text(response):
    try:
        data = response.json()
    except ValueError:
        return (response.text or "")[:300]
    message = data.get("message") or ""
    details = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}"
        for d in data.get("details") or ()
        if isinstance(d, dict)
    )
    return f"{message} ({details})" if details else message


def push(api_url, access_token, retry_key, to, messages, http=None):
    """Push ``messages`` to the LINE user ``to``; never raises for network faults.

    2xx and 409 (the retry key was accepted before) are delivered; 429 and 5xx and
    network faults are to be retried with the same key; any other 4xx is refused for
    good (bad token, bad message, unknown user) with LINE's reason.
    """
    http = http or requests
    url = api_url.rstrip("/") + PUSH_PATH
    try:
        response = http.post(
            url,
            json={"to": to, "messages": messages},
            headers={
                "Authorization": f"Bearer {access_token}",
                "X-Line-Retry-Key": retry_key,
            },
            timeout=TIMEOUT,
        )
    except requests.Timeout:
        return PushResult(RETRY, error="LINE did not answer in time")
    except requests.RequestException as error:
        return PushResult(RETRY, error=f"LINE unreachable: {error}"[:300])
    request_id = response.headers.get("X-Line-Request-Id", "")
    status = response.status_code
    if 200 <= status < 300:
        return PushResult(SENT, status, request_id=request_id)
    if status == 409:
        # Accepted earlier under this retry key (a previous try's answer was lost).
        return PushResult(SENT, status, "accepted on an earlier try", None, request_id)
    if status == 429 or status >= 500:
        retry_after = response.headers.get("Retry-After")
        return PushResult(
            RETRY,
            status,
            f"HTTP {status}: {_error_text(response)}",
            int(retry_after) if retry_after and retry_after.isdigit() else None,
            request_id,
        )
    return PushResult(
        FAILED, status, f"HTTP {status}: {_error_text(response)}", None, request_id
    )


def _text(text, **extra):
    return {
        "type": "text",
        "text": str(text) if text not in (None, "") else "-",
        **extra,
    }


def flex_message(content):
    """A Flex bubble from a notification's content dict.

    ``content``: ``title``, optional ``subtitle``, ``rows`` ([label, value] pairs),
    optional ``total`` ([label, value]), optional ``text`` (a paragraph), optional
    ``button`` ({label, url}) and ``alt_text`` (the plain-text alternative shown in
    chat lists and notifications).
    """
    header = [_text(content["title"], weight="bold", size="lg", wrap=True)]
    if content.get("subtitle"):
        header.append(_text(content["subtitle"], size="sm", color="#888888", wrap=True))
    body = [
        {
            "type": "box",
            "layout": "horizontal",
            "spacing": "md",
            "contents": [
                _text(label, size="sm", color="#555555", flex=3, wrap=True),
                _text(value, size="sm", align="end", flex=4, wrap=True),
            ],
        }
        for label, value in content.get("rows") or ()
    ]
    if content.get("total"):
        label, value = content["total"]
        body += [
            {"type": "separator", "margin": "md"},
            {
                "type": "box",
                "layout": "horizontal",
                "margin": "md",
                "contents": [
                    _text(label, weight="bold", flex=3, wrap=True),
                    _text(value, weight="bold", align="end", flex=4, wrap=True),
                ],
            },
        ]
    if content.get("text"):
        body.append(_text(content["text"], size="sm", wrap=True, margin="md"))
    bubble = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": header},
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": body or [_text(content.get("alt_text"), wrap=True)],
        },
    }
    button = content.get("button")
    if button and button.get("url"):
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "action": {
                        "type": "uri",
                        "label": button["label"][:BUTTON_LABEL_MAX],
                        "uri": button["url"],
                    },
                }
            ],
        }
    return {
        "type": "flex",
        "altText": (content.get("alt_text") or content["title"])[:ALT_TEXT_MAX],
        "contents": bubble,
    }
