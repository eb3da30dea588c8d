"""The Textual app; it never imports TensorFlow at import time."""
