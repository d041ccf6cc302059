"""Work items from an issue tracker: their rules as data (issue 18, docs/metrics.md §17).

Qt-free and pandas-free: the importers, the git reader, the analysis and the project file
share these rules, so each one lives in one place.

* **Kinds**: an item's issue type (Jira ``issuetype``, Azure ``System.WorkItemType``, a
  GitHub issue type or its first label that names one, the ``type`` column of a generic
  table) maps to a Flow Framework kind — feature, defect, debt, risk — or to ``""``: *not a
  unit of flow* (epics and features above the stories, sub-tasks below them). A project
  overrides the defaults per type name (:attr:`ItemSettings.type_kinds`).
* **Status categories**: every tracker status belongs to ``new`` ("To Do"-like),
  ``indeterminate`` ("In Progress"-like) or ``done``. Jira says so itself (``statusCategory``,
  the statuses list); for other trackers and for historical statuses no current item shows,
  :func:`category_from_name` reads the name; a project overrides per status name.
* **Keys**: the references to items that branch names, pull request titles and bodies and
  commit messages carry (``PROJ-123``, ``#123``, ``owner/repo#123``, ``AB#123``), found by
  :func:`find_keys` (text) and :func:`find_keys_bytes` (raw ``git log`` output).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .kinds import DEFAULT_KIND

#: the three status categories (Jira's fixed ``statusCategory`` keys)
NEW, INDETERMINATE, DONE = "new", "indeterminate", "done"
CATEGORIES: tuple[str, ...] = (NEW, INDETERMINATE, DONE)
#: Jira's fixed statusCategory ids
JIRA_CATEGORY_IDS: dict[int, str] = {2: NEW, 4: INDETERMINATE, 3: DONE}

#: what an item is when its type maps to nothing the mapping knows (listed in data quality)
UNKNOWN_KIND = "unknown"
#: the kind value of a type that is not a unit of flow
NOT_A_UNIT = ""
#: the kinds an item can be given (besides NOT_A_UNIT)
ITEM_KINDS: tuple[str, ...] = ("feature", "defect", "debt", "risk")

#: issue type (case-folded) → kind, or "" when items of that type are not units of flow.
#: English names as Jira, Azure Boards and GitHub ship them, and the default Chinese Jira
#: names (the real exports in shared/formats/trackers are localised).
DEFAULT_TYPE_KINDS: dict[str, str] = {
    # features: what a customer asked for
    "story": "feature", "user story": "feature", "product backlog item": "feature",
    "new feature": "feature", "improvement": "feature", "enhancement": "feature",
    "requirement": "feature", "feature request": "feature",
    "故事": "feature", "用户故事": "feature", "需求": "feature", "改进": "feature",
    # defects
    "bug": "defect", "defect": "defect", "incident": "defect", "problem": "defect",
    "缺陷": "defect", "故障": "defect", "问题": "defect",
    # debt: work the team owes itself
    "task": "debt", "technical debt": "debt", "tech debt": "debt", "technical-debt": "debt",
    "tech-debt": "debt", "chore": "debt", "refactoring": "debt", "spike": "debt",
    "任务": "debt", "技术债务": "debt",
    # risk
    "risk": "risk", "security": "risk", "vulnerability": "risk", "compliance": "risk",
    "风险": "risk",
    # not units of flow: containers above the stories and parts below them
    "epic": NOT_A_UNIT, "feature": NOT_A_UNIT, "initiative": NOT_A_UNIT, "theme": NOT_A_UNIT,
    "sub-task": NOT_A_UNIT, "subtask": NOT_A_UNIT, "子任务": NOT_A_UNIT, "史诗": NOT_A_UNIT,
    "test case": NOT_A_UNIT, "test plan": NOT_A_UNIT, "test suite": NOT_A_UNIT,
}

#: GitHub labels that name an issue's type (the first one found decides), case-folded
TYPE_LABELS: dict[str, str] = {
    "bug": "Bug", "defect": "Bug", "regression": "Bug",
    "enhancement": "Enhancement", "feature": "Enhancement", "feature request": "Enhancement",
    "tech-debt": "Technical debt", "technical debt": "Technical debt", "debt": "Technical debt",
    "refactor": "Technical debt", "chore": "Task", "task": "Task",
    "security": "Security", "risk": "Risk", "epic": "Epic",
}


@dataclass(frozen=True)
class ItemSettings:
    """A project's choices about work items (``settings.items`` in the ``.vsm`` file).

    Attributes
    ----------
    type_kinds
        Issue type name → ``feature``/``defect``/``debt``/``risk``, or ``""`` for "not a
        unit of flow"; overrides :data:`DEFAULT_TYPE_KINDS` (names compared case-folded).
    start_statuses
        Flow time starts at the first entry into one of these statuses; empty: at creation.
    status_categories
        Status name → ``new``/``indeterminate``/``done``, overriding what the tracker says
        and the name heuristic.
    """

    type_kinds: dict[str, str] = field(default_factory=dict)
    start_statuses: tuple[str, ...] = ()
    status_categories: dict[str, str] = field(default_factory=dict)

    def is_default(self) -> bool:
        return not (self.type_kinds or self.start_statuses or self.status_categories)


def norm_name(name: str) -> str:
    """How status and type names are compared: trimmed, inner spaces collapsed, case-folded."""
    return " ".join(str(name).split()).casefold()


def check_kind(value: str) -> str | None:
    """Why ``value`` is not a kind a type may map to (None when it is)."""
    if value in ITEM_KINDS or value == NOT_A_UNIT:
        return None
    return f"expected one of {', '.join(ITEM_KINDS)} or \"\" (not a unit of flow)"


def check_category(value: str) -> str | None:
    """Why ``value`` is not a status category (None when it is)."""
    return None if value in CATEGORIES else f"expected one of {', '.join(CATEGORIES)}"


def type_kind_map(settings: ItemSettings | None = None) -> dict[str, str]:
    """The effective issue type → kind mapping: the defaults, then the project's choices."""
    out = dict(DEFAULT_TYPE_KINDS)
    if settings is not None:
        out.update({norm_name(k): v for k, v in settings.type_kinds.items()})
    return out


def kind_of_type(type_name: str | None, level: int | None,
                 mapping: Mapping[str, str], user: Mapping[str, str] | None = None) -> str:
    """The kind of an item of ``type_name`` (see the module docstring).

    ``level`` is Jira's ``hierarchyLevel`` (-1 sub-task, 0 standard, 1 epic and above) when
    known: a level other than 0 is not a unit unless the project maps the type itself.
    An item without a type is :data:`~vsm_app.domain.kinds.DEFAULT_KIND`, like a change
    whose subject says nothing; a type the mapping does not know is :data:`UNKNOWN_KIND`.
    """
    if type_name is None or not str(type_name).strip():
        return DEFAULT_KIND
    key = norm_name(type_name)
    if user is not None and key in user:
        return user[key]
    if level is not None and level != 0:
        return NOT_A_UNIT
    return mapping.get(key, UNKNOWN_KIND)


def type_from_labels(labels: Iterable[str]) -> str | None:
    """The issue type the first type-naming label says (GitHub issues have labels)."""
    for label in labels:
        t = TYPE_LABELS.get(norm_name(label))
        if t:
            return t
    return None


# -- status categories ------------------------------------------------------------------

_DONE_WORDS = ("done", "closed", "resolved", "complete", "completed", "released", "finished",
               "cancelled", "canceled", "rejected", "removed", "won't do", "wont do",
               "duplicate", "deployed", "shipped", "delivered", "archived")
_NEW_WORDS = ("to do", "todo", "open", "new", "backlog", "inbox", "proposed", "approved",
              "reopened", "ready", "selected", "triage", "funnel", "icebox", "planned",
              "not started", "requested", "draft")
_DONE_CJK = ("已完成", "完成", "关闭", "已关闭", "已解决", "已发布", "已取消", "完了", "終了")
_NEW_CJK = ("待办", "新建", "打开", "待处理", "未开始", "开放")


#: "Ready for review/QA/release": the work is under way, only waiting inside the flow
_READY_FOR_LATER = re.compile(r" ready (?:for|to) (?:code )?(?:review|test|testing|qa|deploy|"
                              r"deployment|release|merge|acceptance|uat|verification|prod)")
_NON_WORD = re.compile(r"[^0-9a-z\u00c0-\uffff']+")


def category_from_name(name: str) -> str:
    """A status category read from a status name, for trackers (and historical statuses)
    that do not say: "Done", "Closed", "Resolved", "Released" … → done; "To Do", "Open",
    "Backlog", "New", "Ready for Dev", "Reopened" … → new; anything else → indeterminate
    (work in progress). Whole words only: "Ready for review" is new, "In review" is not."""
    n = norm_name(name)
    for cjk in _DONE_CJK:
        if cjk in n:
            return DONE
    for cjk in _NEW_CJK:
        if cjk in n:
            return NEW
    padded = f" {_NON_WORD.sub(' ', n)} "
    if n.startswith(("in ", "doing")) or _READY_FOR_LATER.search(padded):
        return INDETERMINATE
    for word in _DONE_WORDS:
        if f" {word} " in padded:
            return DONE
    for word in _NEW_WORDS:
        if f" {word} " in padded:
            return NEW
    return INDETERMINATE


# -- keys -------------------------------------------------------------------------------

# A key is preceded by nothing that makes it part of a longer word or path, and not
# followed by a letter or digit (EE-3394's in "EE-3394:" or "EE-3394_fix" or "(EE-3394)").
_JIRA = r"(?<![A-Za-z0-9_\-])([A-Z][A-Z0-9_]{1,19}-[1-9][0-9]{0,8})(?![A-Za-z0-9])"
_AZURE = r"(?<![A-Za-z0-9_])AB#([1-9][0-9]{0,9})(?![0-9A-Za-z])"
_CROSS = r"(?<![A-Za-z0-9_.\-/])([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+)#([1-9][0-9]{0,9})(?![0-9A-Za-z])"
_HASH = r"(?<![A-Za-z0-9_&/#;])#([1-9][0-9]{0,9})(?![0-9A-Za-z])"
KEY_PATTERNS: dict[str, str] = {
    "jira": "PROJ-123 (a project key of 2–20 capitals, digits or _, a dash, a number)",
    "github": "#123, or owner/repo#123 across repositories",
    "azure": "AB#123 (Azure Boards' mention of a work item)",
    "branch": ("in branch names also lower-case keys (feature/proj-123-x) and GitHub's "
               "'123-title' branches created from an issue"),
}
_TEXT = re.compile("|".join((_AZURE, _CROSS, _HASH, _JIRA)))
_BYTES = re.compile("|".join((_AZURE, _CROSS, _HASH, _JIRA)).encode())
_BRANCH_JIRA = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9_]{1,19}-[1-9][0-9]{0,8})"
                          r"(?![0-9])")
_BRANCH_ISSUE = re.compile(r"^(?:[^/]+/)*?([1-9][0-9]{0,9})-[A-Za-z]")


def _key_of(m: re.Match[str]) -> str:
    azure, cross_repo, cross_num, hash_num, jira = m.groups()
    if azure:
        return f"AB#{azure}"
    if cross_num:
        return f"{cross_repo.casefold()}#{cross_num}"
    if hash_num:
        return f"#{hash_num}"
    return jira


def find_keys(text: str | None) -> list[str]:
    """Item keys in ``text``, each once, in order: ``PROJ-123``, ``#123``,
    ``owner/repo#123`` (repository case-folded), ``AB#123``."""
    if not text:
        return []
    out: dict[str, None] = {}
    for m in _TEXT.finditer(text):
        out[_key_of(m)] = None
    return list(out)


def find_keys_bytes(blob: bytes) -> list[tuple[int, str]]:
    """``(offset, key)`` of every key in raw bytes (for :mod:`vsm_app.ingest.git`, which
    maps offsets back to commits)."""
    out: list[tuple[int, str]] = []
    for m in _BYTES.finditer(blob):
        azure, cross_repo, cross_num, hash_num, jira = m.groups()
        if azure:
            key = f"AB#{azure.decode()}"
        elif cross_num:
            key = f"{cross_repo.decode('utf-8', 'replace').casefold()}#{cross_num.decode()}"
        elif hash_num:
            key = f"#{hash_num.decode()}"
        else:
            key = jira.decode()
        out.append((m.start(), key))
    return out


def find_branch_keys(branch: str | None, *, any_case: bool = True) -> list[str]:
    """Item keys in a branch name: case-insensitive Jira keys (``feature/ee-12-login`` →
    ``EE-12``), GitHub's ``123-title`` branches (→ ``#123``) and every key of
    :func:`find_keys`. ``any_case=False`` takes Jira keys only as written in capitals: for
    what is kept on disk (the git history cache), where a lower-case branch such as
    ``jdoe-12`` must not turn a login into a key."""
    if not branch:
        return []
    out: dict[str, None] = dict.fromkeys(find_keys(branch))
    for m in _BRANCH_JIRA.finditer(branch) if any_case else ():
        out[m.group(1).upper()] = None
    m2 = _BRANCH_ISSUE.match(branch)
    if m2:
        out[f"#{m2.group(1)}"] = None
    return list(out)


#: how an item is linked to a change (``item_links.how``)
HOW_BRANCH = "branch"  # a key in the branch name (PR head, or a merge commit's message)
HOW_PR = "pr"  # a key in the pull request's title or body
HOW_MESSAGE = "message"  # a key in a commit message of the change
HOW_TRACKER = "tracker"  # the tracker names the commit or pull request
HOWS: tuple[str, ...] = (HOW_TRACKER, HOW_BRANCH, HOW_PR, HOW_MESSAGE)
