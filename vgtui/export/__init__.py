"""``vgtui export``: run logs to JSON, CSV, TensorBoard event files and the tutorial's figure.

One module a format, and one table of them (:mod:`vgtui.export.formats`: name, flag,
extension, writer, extra needed) that :mod:`vgtui.cli.export` reads.
Nothing here imports TensorFlow or Textual.
"""
