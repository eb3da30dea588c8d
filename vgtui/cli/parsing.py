"""Command-line parsing that fails in one line: what was wrong and what is allowed, exit 2."""

from __future__ import annotations

import argparse
from typing import NoReturn

#: Exit status of bad input on the command line.
EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE`` and exit with status 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")
