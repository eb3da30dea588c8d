"""``python -m vgtui``."""

from vgtui.cli.main import entry

entry()
