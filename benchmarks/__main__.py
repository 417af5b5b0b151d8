"""`python -m benchmarks [NAME...] [--quick]`: run the named benchmarks (default: all)."""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = (
    "startup",
    "fanout",
    "responsiveness",
    "throughput",
    "faults",
    "fleet",
    "org",
    "org_tui",
)  # responsiveness also reports memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes; under two minutes on 2 cores"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})"
        )
    failed = False
    for name in args.names or BENCHMARKS:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{name}":
                raise
            print(f'{{"name": "{name}", "error": "not written yet"}}', flush=True)
            continue
        for figure in module.run(args.quick):
            print(figure.to_json(), flush=True)
            failed |= figure.ok is False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
