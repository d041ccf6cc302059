"""Errors shared by the command line and the app (Qt-free)."""


class BadInput(Exception):
    """User input a command cannot use; the message is shown as is (exit code 2)."""
