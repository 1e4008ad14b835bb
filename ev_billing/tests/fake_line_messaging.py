"""A fake LINE Messaging API platform on localhost, for the tests (and a demo).

A real HTTP server in a thread. It records every request and checks it the way the
real platform would: method, path, ``Authorization: Bearer <channel access token>``,
an ``X-Line-Retry-Key`` that is a UUID, a JSON body ``{"to": "U…", "messages": [...]}``
whose messages are well-formed Flex messages with a plain-text ``altText``. Anything
else is answered 400 and listed in ``problems`` (tests assert it stays empty).

Like LINE, it accepts a retry key once: a later request with an accepted key gets
409. Faults are scripted in ``script``, one entry per request, in order:
``500``/``429``/``400`` (answer that status without accepting), ``"timeout"``
(accept the message, then answer only after the client gave up: the answer is lost).

Run it alone for a demo: ``python3 fake_line_messaging.py [port] [token]``.
"""

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PUSH_PATH = "/v2/bot/message/push"
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)


def _component_problems(component, path, problems):
    """Check one Flex component and its children, appending what is wrong."""
    if not isinstance(component, dict) or "type" not in component:
        problems.append(f"{path}: not a component")
        return
    kind = component["type"]
    if kind == "box":
        if component.get("layout") not in ("vertical", "horizontal", "baseline"):
            problems.append(f"{path}: box without layout")
        for i, child in enumerate(component.get("contents") or ()):
            _component_problems(child, f"{path}.contents[{i}]", problems)
    elif kind == "text":
        if not isinstance(component.get("text"), str) or not component["text"]:
            problems.append(f"{path}: empty text")
    elif kind == "button":
        action = component.get("action") or {}
        if action.get("type") != "uri" or not re.match(
            r"^(https?|line|tel):", action.get("uri") or ""
        ):
            problems.append(f"{path}: button needs a uri action")
        if not action.get("label") or len(action["label"]) > 40:
            problems.append(f"{path}: button label must be 1-40 characters")
    elif kind != "separator":
        problems.append(f"{path}: unexpected component {kind}")


def flex_problems(message):
    """What is wrong with one message object (empty list when nothing)."""
    if not isinstance(message, dict) or message.get("type") != "flex":
        return ["message is not a flex message"]
    problems = []
    alt = message.get("altText")
    if not isinstance(alt, str) or not alt.strip() or len(alt) > 1500:
        problems.append("altText must be 1-1500 characters")
    bubble = message.get("contents")
    if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
        return problems + ["contents must be a bubble"]
    if "body" not in bubble:
        problems.append("bubble without body")
    for block in ("header", "body", "footer"):
        if block in bubble:
            _component_problems(bubble[block], block, problems)
    return problems


class FakeLinePlatform:
    def __init__(self, access_token, host="127.0.0.1", port=0, late_answer=2.0):
        self.access_token = access_token
        self.requests = []  # every request: dict(method, path, headers, body)
        self.delivered = []  # messages accepted, once per retry key
        self.problems = []
        self.script = []  # scripted answers, see the module docstring
        self.late_answer = late_answer
        self.lost_answers = 0
        self._accepted_keys = set()
        self._lock = threading.Lock()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test log quiet
                pass

            def do_GET(self):
                platform._handle(self, "GET")

            def do_POST(self):
                platform._handle(self, "POST")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- checks
    def _check(self, method, path, headers, body):
        problems = []
        if method != "POST" or path != PUSH_PATH:
            return [f"unexpected {method} {path}"]
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return ["401 bad channel access token"]
        if not UUID.match(headers.get("X-Line-Retry-Key") or ""):
            problems.append("X-Line-Retry-Key must be a UUID")
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            problems.append("Content-Type must be application/json")
        if not isinstance(body, dict):
            return problems + ["body is not a JSON object"]
        if not USER_ID.match(body.get("to") or ""):
            problems.append("'to' is not a LINE user id")
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return problems + ["'messages' must hold 1 to 5 messages"]
        for message in messages:
            problems += flex_problems(message)
        return problems

    def _answer(self, handler, status, payload, headers=()):
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("X-Line-Request-Id", f"fake-{len(self.requests)}")
            for name, value in headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting (scripted timeout)
            self.lost_answers += 1

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        headers = {name: value for name, value in handler.headers.items()}
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": handler.path,
                    "headers": headers,
                    "body": body,
                }
            )
            problems = self._check(method, handler.path, headers, body)
            if problems and problems[0].startswith("401"):
                return self._answer(handler, 401, {"message": "Authentication failed"})
            if problems:
                self.problems += problems
                return self._answer(handler, 400, {"message": "; ".join(problems)})
            step = self.script.pop(0) if self.script else None
            key = headers["X-Line-Retry-Key"]
            if step in (429, 500, 503):
                extra = [("Retry-After", "1")] if step == 429 else []
                return self._answer(handler, step, {"message": "fake outage"}, extra)
            if isinstance(step, int) and 400 <= step < 500:
                return self._answer(
                    handler,
                    step,
                    {
                        "message": "The request was refused",
                        "details": [{"property": "to", "message": "fake refusal"}],
                    },
                )
            if key in self._accepted_keys:
                return self._answer(
                    handler, 409, {"message": "The retry key is already accepted"}
                )
            self._accepted_keys.add(key)
            self.delivered.append(body)
        if step == "timeout":
            time.sleep(self.late_answer)  # accepted, but the answer comes too late
        return self._answer(handler, 200, {"sentMessages": [{"id": "1"}]})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8099
    fake = FakeLinePlatform(sys.argv[2] if len(sys.argv) > 2 else "demo", port=port)
    sys.stdout.write(f"fake LINE Messaging API on {fake.url} (Ctrl-C to stop)\n")
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        fake.server.server_close()
