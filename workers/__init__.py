"""Background work: e-mail delivery now; Dramatiq actors call the same plain functions."""
