"""Configuration from environment variables.

Every setting has one environment variable; ``ev-ocpp-bridge --help`` prints the
table below, so this module is the single place that documents them.
"""

import dataclasses
import os
import socket

# (variable, attribute, help); the type and the default are the Config field's, so they
# are written once. attribute None = a ``*_FILE`` variable that fills the setting of the
# same name without the suffix (see SECRET_FILES)
SETTINGS = [
    (
        "ODOO_URL",
        "odoo_url",
        "Base URL of Odoo (ev_billing routes live under /ev/ocpp/v1)",
    ),
    ("ODOO_DB", "odoo_db", "Odoo database name (X-Odoo-Database header and ?db=)"),
    (
        "ODOO_API_KEY",
        "odoo_api_key",
        "API key of the 'EV OCPP Bridge' technical user (Bearer)",
    ),
    (
        "ODOO_API_KEY_FILE",
        None,
        "File holding ODOO_API_KEY (e.g. a Docker secret); whitespace stripped; "
        "ODOO_API_KEY wins if both are set",
    ),
    ("ODOO_TIMEOUT", "odoo_timeout", "Timeout in seconds for event delivery calls"),
    ("OCPP_HOST", "ocpp_host", "Listen address for chargers (websocket)"),
    (
        "OCPP_PORT",
        "ocpp_port",
        "Listen port for chargers; URL is ws://HOST:PORT/ocpp/<identity>",
    ),
    (
        "OCPP_TLS_CERT",
        "tls_cert",
        "PEM certificate: enables wss:// (security profile 2)",
    ),
    ("OCPP_TLS_KEY", "tls_key", "PEM private key for OCPP_TLS_CERT"),
    (
        "OCPP_PING_INTERVAL",
        "ping_interval",
        "Websocket ping interval in seconds (0 disables)",
    ),
    ("OCPP_MAX_MESSAGE_BYTES", "max_message_bytes", "Largest accepted OCPP frame"),
    (
        "OCPP_LISTEN_BACKLOG",
        "listen_backlog",
        "TCP accept queue for chargers (a reconnect storm; the kernel caps it at "
        "net.core.somaxconn)",
    ),
    (
        "COMMAND_HOST",
        "command_host",
        "Listen address of the command HTTP API and /health",
    ),
    ("COMMAND_PORT", "command_port", "Listen port of the command HTTP API"),
    (
        "COMMAND_TOKEN",
        "command_token",
        "Bearer token Odoo must send to the command API",
    ),
    (
        "COMMAND_TOKEN_FILE",
        None,
        "File holding COMMAND_TOKEN (e.g. a Docker secret); whitespace stripped; "
        "COMMAND_TOKEN wins if both are set",
    ),
    (
        "COMMAND_TIMEOUT",
        "command_timeout",
        "Seconds to wait for a charger to answer a command (then 504)",
    ),
    ("OUTBOX_PATH", "outbox_path", "SQLite file of the durable outbox (WAL mode)"),
    (
        "OUTBOX_SYNCHRONOUS",
        "outbox_synchronous",
        "SQLite synchronous pragma: FULL (fsync every group commit) or NORMAL",
    ),
    (
        "OUTBOX_BATCH_SIZE",
        "outbox_batch_size",
        "Events per delivery call to Odoo (max 500)",
    ),
    (
        "OUTBOX_RETRY_MIN",
        "retry_min",
        "First retry delay in seconds when Odoo is unreachable",
    ),
    (
        "OUTBOX_RETRY_MAX",
        "retry_max",
        "Largest retry delay in seconds (exponential backoff)",
    ),
    (
        "METER_FLUSH_SECONDS",
        "meter_flush_seconds",
        "Aggregate meter samples into one event per transaction this often",
    ),
    (
        "BRIDGE_INSTANCE_ID",
        "instance_id",
        "This instance's number, 0 <= id < TRANSACTION_ID_STRIDE",
    ),
    (
        "TRANSACTION_ID_STRIDE",
        "transaction_id_stride",
        "Max number of bridge instances; ids are seq*stride+instance",
    ),
    (
        "CREDENTIALS_CACHE_SECONDS",
        "credentials_cache_seconds",
        "Age after which an accepted charger credential answer is re-checked with "
        "Odoo (answers are kept in the SQLite store)",
    ),
    (
        "CREDENTIALS_STALE_WAIT",
        "credentials_stale_wait",
        "At a re-check, wait this long for Odoo, then admit on the cached answer "
        "and finish the re-check in the background (closing the connection if Odoo "
        "refuses)",
    ),
    (
        "CREDENTIALS_MAX_STALE_SECONDS",
        "credentials_max_stale_seconds",
        "A cached credential answer older than this is never used, even while Odoo "
        "is away",
    ),
    (
        "CREDENTIALS_CONCURRENCY",
        "credentials_concurrency",
        "Credential checks in flight to Odoo at once; more handshakes queue "
        "(cached answers never wait)",
    ),
    (
        "CREDENTIALS_TIMEOUT",
        "credentials_timeout",
        "Timeout of one credential call to Odoo at handshake",
    ),
    (
        "AUTHORIZE_TIMEOUT",
        "authorize_timeout",
        "Timeout for Authorize / StartTransaction idTag checks",
    ),
    (
        "AUTH_OFFLINE_POLICY",
        "auth_offline_policy",
        "When Odoo is away: cache (cached answer, else Invalid), accept (cached, "
        "else Accepted), reject (always Invalid)",
    ),
    (
        "AUTH_CACHE_SECONDS",
        "auth_cache_seconds",
        "How long a cached idTag answer may be used offline",
    ),
    (
        "AUTH_CACHE_SIZE",
        "auth_cache_size",
        "Most idTag answers kept in the authorization cache (least recently used "
        "out first)",
    ),
    (
        "DATA_TRANSFER_VENDORS",
        "data_transfer_vendors",
        "Comma-separated DataTransfer vendorIds passed on to Odoo; any other "
        "vendorId without a handler in vendors.py is answered UnknownVendorId",
    ),
    (
        "UNKNOWN_CHARGERS",
        "unknown_chargers",
        "An identity Odoo does not know: refuse (HTTP 404 at the handshake) or "
        "pending (let it boot, answer BootNotification Pending until an "
        "Administrator registers it); both record it in Odoo's Unknown Chargers",
    ),
    (
        "UNKNOWN_CHARGERS_MAX_PENDING",
        "unknown_chargers_max_pending",
        "Most unknown chargers held connected in Pending at once (more are refused)",
    ),
    (
        "UNKNOWN_REPORT_SECONDS",
        "unknown_report_seconds",
        "Report an unknown charger's attempts to Odoo at most this often per "
        "identity (attempts in between are counted and sent with the next report)",
    ),
    (
        "DEFAULT_HEARTBEAT_INTERVAL",
        "heartbeat_interval",
        "Heartbeat interval when Odoo did not give one",
    ),
    (
        "AUTOSTOP_MARGIN_WH",
        "autostop_margin_wh",
        "Minimum margin (Wh) before max energy at which the bridge stops",
    ),
    (
        "AUTOSTOP_MARGIN_FACTOR",
        "autostop_margin_factor",
        "Margin = max(MIN, factor * last power * meter interval)",
    ),
    (
        "REDIS_URL",
        "redis_url",
        "redis://host:port/db enables the multi-instance command router",
    ),
    ("LOG_LEVEL", "log_level", "Python logging level"),
]

# secrets that may come from a file instead (docker-compose secrets in a shared volume)
SECRET_FILES = {
    "ODOO_API_KEY_FILE": "ODOO_API_KEY",
    "COMMAND_TOKEN_FILE": "COMMAND_TOKEN",
}


def read_secret_file(variable, path):
    """The file's content with surrounding whitespace stripped; a clear error
    when it cannot be read (the bridge must not start without its secret)."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except OSError as error:
        raise ValueError(
            "%s=%r cannot be read: %s" % (variable, path, error.strerror or error)
        ) from error
    except UnicodeDecodeError as error:
        raise ValueError("%s=%r is not UTF-8 text" % (variable, path)) from error
    if not value:
        raise ValueError("%s=%r is empty" % (variable, path))
    return value


@dataclasses.dataclass
class Config:
    odoo_url: str = "http://127.0.0.1:8069"
    odoo_db: str = ""
    odoo_api_key: str = ""
    odoo_timeout: float = 10.0
    ocpp_host: str = "0.0.0.0"
    ocpp_port: int = 9000
    tls_cert: str = ""
    tls_key: str = ""
    ping_interval: float = 60.0
    max_message_bytes: int = 65536
    listen_backlog: int = 4096
    command_host: str = "127.0.0.1"
    command_port: int = 8181
    command_token: str = ""
    command_timeout: float = 30.0
    outbox_path: str = "ev_ocpp_bridge.sqlite"
    outbox_synchronous: str = "FULL"
    outbox_batch_size: int = 500
    retry_min: float = 1.0
    retry_max: float = 60.0
    meter_flush_seconds: float = 30.0
    instance_id: int = 0
    transaction_id_stride: int = 16
    credentials_cache_seconds: float = 300.0
    credentials_stale_wait: float = 1.0
    credentials_max_stale_seconds: float = 2592000.0
    credentials_concurrency: int = 16
    credentials_timeout: float = 5.0
    authorize_timeout: float = 2.0
    auth_offline_policy: str = "cache"
    auth_cache_seconds: float = 86400.0
    auth_cache_size: int = 10000
    data_transfer_vendors: str = ""
    unknown_chargers: str = "refuse"
    unknown_chargers_max_pending: int = 100
    unknown_report_seconds: float = 60.0
    heartbeat_interval: int = 300
    autostop_margin_wh: float = 20.0
    autostop_margin_factor: float = 1.0
    redis_url: str = ""
    log_level: str = "INFO"
    instance_name: str = dataclasses.field(default_factory=socket.gethostname)

    @classmethod
    def from_env(cls, environ=None):
        environ = os.environ if environ is None else environ
        values = {}
        attributes = {variable: attribute for variable, attribute, _help in SETTINGS}
        fields = {field.name: field for field in dataclasses.fields(cls)}
        for file_variable, variable in SECRET_FILES.items():
            # the plain variable wins; the file is only read when it is needed
            if environ.get(file_variable) and not environ.get(variable):
                values[attributes[variable]] = read_secret_file(
                    file_variable, environ[file_variable]
                )
        for variable, attribute, _help in SETTINGS:
            if attribute is None:
                continue
            kind = fields[attribute].type
            if variable in environ and environ[variable] != "":
                try:
                    values[attribute] = kind(environ[variable])
                except ValueError as error:
                    raise ValueError(
                        "%s=%r is not a valid %s"
                        % (variable, environ[variable], kind.__name__)
                    ) from error
        config = cls(**values)
        config.check()
        return config

    def check(self):
        if self.auth_offline_policy not in ("cache", "accept", "reject"):
            raise ValueError("AUTH_OFFLINE_POLICY must be cache, accept or reject")
        if not 0 <= self.instance_id < self.transaction_id_stride:
            raise ValueError("BRIDGE_INSTANCE_ID must be in [0, TRANSACTION_ID_STRIDE)")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("OCPP_TLS_CERT and OCPP_TLS_KEY go together")
        if self.outbox_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA", "OFF"):
            raise ValueError("OUTBOX_SYNCHRONOUS must be FULL, NORMAL, EXTRA or OFF")
        if self.unknown_chargers not in ("refuse", "pending"):
            raise ValueError("UNKNOWN_CHARGERS must be refuse or pending")
        if self.auth_cache_size < 1:
            raise ValueError("AUTH_CACHE_SIZE must be at least 1")
        if self.credentials_concurrency < 1:
            raise ValueError("CREDENTIALS_CONCURRENCY must be at least 1")
        self.outbox_batch_size = max(1, min(500, self.outbox_batch_size))

    @property
    def tls(self):
        return bool(self.tls_cert)

    @property
    def forwarded_vendors(self):
        return frozenset(
            vendor.strip()
            for vendor in self.data_transfer_vendors.split(",")
            if vendor.strip()
        )


def help_text():
    lines = ["Environment variables:"]
    fields = {field.name: field for field in dataclasses.fields(Config)}
    for variable, attribute, text in SETTINGS:
        default = fields[attribute].default if attribute else ""
        lines.append("  %-27s %s (default: %r)" % (variable, text, default))
    return "\n".join(lines)
