"""Ticket use cases, one module per use case; transitions.py is the status state machine."""
