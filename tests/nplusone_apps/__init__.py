"""Small importable apps whose N+1 loops are run against SQLite by tests/test_nplusone.py."""
