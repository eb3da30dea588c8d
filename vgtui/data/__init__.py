"""The data sets the network learns, and the plane around them (numpy; no TensorFlow)."""
