"""LINE Login v2.1 (OAuth 2.0 authorization code flow + OpenID Connect) for web apps.

https://developers.line.biz/en/docs/line-login/integrate-line-login/ : the authorize
request carries ``state``, ``nonce`` and a PKCE ``code_challenge`` (S256); the code is
exchanged with the ``code_verifier``; the ID token of a web login is a JWT signed HS256
with the channel secret, whose ``iss``, ``aud``, ``exp`` and ``nonce`` are checked here.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

import requests
from werkzeug.urls import url_encode

LINE_ISSUER = "https://access.line.me"
DEFAULT_AUTH_BASE = "https://access.line.me"
DEFAULT_API_BASE = "https://api.line.me"
AUTHORIZE_PATH = "/oauth2/v2.1/authorize"
TOKEN_PATH = "/oauth2/v2.1/token"
TIMEOUT = 10
# Clock difference tolerated between LINE and this server.
LEEWAY = 60


class LineLoginError(Exception):
    """The LINE answer cannot be trusted or used (the reason is for the log)."""


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_flow():
    """Fresh ``state``, ``nonce`` and PKCE ``code_verifier`` for one login."""
    return {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "code_verifier": secrets.token_urlsafe(48),  # 64 characters, RFC 7636
    }


def code_challenge(code_verifier):
    return _b64url(hashlib.sha256(code_verifier.encode()).digest())


def authorize_url(auth_base, channel_id, redirect_uri, flow, bot_prompt=None):
    params = {
        "response_type": "code",
        "client_id": channel_id,
        "redirect_uri": redirect_uri,
        "state": flow["state"],
        "scope": "profile openid",
        "nonce": flow["nonce"],
        "code_challenge": code_challenge(flow["code_verifier"]),
        "code_challenge_method": "S256",
    }
    if bot_prompt:
        params["bot_prompt"] = bot_prompt
    return auth_base.rstrip("/") + AUTHORIZE_PATH + "?" + url_encode(params)


def exchange_code(api_base, channel_id, channel_secret, redirect_uri, code, verifier):
    """The token response of LINE for ``code`` (access token and ID token)."""
    try:
        response = requests.post(
            api_base.rstrip("/") + TOKEN_PATH,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": channel_id,
                "client_secret": channel_secret,
                "code_verifier": verifier,
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise LineLoginError(f"token endpoint unreachable: {exc}") from exc
    if response.status_code != 200:
        raise LineLoginError(f"token endpoint answered {response.status_code}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise LineLoginError("token endpoint answered no JSON") from exc
    if not isinstance(payload, dict) or not payload.get("id_token"):
        raise LineLoginError("no ID token in the token response")
    return payload


def verify_id_token(id_token, channel_id, channel_secret, nonce, now=None):
    """The claims of ``id_token`` once its signature, issuer, audience, expiry and
    nonce are right; LineLoginError otherwise."""
    try:
        header_b64, payload_b64, signature_b64 = id_token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(payload_b64))
        signature = _b64url_decode(signature_b64)
    except (ValueError, AttributeError) as exc:
        raise LineLoginError("malformed ID token") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise LineLoginError("unexpected ID token algorithm")
    expected = hmac.new(
        channel_secret.encode(),
        f"{header_b64}.{payload_b64}".encode(),
        hashlib.sha256,
    ).digest()
    if not hmac.compare_digest(expected, signature):
        raise LineLoginError("bad ID token signature")
    if not isinstance(claims, dict):
        raise LineLoginError("malformed ID token claims")
    now = time.time() if now is None else now
    if claims.get("iss") != LINE_ISSUER:
        raise LineLoginError("wrong issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if str(channel_id) not in [str(a) for a in audiences]:
        raise LineLoginError("wrong audience")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + LEEWAY < now:
        raise LineLoginError("expired ID token")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat - LEEWAY > now:
        raise LineLoginError("ID token issued in the future")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise LineLoginError("wrong nonce")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise LineLoginError("no user id in the ID token")
    return claims
