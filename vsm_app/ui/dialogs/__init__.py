"""Dialogs: shortcut cheat sheet, crash recovery prompt, message boxes."""
