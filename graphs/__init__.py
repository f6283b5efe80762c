"""The conversation graph (``graphs.conversation``: model -> [approve ->] tools -> model ... -> answer)."""
