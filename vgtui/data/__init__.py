"""The data sets the network learns, the plane around them, and presets (numpy; no TensorFlow)."""
