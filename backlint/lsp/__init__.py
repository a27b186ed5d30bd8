"""The language server (``backlint server``): pygls over stdio. Optional: ``pip install "backlint[lsp]"``."""
