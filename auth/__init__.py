"""Authentication and authorisation primitives: passwords, tokens, API keys, principals."""
