"""The app's screens: the live monitor, the comparison, the help."""
