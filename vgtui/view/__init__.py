"""Viewing runs that are trained elsewhere: a run log, a directory of logs, a --json file."""
