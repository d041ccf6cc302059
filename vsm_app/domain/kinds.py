"""Kind of a change (Flow Framework item types): feature, defect, debt, risk.

From PR labels when present, else from the Conventional-Commit prefix of the subject
(DESIGN §2). The mapping is data so a project can override it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

KINDS = ("feature", "defect", "debt", "risk")

DEFAULT_PREFIXES: dict[str, str] = {
    "feat": "feature", "feature": "feature",
    "fix": "defect", "revert": "defect", "hotfix": "defect", "bugfix": "defect",
    "refactor": "debt", "chore": "debt", "perf": "debt", "test": "debt", "tests": "debt",
    "build": "debt", "ci": "debt", "docs": "debt", "style": "debt",
    "security": "risk", "sec": "risk", "deps": "risk",
}

DEFAULT_LABELS: dict[str, str] = {
    "feature": "feature", "enhancement": "feature", "feat": "feature",
    "bug": "defect", "defect": "defect", "fix": "defect", "hotfix": "defect",
    "regression": "defect",
    "tech-debt": "debt", "debt": "debt", "refactor": "debt", "chore": "debt",
    "documentation": "debt", "docs": "debt",
    "security": "risk", "dependencies": "risk", "risk": "risk", "compliance": "risk",
}

#: what a change is when nothing says otherwise
DEFAULT_KIND = "feature"

_PREFIX = re.compile(r"^\s*([A-Za-z]+)(?:\([^)]*\))?!?:")
_GIT_REVERT = re.compile(r'^\s*Revert "')


def kind_from_subject(subject: str, prefixes: Mapping[str, str] = DEFAULT_PREFIXES) -> str:
    """``feat(ui): x`` → feature, ``fix: y`` → defect, ``Revert "..."`` → defect."""
    if _GIT_REVERT.match(subject or ""):
        return prefixes.get("revert", "defect")
    m = _PREFIX.match(subject or "")
    if m:
        return prefixes.get(m.group(1).lower(), DEFAULT_KIND)
    return DEFAULT_KIND


def kind_from_labels(labels: Iterable[str],
                     mapping: Mapping[str, str] = DEFAULT_LABELS) -> str | None:
    """The kind named by the first label that maps to one, else ``None``."""
    for label in labels:
        k = mapping.get(str(label).strip().lower())
        if k:
            return k
    return None


def has_kind_prefix(subject: str, prefixes: Mapping[str, str] = DEFAULT_PREFIXES) -> bool:
    """Whether the subject itself names a kind (a known prefix or a git revert title)."""
    if _GIT_REVERT.match(subject or ""):
        return True
    m = _PREFIX.match(subject or "")
    return bool(m and m.group(1).lower() in prefixes)


#: a hotfix change, from its merge commit's subject (case-insensitive): a
#: ``hotfix:``/``hotfix(scope)!:`` prefix, or the merge of a ``hotfix-``/``hotfix_``/``hotfix/``
#: branch
HOTFIX_SUBJECT = r"^\s*hotfix(?:\([^)]*\))?!?:|^\s*merge\b.*\bhotfix[-_/]"


def is_hotfix_subject(subject: str) -> bool:
    m = _PREFIX.match(subject or "")
    return bool(m and m.group(1).lower() == "hotfix")
