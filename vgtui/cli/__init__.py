"""The command line: ``vgtui`` (train, in the app or headless), ``vgtui view``, ``vgtui export``.

One module a subcommand (:mod:`~vgtui.cli.run`, :mod:`~vgtui.cli.view`,
:mod:`~vgtui.cli.export`), dispatched by :mod:`~vgtui.cli.main`; the parsing
they share (:mod:`~vgtui.cli.parsing`), the checks made before anything starts
(a terminal for the app, a GPU for ``--device gpu``), and the headless run
with its signal handling.
"""

from vgtui.cli.main import main

__all__ = ["main"]
