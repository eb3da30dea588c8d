"""A session's runs, free of Textual and TensorFlow: the controller and its parts.

The controller (which run is current, who trains, sweeps, finishing a run),
a run (its source, history and clock), the throttle that lets a live run's epochs
through at the pace chosen, the kept runs and their comparison table, sweeps, and a
run's summary. The app and the headless run both drive it.
"""
