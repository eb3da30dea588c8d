"""``python -m vgtui``."""

import sys

from vgtui.cli.main import main

sys.exit(main())
