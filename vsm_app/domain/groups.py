"""Groups: the teams and services a portfolio compares (issue 21). Never people.

A :class:`Group` is defined by *where the work is*, never by who did it:

* ``repositories``: repository labels (the ``repo`` column; a manifest's repository names).
  Empty: every repository.
* ``paths``: CODEOWNERS-style patterns (gitignore syntax, as GitHub's CODEOWNERS reads it):
  ``packages/vite`` or ``/packages/vite/`` is that sub-tree, ``*.md`` any Markdown file at any
  depth, ``docs/**/*.png``… A pattern that names a folder takes everything under it.
* ``owner``: a CODEOWNERS **team** handle (``@org/team``): the files whose owning line in the
  project's CODEOWNERS file names that team (the *last* matching line owns a file, as on
  GitHub). A personal handle (``@someone``) or an e-mail address is refused: a group is a team
  or a service, and no metric is ever computed per person.

A change belongs to a group when it is in one of the group's repositories and, if the group
has ``paths`` or an ``owner``, one of its commits touches a file the group takes. A change that
touches the files of several groups belongs to each of them (its lead time counts once in each
group, and once in the whole). The rules for deployments live in
:mod:`vsm_app.analysis.groups`; docs/metrics.md §15 has both.

Pure Python, no pandas: matching runs once per distinct file path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

GROUP_KINDS = ("team", "service")

#: a CODEOWNERS team handle: @org/team (GitHub) or @group/subgroup (GitLab)
_TEAM = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)+$")
_PERSON = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9._-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class GroupError(ValueError):
    """A group definition that cannot be used; ``where`` names the field."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Group:
    """A team or a service, defined by repositories and paths (see module docstring)."""

    name: str
    kind: str = "team"
    repositories: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    owner: str | None = None

    @property
    def by_files(self) -> bool:
        """Whether membership needs the files each change touched."""
        return bool(self.paths) or self.owner is not None

    def takes_repository(self, repo: str) -> bool:
        return not self.repositories or repo in self.repositories

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.repositories:
            out["repositories"] = list(self.repositories)
        if self.paths:
            out["paths"] = list(self.paths)
        if self.owner:
            out["owner"] = self.owner
        return out


def is_team_handle(handle: str) -> bool:
    return bool(_TEAM.match(handle))


def check_pattern(pattern: str, where: str) -> str:
    """A usable path pattern (stripped) or :class:`GroupError`."""
    p = pattern.strip()
    if not p:
        raise GroupError(where, "an empty path pattern")
    if p.startswith("@") or _EMAIL.match(p):
        raise GroupError(where, f"{p!r} looks like an owner, not a path: groups are defined by "
                                f"paths, never by person")
    if p.startswith("!"):
        raise GroupError(where, f"{p!r}: negated patterns are not supported (CODEOWNERS has "
                                f"none either)")
    if "\x00" in p or "\n" in p:
        raise GroupError(where, "a path pattern may not hold control characters")
    try:
        compile_pattern(p)
    except re.error as e:
        raise GroupError(where, f"{p!r} is not a valid pattern ({e})") from None
    return p


def make_group(name: Any, kind: Any = "team", repositories: Any = (), paths: Any = (),
               owner: Any = None, where: str = "group") -> Group:
    """Check and build a group; every problem is a :class:`GroupError` naming the field."""
    if not isinstance(name, str) or not name.strip():
        raise GroupError(f"{where}.name", "a group needs a name")
    name = name.strip()
    if _PERSON.match(name) or _EMAIL.match(name):
        raise GroupError(f"{where}.name", f"{name!r} names a person: a group is a team or a "
                                          f"service (metrics are never computed per person)")
    if kind not in GROUP_KINDS:
        raise GroupError(f"{where}.kind", f"expected one of {', '.join(GROUP_KINDS)}, "
                                          f"found {kind!r}")
    repos = _strings(repositories, f"{where}.repositories")
    pats = tuple(check_pattern(p, f"{where}.paths[{i}]")
                 for i, p in enumerate(_strings(paths, f"{where}.paths")))
    if owner is not None:
        if not isinstance(owner, str) or not owner.strip():
            raise GroupError(f"{where}.owner", "expected a team handle such as @org/team")
        owner = owner.strip()
        if not is_team_handle(owner):
            raise GroupError(f"{where}.owner", (
                f"{owner!r} is not a team handle (@org/team): groups are teams or services, "
                f"never a person"))
    if len(set(repos)) != len(repos):
        raise GroupError(f"{where}.repositories", "a repository is named twice")
    return Group(name, str(kind), tuple(repos), pats, owner)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise GroupError(where, "expected a list of strings")
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            raise GroupError(f"{where}[{i}]", "expected a non-empty string")
        out.append(v.strip())
    return tuple(out)


def check_groups(groups: Sequence[Group], repositories: Iterable[str] | None = None,
                 has_codeowners: bool = True, where: str = "groups") -> None:
    """Names unique; every named repository exists; ``owner`` only with a CODEOWNERS file."""
    seen: set[str] = set()
    known = set(repositories) if repositories is not None else None
    for i, g in enumerate(groups):
        w = f"{where}[{i}]"
        if g.name.casefold() in seen:
            raise GroupError(f"{w}.name", f"two groups are named {g.name!r}")
        seen.add(g.name.casefold())
        if known is not None:
            for j, r in enumerate(g.repositories):
                if r not in known:
                    raise GroupError(f"{w}.repositories[{j}]", (
                        f"no repository named {r!r} (repositories: "
                        f"{', '.join(sorted(known)) or 'none'})"))
        if g.owner is not None and not has_codeowners:
            raise GroupError(f"{w}.owner", "a group by CODEOWNERS team needs a CODEOWNERS file")


# -- patterns -------------------------------------------------------------------------------

def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS/gitignore pattern → a regex over repository-relative paths (``a/b.c``).

    * a leading ``/``, or a ``/`` inside the pattern, anchors it at the repository root;
      otherwise it matches at any depth (``*.js``, ``docs``);
    * ``*`` matches within one path segment, ``?`` one character of it, ``**`` any number of
      segments;
    * a pattern matches a path itself and everything under it (``docs`` takes ``docs/a.md``).
    """
    p = pattern.strip()
    anchored = p.startswith("/") or "/" in p.rstrip("/")
    body = p.strip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            out.append("(?:/.*)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[":
            j = body.find("]", i + 1)
            if j < 0:
                out.append(re.escape("["))
                i += 1
            else:
                cls = body[i + 1:j].replace("\\", "\\\\")
                if cls.startswith("!"):
                    cls = "^" + cls[1:]
                out.append(f"[{cls}]")
                i = j + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$", re.DOTALL)


def match_any(patterns: Sequence[str], paths: Sequence[str]) -> list[bool]:
    """For each path: whether any of ``patterns`` takes it."""
    if not patterns:
        return [False] * len(paths)
    rx = re.compile("|".join(f"(?:{compile_pattern(p).pattern})" for p in patterns), re.DOTALL)
    return [rx.match(p) is not None for p in paths]


# -- CODEOWNERS -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OwnerRule:
    pattern: str
    teams: tuple[str, ...]  #: team handles only; people are dropped at parse time
    line: int


@dataclass
class CodeOwners:
    """A parsed CODEOWNERS file: rules in file order (the last matching rule owns a file)."""

    source: str
    rules: list[OwnerRule] = field(default_factory=list)
    #: owner entries that are people (@user, e-mail): ignored, counted so the user knows
    people_ignored: int = 0
    #: lines that could not be read (a bad pattern): ignored with their line number
    problems: list[str] = field(default_factory=list)

    def teams(self) -> list[str]:
        return sorted({t for r in self.rules for t in r.teams})

    def owners_of(self, paths: Sequence[str]) -> list[tuple[str, ...]]:
        """Each path's owning teams: those of the last rule that matches it (GitHub's rule)."""
        owner_rule = [-1] * len(paths)
        for k, rule in enumerate(self.rules):
            rx = compile_pattern(rule.pattern)
            for i, p in enumerate(paths):
                if rx.match(p) is not None:
                    owner_rule[i] = k
        return [self.rules[k].teams if k >= 0 else () for k in owner_rule]


def parse_codeowners(text: str, source: str = "CODEOWNERS") -> CodeOwners:
    """Read a CODEOWNERS file. Personal owners are ignored (counted), never kept.

    A rule whose owners are all people still *owns* its files (for nobody we keep): a later,
    broader team rule does not take them back, exactly as GitHub resolves ownership.
    """
    out = CodeOwners(source)
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") or line.startswith("^["):  # GitLab section headers
            continue
        if " #" in line:
            line = line.split(" #", 1)[0].rstrip()
        parts = line.split()
        pattern, owners = parts[0].replace("\\ ", " "), parts[1:]
        try:
            check_pattern(pattern, f"{source}:{n}")
        except GroupError as e:
            out.problems.append(str(e))
            continue
        teams = []
        for o in owners:
            if is_team_handle(o):
                teams.append(o)
            else:
                out.people_ignored += 1
        out.rules.append(OwnerRule(pattern, tuple(teams), n))
    return out


def files_mask(group: Group, paths: Sequence[str], codeowners: CodeOwners | None,
               owners: list[tuple[str, ...]] | None = None) -> list[bool]:
    """For each distinct file path: whether ``group`` takes it (paths OR owner)."""
    hit = match_any(group.paths, paths) if group.paths else [False] * len(paths)
    if group.owner is not None and codeowners is not None:
        own = owners if owners is not None else codeowners.owners_of(paths)
        hit = [h or (group.owner in o) for h, o in zip(hit, own, strict=True)]
    return hit
