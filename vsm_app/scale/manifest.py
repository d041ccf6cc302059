"""The ``analyze-many`` manifest: repositories, their exports, and groups, in TOML.

::

    # settings of the whole run (all optional)
    period = "week"                       # day | week | month
    band_year = 2023                      # 2023 | 2024
    since = "2025-01-01"                  # the window (default: the data's extent)
    until = "2025-12-31"                  # a date alone includes that day
    production_environments = ["production", "prod"]
    deploy_pattern = "deploy"             # CI jobs that are deployments (regex)
    time_zone = "Europe/Paris"            # for export timestamps without a zone
    codeowners = "CODEOWNERS"             # for groups by owner team
    salt = "acme"                         # for the hashed author keys in the tables

    [[repository]]
    name = "shop"                         # letters, digits, . _ - (a folder name in DIR)
    path = "repos/shop"                   # relative to this file; a shared path on a cluster
    branch = "main"                       # default: the repository's HEAD
    deploy_tags = "v*"                    # default: detected; "" for none
    subtree = "services/api"              # only changes touching it
    ci = ["exports/shop-runs.json"]       # export files of this repository
    prs = []
    deployments = []
    incidents = []

    [[group]]
    name = "api"
    kind = "service"                      # team | service
    repositories = ["shop"]
    paths = ["services/api/"]             # CODEOWNERS-style patterns
    owner = "@acme/api"                   # a CODEOWNERS team (needs codeowners)

Every problem is a :class:`ManifestError` naming the file, the line and the key. Parsing is
tomllib's (data only: no code runs).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vsm_app.domain.groups import CodeOwners, Group, GroupError, check_groups, make_group

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
EXPORT_KINDS = ("ci", "prs", "deployments", "incidents")
_TOP_KEYS = {"period", "band_year", "since", "until", "production_environments",
             "deploy_pattern", "time_zone", "codeowners", "salt", "repository", "group"}
_REPO_KEYS = {"name", "path", "branch", "deploy_tags", "subtree", *EXPORT_KINDS}
_GROUP_KEYS = {"name", "kind", "repositories", "paths", "owner"}
DEFAULT_SALT = "vsm-app-cli"  # the same as `analyze`, so author keys agree between the two


class ManifestError(ValueError):
    """A manifest that cannot be used: ``file: line N: key: message``."""

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        where = ": ".join(x for x in (f"line {line}" if line else "", key) if x)
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")


@dataclass
class RepositoryEntry:
    name: str
    path: str  #: absolute
    branch: str | None = None
    deploy_tags: str | None = None
    subtree: str | None = None
    #: (family, absolute path) of the export files of this repository
    files: list[tuple[str, str]] = field(default_factory=list)
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "branch": self.branch,
                "deploy_tags": self.deploy_tags, "subtree": self.subtree,
                "files": [list(f) for f in self.files]}


@dataclass
class Manifest:
    path: str
    repositories: list[RepositoryEntry] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    period: str = "week"
    band_year: int = 2023
    since: str | None = None
    until: str | None = None
    production_environments: tuple[str, ...] = ()
    deploy_pattern: str = "deploy"
    time_zone: str | None = None
    salt: str = DEFAULT_SALT
    codeowners_path: str | None = None
    codeowners: CodeOwners | None = None

    def settings_json(self) -> dict[str, Any]:
        """What decides every repository's tables (part of each one's fingerprint)."""
        return {"production_environments": list(self.production_environments),
                "deploy_pattern": self.deploy_pattern, "time_zone": self.time_zone,
                "salt": self.salt}


class _Lines:
    """Where things are in the text: the line of the n-th ``[[table]]`` and of a key in it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        for i, line in enumerate(self.lines, start=1):
            m = re.match(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]", line)
            if m:
                self.headers.setdefault(m.group(1), []).append(i)

    def of(self, table: str | None, index: int | None, key: str | None) -> int | None:
        start, end = 1, len(self.lines) + 1
        if table is not None:
            heads = self.headers.get(table, [])
            if index is None or index >= len(heads):
                return None
            start = heads[index]
            later = [h for hs in self.headers.values() for h in hs if h > start]
            end = min(later) if later else end
        else:
            firsts = [h for hs in self.headers.values() for h in hs]
            end = min(firsts) if firsts else end
        if key is None:
            return start if table is not None else None
        rx = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        for i in range(start, end):
            if rx.match(self.lines[i - 1]):
                return i
        return start if table is not None else None


def load_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest; relative paths are taken from the manifest's folder.

    Raises
    ------
    ManifestError
    """
    p = Path(path)
    shown = str(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ManifestError(shown, None, "", "no such file") from None
    except IsADirectoryError:
        raise ManifestError(shown, None, "", "is a folder, not a manifest") from None
    except UnicodeDecodeError as e:
        raise ManifestError(shown, None, "", f"not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise ManifestError(shown, None, "", e.strerror or str(e)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise ManifestError(shown, int(m.group(1)) if m else None, "",
                            f"not valid TOML: {msg}") from None
    return _build(doc, shown, p.resolve().parent, _Lines(text))


def _build(doc: dict[str, Any], shown: str, base: Path, lines: _Lines) -> Manifest:
    def fail(table: str | None, index: int | None, key: str | None, label: str,
             message: str) -> ManifestError:
        return ManifestError(shown, lines.of(table, index, key), label, message)

    for key in doc:
        if key not in _TOP_KEYS:
            raise fail(None, None, key, key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    man = Manifest(path=shown)

    def top(key: str, typ: type | tuple[type, ...], what: str) -> Any:
        v = doc.get(key)
        if v is not None and (not isinstance(v, typ) or isinstance(v, bool) and typ is int):
            raise fail(None, None, key, key, f"expected {what}")
        return v

    period = top("period", str, "a string")
    if period is not None:
        if period not in ("day", "week", "month"):
            raise fail(None, None, "period", "period", "expected day, week or month")
        man.period = period
    band = top("band_year", int, "2023 or 2024")
    if band is not None:
        if band not in (2023, 2024):
            raise fail(None, None, "band_year", "band_year", "expected 2023 or 2024")
        man.band_year = band
    for key in ("since", "until"):
        v = doc.get(key)
        if v is None:
            continue
        text = v.isoformat() if hasattr(v, "isoformat") else v
        if not isinstance(text, str):
            raise fail(None, None, key, key, "expected a date such as 2026-01-31")
        try:
            import datetime as _dt

            _dt.date.fromisoformat(text[:10])
        except ValueError:
            raise fail(None, None, key, key,
                       f"{text!r} is not a date (expected e.g. 2026-01-31)") from None
        setattr(man, key, text)
    envs = doc.get("production_environments")
    if envs is not None:
        if not isinstance(envs, list) or not all(isinstance(x, str) and x.strip() for x in envs):
            raise fail(None, None, "production_environments", "production_environments",
                       "expected a list of environment names")
        man.production_environments = tuple(x.strip() for x in envs)
    pattern = top("deploy_pattern", str, "a string (a regular expression)")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise fail(None, None, "deploy_pattern", "deploy_pattern",
                       f"not a valid regular expression ({e})") from None
        man.deploy_pattern = pattern
    tz = top("time_zone", str, "a time zone name such as Europe/Paris")
    if tz is not None:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            raise fail(None, None, "time_zone", "time_zone", f"unknown time zone {tz!r}") \
                from None
        man.time_zone = tz
    salt = top("salt", str, "a string")
    if salt is not None:
        man.salt = salt
    co = top("codeowners", str, "a file path")
    if co is not None:
        from vsm_app.domain.groups import parse_codeowners

        cp = (base / co).resolve() if not Path(co).is_absolute() else Path(co)
        try:
            man.codeowners = parse_codeowners(cp.read_text(encoding="utf-8"), str(cp))
        except (OSError, UnicodeDecodeError) as e:
            raise fail(None, None, "codeowners", "codeowners",
                       f"cannot read {cp}: {getattr(e, 'strerror', None) or e}") from None
        man.codeowners_path = str(cp)

    repos = doc.get("repository", [])
    if not isinstance(repos, list) or not all(isinstance(r, dict) for r in repos):
        raise fail(None, None, "repository", "repository",
                   "write each repository as a [[repository]] table")
    if not repos:
        raise ManifestError(shown, None, "repository",
                            "no repository: add a [[repository]] table with name and path")
    seen: dict[str, int] = {}
    for i, r in enumerate(repos):
        label = f"repository[{i + 1}]"

        def rfail(key: str | None, message: str, i: int = i, label: str = label) -> ManifestError:
            return fail("repository", i, key, f"{label}.{key}" if key else label, message)

        for key in r:
            if key not in _REPO_KEYS:
                raise rfail(key, f"unknown key (known: {', '.join(sorted(_REPO_KEYS))})")
        name = r.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise rfail("name", "a name of letters, digits, '.', '_' or '-' is required (it "
                                "names the repository's folder in the output)")
        if name.casefold() in seen:
            raise rfail("name", f"two repositories are named {name!r}")
        seen[name.casefold()] = i
        path = r.get("path")
        if not isinstance(path, str) or not path.strip():
            raise rfail("path", "the repository's folder is required")
        entry = RepositoryEntry(name=name, path=str((base / path).resolve())
                                if not Path(path).is_absolute() else path, line=lines.of(
                                    "repository", i, None))
        for key in ("branch", "deploy_tags", "subtree"):
            v = r.get(key)
            if v is not None and not isinstance(v, str):
                raise rfail(key, "expected a string")
            if key == "branch" and v is not None and (not v.strip() or any(
                    ch in v for ch in "\x00\n\r")):
                raise rfail(key, f"invalid branch name {v!r}")
            if key == "subtree" and v is not None:
                v = v.strip().strip("/") or None
                if v is not None and (".." in v.split("/") or "\x00" in v):
                    raise rfail(key, f"{r.get(key)!r} is not a path inside the repository")
            setattr(entry, key, v.strip() if isinstance(v, str) and key == "deploy_tags" else v)
        for kind in EXPORT_KINDS:
            v = r.get(kind, [])
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise rfail(kind, "expected a list of file paths")
            for x in v:
                f = (base / x).resolve() if not Path(x).is_absolute() else Path(x)
                if not f.is_file():
                    raise rfail(kind, f"{f}: no such file")
                entry.files.append((kind, str(f)))
        man.repositories.append(entry)

    groups = doc.get("group", [])
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise fail(None, None, "group", "group", "write each group as a [[group]] table")
    for i, g in enumerate(groups):
        label = f"group[{i + 1}]"
        for key in g:
            if key not in _GROUP_KEYS:
                raise fail("group", i, key, f"{label}.{key}",
                           f"unknown key (known: {', '.join(sorted(_GROUP_KEYS))})")
        try:
            man.groups.append(make_group(g.get("name"), g.get("kind", "team"),
                                         g.get("repositories", ()), g.get("paths", ()),
                                         g.get("owner"), where=label))
        except GroupError as e:
            gkey = e.where.removeprefix(label).lstrip(".").split("[")[0] or None
            raise fail("group", i, gkey, e.where, e.message) from None
    try:
        check_groups(man.groups, [r.name for r in man.repositories],
                     man.codeowners is not None, where="group")
    except GroupError as e:
        m = re.match(r"group\[(\d+)\]\.?(\w*)", e.where)
        idx = int(m.group(1)) if m else None
        ckey = (m.group(2) or None) if m else None
        where = e.where.replace(f"group[{idx}]", f"group[{idx + 1}]") if idx is not None \
            else e.where
        raise fail("group", idx, ckey, where, e.message) from None
    return man
