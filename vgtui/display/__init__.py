"""Plain-Python helpers of what the screen shows: columns, scales, pacing. No Textual."""
