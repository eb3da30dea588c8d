"""``python -m vgtui``."""

import sys

from vgtui.cli import main

sys.exit(main())
