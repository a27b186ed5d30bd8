"""Extra subcommands: each module here defines ``command`` (a click command); cli.py adds them all.

Keeps cli.py free of a hand-kept list, so a feature (``backlint routes``) lives in one module.
"""
