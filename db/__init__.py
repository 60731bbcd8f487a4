"""Database layer: models, engine and sessions, migrations and query helpers."""
