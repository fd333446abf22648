"""The ``sahel-sim-app`` command: start the Sahel explorer, a local web app (Solara).

``sahel-sim-app [--host 127.0.0.1] [--port 8765]`` serves :mod:`sim.app.page` and prints its
address; it binds to 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` to reach it
from other machines). Stop it with Ctrl-C.

A busy port (or an address that is not this machine's) is an error before any address is
printed (exit status 2); ``--port 0`` picks a free port and prints it. Solara's check for a newer
Solara is off: the project pins Solara to the version its offline front end (solara-assets)
exists for, and the upgrade Solara would advise breaks it.
"""

from __future__ import annotations

import argparse
import socket
import sys

__all__ = ["main"]

PROG = "sahel-sim-app"


def free_port(host: str, port: int) -> int:
    """The port the app will listen on: ``port`` if it can be bound on ``host`` now (the way
    the server binds it, SO_REUSEADDR on), or a free one when ``port`` is 0.

    Raises:
        OSError: the port is busy, or ``host`` is not an address of this machine.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-app`` console script."""
    ap = argparse.ArgumentParser(
        prog=PROG, description="Start the Sahel explorer, a local web app (Solara), and print "
                               "its address.")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    args = ap.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"{PROG}: error: --port={args.port} is out of range; allowed: 0-65535",
              file=sys.stderr)
        sys.exit(2)
    try:
        port = free_port(args.host, args.port)
    except OSError as exc:
        why = exc.strerror or str(exc)
        print(f"{PROG}: error: cannot listen on {args.host}:{args.port} ({why}); allowed: a "
              "free port of an address of this machine (--port N; --port 0 picks a free one)",
              file=sys.stderr)
        sys.exit(2)
    from solara.__main__ import main as solara_main

    print(f"{PROG}: the Sahel explorer at http://{args.host}:{port}/ (Ctrl-C stops it)",
          file=sys.stderr, flush=True)
    sys.argv = ["solara", "run", "sim.app.page", "--host", args.host, "--port", str(port),
                "--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    solara_main()


if __name__ == "__main__":
    main()
