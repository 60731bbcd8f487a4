"""AI reply suggestions: storing a produced draft, and what staff do with one."""
