"""The ``sahel-sim-app`` command: start the Sahel explorer, a local web app (Solara).

``sahel-sim-app [--host 127.0.0.1] [--port 8765]`` serves :mod:`sim.app.page` and prints its
address; it binds to 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` to reach it
from other machines). Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]

PROG = "sahel-sim-app"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-app`` console script."""
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    args = ap.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"{PROG}: error: --port={args.port} is out of range; allowed: 0-65535",
              file=sys.stderr)
        sys.exit(2)
    from solara.__main__ import main as solara_main

    print(f"{PROG}: the Sahel explorer at http://{args.host}:{args.port}/ (Ctrl-C stops it)",
          file=sys.stderr, flush=True)
    sys.argv = ["solara", "run", "sim.app.page", "--host", args.host, "--port", str(args.port),
                "--production", "--no-open", "--log-level", "warning"]
    solara_main()


if __name__ == "__main__":
    main()
