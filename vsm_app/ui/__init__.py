"""The PySide6 user interface (main window, canvas, docks, dialogs)."""
