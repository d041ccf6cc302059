"""Dock widgets of the main window (properties; later: data sources, dashboards)."""
