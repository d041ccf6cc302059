"""Work items from issue trackers (issue 18): Jira, GitHub issues, Azure Boards and a generic
table of status changes, read from the files users export, streamed like every importer.

:data:`PARSERS` (format name → parser, registered with
:mod:`vsm_app.ingest.detect`), :func:`~vsm_app.ingest.trackers.combine.combine` (every
tracker file → ``items`` and ``item_status``) and :func:`~vsm_app.ingest.trackers.link.link_items`
(items ↔ changes) are what :mod:`vsm_app.ingest.sources` calls. Rules: docs/metrics.md §17.
"""

from __future__ import annotations

from collections.abc import Callable

from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.trackers import azure, generic, github, jira

PARSERS: dict[str, Callable[..., Parsed]] = {
    **jira.PARSERS, **github.PARSERS, **azure.PARSERS, **generic.PARSERS,
}

__all__ = ["PARSERS"]
