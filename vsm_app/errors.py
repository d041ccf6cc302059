"""Errors shared by the command line and the app (Qt-free)."""


class BadInput(Exception):
    """User input a command cannot use; the message is shown as is (exit code 2)."""


class WriteError(OSError):
    """A file that could not be written (full disk, read-only folder); the message names the
    target the user chose, never a temporary file (exit code 2 on the command line)."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno  # type: ignore[misc]

    def __str__(self) -> str:
        return str(self.args[0])
