"""``python -m woc_gate.config --markdown``: print the README's tables of settings."""

from __future__ import annotations

import argparse
import sys

from .readme import markdown


def main(argv: list[str] | None = None) -> int:
    """Print the tables the README carries, generated from the declarations."""
    parser = argparse.ArgumentParser(prog="python -m woc_gate.config", description="The settings woc-gate reads")
    parser.add_argument("--markdown", action="store_true", help="Print the README's tables of settings")
    if not parser.parse_args(argv).markdown:
        parser.error("say what to print: --markdown")
    print(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
