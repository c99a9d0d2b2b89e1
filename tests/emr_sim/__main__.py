"""Run the simulated EMR on its own until Ctrl-C::

    python -m tests.emr_sim [--port N] [--no-roles]

It prints the endpoint and the environment variables to export so that
boto3 (or a streamr run in another shell) reaches it."""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from tests.emr_sim.sim import SimulatedEMR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emr_sim",
                                     description="A simulated Amazon EMR on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument("--no-roles", action="store_true",
                        help="do not create EMR_DefaultRole and EMR_EC2_DefaultRole")
    args = parser.parse_args(argv)
    sim = SimulatedEMR(port=args.port).start()
    try:
        if not args.no_roles:
            sim.create_default_roles()
        print("simulated EMR listening at %s" % sim.endpoint)
        print("export these to reach it:")
        for name, value in sorted(sim.env(include_unset=True).items()):
            print("  unset %s" % name if value is None
                  else "  export %s=%s" % (name, shlex.quote(value)))
        print("Ctrl-C stops it.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
