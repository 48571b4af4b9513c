"""hallq."""
