"""Security rules (BL3xx): SQL built from strings, hardcoded secrets."""
