"""The metric catalogue, the band tables and the one formatter of numbers (Qt-free).

:mod:`.catalogue` describes every metric (id, label, format, direction, band table, docs
anchor, definition); :mod:`.bands` maps a value to its DORA band from ``data/dora_bands.json``;
:mod:`.format` turns a value into text for people, honouring the locale the app installs.
"""
