"""Account use cases: sign-up, sessions, passwords, invitations, user administration.

One module per group; schema/ imports the functions it needs from each.
"""
