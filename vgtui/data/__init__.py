"""Data sets and presets: plain numpy, no TensorFlow, no Textual."""
