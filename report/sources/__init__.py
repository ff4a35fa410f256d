"""Data sources: file imports and (network) providers, each wrapped at this boundary."""
