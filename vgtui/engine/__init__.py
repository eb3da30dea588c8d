"""The training engine: TensorFlow, numpy and scikit-learn, never Textual."""
