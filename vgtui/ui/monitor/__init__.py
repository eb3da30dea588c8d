"""The live monitor: its screen, its keys, the gate that says which apply, its commands."""
