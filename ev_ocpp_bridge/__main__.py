"""``ev-ocpp-bridge`` / ``python -m ev_ocpp_bridge``: run the bridge until
SIGTERM or SIGINT, then shut down gracefully."""

import argparse
import asyncio
import logging
import signal
import sys

from . import __version__
from .config import Config, help_text
from .server import Bridge

_logger = logging.getLogger("ev_ocpp_bridge")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="ev-ocpp-bridge",
        description=(
            "OCPP 1.6J central system for EV Billing for Odoo. "
            "Configured by environment variables."
        ),
        epilog=help_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--check-config", action="store_true", help="validate the environment and exit"
    )
    return parser.parse_args(argv)


async def run(config):
    bridge = Bridge(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await bridge.start()
    await stop.wait()
    await bridge.stop()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = Config.from_env()
    except ValueError as error:
        print("configuration error: %s" % error, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    if args.check_config:
        print("configuration ok")
        return 0
    if not config.command_token:
        _logger.warning(
            "event=no_command_token the command API refuses every call until "
            "COMMAND_TOKEN is set"
        )
    asyncio.run(run(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
