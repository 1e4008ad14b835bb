"""A real Odoo 18 serving ev_billing on a fresh database.

Used by the end-to-end tests and the Odoo benchmark (bench/odoo), which both drive it
from outside, as the bridge does.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OdooServer:
    """odoo-bin on a free loopback port, ``ev_billing`` installed in database ``db``."""

    def __init__(
        self,
        db,
        odoo_path,
        odoo_python,
        addons,
        log_path,
        db_host="127.0.0.1",
        db_port="5432",
        db_user="odoo",
        db_password="odoo",
    ):
        self.db = db
        self.odoo_path = odoo_path
        self.odoo_python = odoo_python
        self.addons = addons
        self.log_path = log_path
        self.db_host = db_host
        self.db_port = str(db_port)
        self.db_user = db_user
        self.pgenv = dict(os.environ, PGPASSWORD=db_password)
        self.db_password = db_password
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def _cmd(self, *args, command=()):
        return [
            self.odoo_python,
            f"{self.odoo_path}/odoo-bin",
            *command,
            f"--addons-path={self.odoo_path}/addons,{self.odoo_path}/odoo/addons,"
            f"{self.addons}",
            f"--db_host={self.db_host}",
            f"--db_port={self.db_port}",
            f"--db_user={self.db_user}",
            f"--db_password={self.db_password}",
            "-d",
            self.db,
            *args,
        ]

    def _run(self, cmd, what, timeout, stdin=None):
        done = subprocess.run(
            cmd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,  # the return code is checked below, with the output
        )
        if done.returncode:
            raise RuntimeError(
                f"{what} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    def install(self):
        """A fresh database with ev_billing and no demo data."""
        self.drop()
        self._run(
            self._cmd(
                "-i",
                "ev_billing",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ),
            "installing ev_billing",
            timeout=900,
        )

    def shell(self, code):
        """Run Python in `odoo-bin shell` (env is there) and return what it printed."""
        return self._run(
            self._cmd("--no-http", "--log-level=warn", command=["shell"]),
            "odoo shell",
            timeout=600,
            stdin=code + "\nenv.cr.commit()\n",
        )

    def bridge_api_key(self):
        """A new API key of the bridge's technical user."""
        return (
            self.shell(
                "user = env.ref('ev_billing.user_ev_bridge')\n"
                "print('KEY=' + env['res.users.apikeys'].with_user(user).sudo()"
                "._generate(None, 'e2e', None))\n"
            )
            .split("KEY=")[1]
            .split()[0]
        )

    def start(self, *server_args, cron_threads=1):
        """Serve the database until stop(); threaded unless ``--workers=N`` is given.

        ``cron_threads`` cron workers run the scheduled jobs, among them the billing
        cron that bills closed sessions within seconds of their close."""
        with open(self.log_path, "a") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                self._cmd(
                    f"--http-port={self.port}",
                    "--http-interface=127.0.0.1",
                    f"--db-filter=^{self.db}$",
                    f"--max-cron-threads={cron_threads}",
                    *(server_args or ("--workers=0", "--log-level=info")),
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while not self._healthy():
            if time.monotonic() > deadline:
                raise RuntimeError("Odoo did not answer /web/health within 120 s")
            time.sleep(0.25)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _healthy(self):
        try:
            with urllib.request.urlopen(f"{self.url}/web/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def drop(self):
        subprocess.run(
            [
                "dropdb",
                "-h",
                self.db_host,
                "-p",
                self.db_port,
                "-U",
                self.db_user,
                "--if-exists",
                self.db,
            ],
            env=self.pgenv,
            capture_output=True,
            check=False,  # best effort cleanup
        )

    def sql(self, query, database=None):
        """Rows of ``query`` as lists of strings (psql, tab-separated), in the
        server's database or in ``database``."""
        done = subprocess.run(
            [
                "psql",
                "-h",
                self.db_host,
                "-p",
                self.db_port,
                "-U",
                self.db_user,
                "-d",
                database or self.db,
                "-At",
                "-F",
                "\t",
                "-c",
                query,
            ],
            env=self.pgenv,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line.split("\t") for line in done.stdout.splitlines()]

    def call(self, model, method, *args, **kwargs):
        """``execute_kw`` over JSON-RPC as admin: enough to set up and read records."""
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [self.db, 2, "admin", model, method, list(args), kwargs],
                },
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.url}/jsonrpc", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.load(response)
        if answer.get("error"):
            raise RuntimeError(answer["error"]["data"].get("debug") or answer["error"])
        return answer["result"]

    def search_read(self, model, domain, fields):
        return self.call(model, "search_read", domain, fields=fields)
