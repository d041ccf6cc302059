"""Deterministic demo data (``python -m vsm_app.demo.generate DEST``); see :mod:`.generate`."""
