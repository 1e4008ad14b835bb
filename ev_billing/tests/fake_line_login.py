"""A fake LINE Login v2.1 platform on localhost for the tests.

It plays both LINE endpoints the login uses and checks every request the way LINE
does: the authorize request (response type, channel, callback URL, scope, state, nonce,
PKCE challenge) answers at once with a redirect to the callback carrying a one-time
code (the driver agreeing on LINE's consent screen); the token request (form encoded
POST with the code, callback URL, channel id and secret, and the PKCE verifier that
matches the challenge) answers an ID token signed HS256 with the channel secret, as
LINE does for web logins. Every request is recorded for the tests to assert on.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_hs256(claims, secret, header=None):
    header = header or {"typ": "JWT", "alg": "HS256"}
    signing_input = (
        b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    )
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256)
    return signing_input + "." + b64url(signature.digest())


class FakeLineLogin:
    """``with FakeLineLogin(channel_id, secret, callback) as line:`` serves on
    ``line.base_url``; ``line.requests`` lists (path, params) of every request and
    ``line.errors`` every check that failed (the answer was then an error)."""

    def __init__(self, channel_id, channel_secret, redirect_uri):
        self.channel_id = channel_id
        self.channel_secret = channel_secret
        self.redirect_uri = redirect_uri
        self.user_id = "U" + "4af4980629" * 3 + "12"
        self.name = "Somsak LINE"
        self.requests = []
        self.errors = []
        # What the next ID token says or how it is signed (tests of the checks).
        self.claim_overrides = {}
        self.sign_secret = None
        self.expect_bot_prompt = None
        # LINE's friendship_status_changed on the callback ("true"/"false"), or None
        self.friendship_status_changed = None
        self._codes = {}
        self._server = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    # -- the two endpoints -------------------------------------------------------------

    def _handle(self, handler, method):
        url = urlparse(handler.path)
        if method == "GET":
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            content_type = None
        else:
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode()
            params = {k: v[0] for k, v in parse_qs(body).items()}
            content_type = handler.headers.get("Content-Type", "")
        self.requests.append((method, url.path, params))
        if method == "GET" and url.path == "/oauth2/v2.1/authorize":
            self._authorize(handler, params)
        elif (
            method == "POST"
            and url.path == "/oauth2/v2.1/token"
            and content_type.startswith("application/x-www-form-urlencoded")
        ):
            self._token(handler, params)
        else:
            self._fail(handler, f"unexpected request {method} {url.path}")

    def _fail(self, handler, error, status=400):
        self.errors.append(error)
        body = json.dumps({"error": "invalid_request", "error_description": error})
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(body.encode())

    def _authorize(self, handler, params):
        checks = {
            "response_type": params.get("response_type") == "code",
            "client_id": params.get("client_id") == self.channel_id,
            "redirect_uri": params.get("redirect_uri") == self.redirect_uri,
            "scope": set((params.get("scope") or "").split()) >= {"openid", "profile"},
            "state": len(params.get("state") or "") >= 16,
            "nonce": len(params.get("nonce") or "") >= 16,
            "code_challenge_method": params.get("code_challenge_method") == "S256",
            "code_challenge": len(params.get("code_challenge") or "") == 43,
            "bot_prompt": params.get("bot_prompt") == self.expect_bot_prompt,
        }
        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            return self._fail(handler, "authorize: bad " + ", ".join(failed))
        code = secrets.token_urlsafe(16)
        self._codes[code] = params
        handler.send_response(302)
        location = (
            params["redirect_uri"]
            + "?"
            + urlencode(
                {"code": code, "state": params["state"]}
                | (
                    {"friendship_status_changed": self.friendship_status_changed}
                    if self.friendship_status_changed is not None
                    else {}
                )
            )
        )
        handler.send_header("Location", location)
        handler.end_headers()

    def _token(self, handler, params):
        authorize = self._codes.pop(params.get("code"), None)
        if not authorize:
            return self._fail(handler, "token: unknown or reused code")
        verifier = params.get("code_verifier") or ""
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        checks = {
            "grant_type": params.get("grant_type") == "authorization_code",
            "redirect_uri": params.get("redirect_uri") == authorize["redirect_uri"],
            "client_id": params.get("client_id") == self.channel_id,
            "client_secret": params.get("client_secret") == self.channel_secret,
            "code_verifier": 43 <= len(verifier) <= 128
            and challenge == authorize["code_challenge"],
        }
        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            return self._fail(handler, "token: bad " + ", ".join(failed))
        now = int(time.time())
        claims = {
            "iss": "https://access.line.me",
            "sub": self.user_id,
            "aud": self.channel_id,
            "exp": now + 3600,
            "iat": now,
            "nonce": authorize["nonce"],
            "amr": ["linesso"],
            "name": self.name,
        }
        claims.update(self.claim_overrides)
        body = {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": 2592000,
            "id_token": sign_hs256(claims, self.sign_secret or self.channel_secret),
            "refresh_token": secrets.token_urlsafe(16),
            "scope": authorize["scope"],
            "token_type": "Bearer",
        }
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(json.dumps(body).encode())
