"""Resilience rules: blocking calls in async code, caches, connections, slow work, retries."""
