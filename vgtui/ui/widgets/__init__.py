"""The widgets of the live monitor, one a module."""
