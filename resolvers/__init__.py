"""Use cases: authorise, validate, call db/, write the audit entry, publish, enqueue."""
