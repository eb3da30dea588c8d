"""``vgtui export``: run logs to JSON, CSV, TensorBoard event files and the tutorial's figure.

One module a format; :mod:`vgtui.cli.export` reads the command line.
Nothing here imports TensorFlow or Textual.
"""
