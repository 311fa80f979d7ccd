"""The verifier: reads the outputs back and proves every protected item is there."""
