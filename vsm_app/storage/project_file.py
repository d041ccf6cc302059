"""The ``.vsm`` project file: versioned JSON, strict load, atomic save.

See docs/file-format.md. Loading never writes; saving writes a temporary file beside the
target, fsyncs it and replaces the target in one step, so a crash leaves the old file or the
new one, never half of either.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..domain.groups import Group
from ..domain.items import ItemSettings, check_category, check_kind
from ..domain.model import (
    DataSource,
    Estimates,
    Flow,
    FlowKind,
    KaizenBurst,
    MapSettings,
    Project,
    ProjectSettings,
    Segment,
    SegmentKind,
    Stage,
    StatusBinding,
    StickyNote,
    ValueStreamMap,
)
from ..domain.records import EXTRA_SECTIONS, ImprovementRecords
from ..errors import WriteError

#: the kinds of data source a project can list
SOURCE_KINDS = ("git", "ci", "prs", "deployments", "incidents", "items")

FORMAT_NAME = "vsm-project"
FORMAT_VERSION = 1

#: version n → function turning a version-n document into version n+1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class ProjectFileError(ValueError):
    """A project file that cannot be read; names the file and the JSON path of the problem."""

    def __init__(self, path: str | os.PathLike[str] | None, where: str, message: str) -> None:
        self.path = None if path is None else str(path)
        self.where = where
        self.message = message
        loc = f"{self.path}: " if self.path else ""
        at = f"at {where}: " if where else ""
        super().__init__(f"{loc}{at}{message}")


# -- writing ------------------------------------------------------------------------------

def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


def project_to_dict(project: Project, base_dir: Path | None = None) -> dict[str, Any]:
    """The JSON document of a project; source paths made relative to ``base_dir``."""
    def rel(p: str) -> str:
        if base_dir is None:
            return p
        pp = Path(p)
        if not pp.is_absolute():
            return pp.as_posix()
        try:
            return Path(os.path.relpath(pp, base_dir)).as_posix()
        except ValueError:  # another drive on Windows
            return pp.as_posix()

    maps = []
    for m in project.maps:
        maps.append({
            "id": m.id,
            "name": m.name,
            "kind": m.kind,
            "settings": asdict(m.settings),
            "stages": [
                _clean({
                    "id": s.id, "name": s.name, "owner": s.owner, "people": s.people,
                    "notes": s.notes, "x": s.x, "y": s.y,
                    "estimates": _clean(asdict(s.estimates)),
                    "segments": [
                        {"from": g.from_event, "to": g.to_event, "kind": g.kind.value}
                        for g in s.segments
                    ],
                    "wip_limit": s.wip_limit,
                    "statuses": [_status_binding(b) for b in s.statuses],
                }) | {"name": s.name, "x": s.x, "y": s.y}
                for s in m.stages
            ],
            "flows": [
                _clean({"id": f.id, "source": f.source, "target": f.target,
                        "kind": f.kind.value, "label": f.label,
                        "rework_share": f.rework_share})
                for f in m.flows
            ],
            # votes only when given: a map never voted on saves as before
            "kaizens": [{k: v for k, v in asdict(kz).items() if k != "votes" or v}
                        for kz in m.kaizens.values()],
            "notes": [asdict(n) for n in m.notes.values()],
        })
    sources = []
    for src in project.sources:
        d = asdict(src)
        d["path"] = rel(src.path)
        kept = _clean(d)
        if src.deploy_tags == "":  # "" means no tag deployments; absent means the default
            kept["deploy_tags"] = ""
        sources.append(kept)
    baselines, items, records_extra = project.records.to_json()
    settings = asdict(project.settings)
    if project.settings.items.is_default():
        del settings["items"]  # written only when set: older readers never see it
    else:
        settings["items"] = _clean({
            "type_kinds": dict(project.settings.items.type_kinds),
            "start_statuses": list(project.settings.items.start_statuses),
            "status_categories": dict(project.settings.items.status_categories)})
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": project.name,
        "settings": settings,
        "maps": maps,
        "sources": sources,
        "baselines": baselines,
        "improvement_items": items,
        "extra": project.extra | records_extra,
    }
    # groups (issue 21) only when defined: a project without them saves as before
    if project.groups:
        doc["groups"] = [g.to_json() for g in project.groups]
    if project.codeowners:
        doc["codeowners"] = rel(project.codeowners)
    return doc


def _status_binding(b: StatusBinding) -> dict[str, str]:
    d = {"status": b.status}
    if b.kind is not None:
        d["kind"] = b.kind.value
    return d


def dumps(project: Project, base_dir: Path | None = None) -> str:
    return json.dumps(project_to_dict(project, base_dir), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def _umask() -> int:
    """The process umask, read without changing it where the system tells it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"
#: files older than this may be left over by a killed save (a live save holds a lock anyway)
_STALE_S = 2.0


def _temp_pattern(name: str) -> re.Pattern[str]:
    # mkstemp's random part is 8 characters of [a-z0-9_]
    return re.compile(re.escape(f"{_TEMP_PREFIX}{name}.") + r"[a-z0-9_]{8}"
                      + re.escape(_TEMP_SUFFIX))


def remove_stale_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """Delete temporary files a killed save of ``path`` left beside it; returns them.

    A save holds an exclusive lock on its temporary file while it writes, so one that is
    still running (another process saving the same file) is never touched.
    """
    p = Path(path)
    pattern = _temp_pattern(p.name)
    removed: list[Path] = []
    try:
        names = os.listdir(p.parent)
    except OSError:
        return removed
    now = time.time()
    for n in names:
        if not pattern.fullmatch(n):
            continue
        stray = p.parent / n
        try:
            if now - stray.lstat().st_mtime < _STALE_S:
                continue
            fd = os.open(stray, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not _try_lock(fd):
                continue
            stray.unlink()
            removed.append(stray)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: a file being written cannot be deleted anyway
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync, then replace.

    A new file gets the mode the user's umask gives (``0o666 & ~umask``), an existing one
    keeps its mode. Temporary files of earlier, killed saves of ``path`` are removed first.
    Any failure (a full disk, a read-only folder) raises :class:`WriteError` naming
    ``path``; the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    remove_stale_temp_files(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=_TEMP_SUFFIX,
                                   dir=path.parent)
    except OSError as e:
        raise WriteError(f"{path}: cannot write: {e.strerror or e}", e.errno) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            _try_lock(fh.fileno())  # tells remove_stale_temp_files this save is alive
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            try:
                mode = path.stat().st_mode & 0o777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            os.chmod(tmp, mode)
            if os.name != "nt":
                os.replace(tmp, path)  # while the lock is held
        if os.name == "nt":  # Windows renames no open file
            os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and not isinstance(e, WriteError):
            raise WriteError(f"{path}: cannot write: {e.strerror or e}", e.errno) from None
        raise
    try:  # make the rename durable too
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Save atomically; source paths are stored relative to the file's folder."""
    p = Path(path).resolve()
    atomic_write_bytes(p, dumps(project, p.parent).encode("utf-8"))


# -- reading ------------------------------------------------------------------------------

#: Limits of the values a project holds. A value beyond them is an error naming its JSON path,
#: so the metrics, the canvas and the exports never meet an overflow or an infinity.
MAX_DURATION_S = 1e12  #: ~31,700 years: any estimate, day length, available time
MAX_COUNT = 1e12  #: inventory, demand per day
MAX_COORDINATE = 1e9  #: |x|, |y| of anything on the canvas
MAX_PEOPLE = 1_000_000
MAX_FILE_BYTES = 512 * 1024 * 1024  #: a bigger file is refused before it is read
MAX_STAGES = 1_000_000  #: per map, and as many flows, notes, kaizens …
MAX_INT = 2 ** 53  #: integers beyond this lose precision in other JSON readers

_FLOW_KINDS = frozenset(k.value for k in FlowKind)
_LIMITS: dict[str, float] = {
    "x": MAX_COORDINATE, "y": MAX_COORDINATE,
    "demand_per_day": MAX_COUNT, "inventory": MAX_COUNT,
}


class _BadNumber:
    """A JSON number that cannot be a value here (too many digits, or beyond a float)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        digits = sum(ch.isdigit() for ch in self.text)
        return f"{self.text[:12]}… ({digits} digits)" if len(self.text) > 24 else self.text


def _parse_int(text: str) -> int | _BadNumber:
    if len(text) > 20:  # beyond int64 anyway; never converted (4,300 digits would raise)
        return _BadNumber(text)
    return int(text)


def _parse_float(text: str) -> float | _BadNumber:
    value = float(text)
    return value if math.isfinite(value) else _BadNumber(text)


class _Reader:
    """Typed access to a JSON document that reports the JSON path of every problem."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> ProjectFileError:
        return ProjectFileError(self.path, where, message)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {_kind(value)}")
        return value

    def arr(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, found {_kind(value)}")
        return value

    def get(self, d: dict[str, Any], key: str, where: str, typ: type | tuple[type, ...],
            default: Any = ..., *, nullable: bool = False) -> Any:
        if key not in d:
            if default is ...:
                raise self.fail(f"{where}.{key}", "required field is missing")
            return default
        v = d[key]
        if v is None and nullable:
            return None
        if typ is float:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self.fail(f"{where}.{key}", f"expected a number, found {_kind(v)}")
            limit = _LIMITS.get(key, MAX_DURATION_S if key.endswith("_s") else None)
            if limit is not None and abs(v) > limit:
                raise self.fail(f"{where}.{key}", f"{_shown(v)} is out of range (at most "
                                                  f"{limit:g} in size)")
            return float(v)
        if typ is int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise self.fail(f"{where}.{key}", f"expected an integer, found {_kind(v)}")
            if abs(v) > MAX_INT:
                raise self.fail(f"{where}.{key}", f"{_shown(v)} is out of range")
            return v
        if not isinstance(v, typ) or (typ is not bool and isinstance(v, bool)):
            raise self.fail(f"{where}.{key}", f"expected {_typename(typ)}, found {_kind(v)}")
        return v


def _iso_date(r: Any, ps: dict[str, Any], key: str) -> str | None:
    """An analysis window edge: an ISO date (``2025-11-03``) or null (absent before 17)."""
    v = r.get(ps, key, "$.settings", str, None, nullable=True)
    if v is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(v).isoformat()
    except ValueError:
        raise r.fail(f"$.settings.{key}", f"expected a date such as 2025-11-03, found {v!r}"
                     ) from None


def _shown(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 24 else f"{text[:12]}… ({len(text)} characters)"


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, _BadNumber):
        return f"a number out of range ({v})"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(v), type(v).__name__)


def _typename(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        return " or ".join(_typename(x) for x in t)
    return {str: "a string", bool: "a boolean", dict: "an object", list: "a list"}.get(
        t, t.__name__)


def _load_map(r: _Reader, doc: Any, where: str) -> ValueStreamMap:
    d = r.obj(doc, where)
    name = r.get(d, "name", where, str)
    kind = r.get(d, "kind", where, str, "current")
    sd = r.obj(r.get(d, "settings", where, dict, {}), f"{where}.settings")
    demand = r.get(sd, "demand_per_day", f"{where}.settings", float, None, nullable=True)
    avail = r.get(sd, "available_time_per_day_s", f"{where}.settings", float, None,
                  nullable=True)
    day = r.get(sd, "day_length_s", f"{where}.settings", float, 86400.0)
    if day <= 0 or day > 86400:
        raise r.fail(f"{where}.settings.day_length_s", "must be between 0 and 86400 seconds")
    if demand is not None and demand < 0:
        raise r.fail(f"{where}.settings.demand_per_day", "cannot be negative")
    m = ValueStreamMap(name, kind=kind, id=r.get(d, "id", where, str, None),
                       settings=MapSettings(demand, avail, day))
    est_fields = {f.name for f in fields(Estimates)}
    for key in ("stages", "flows", "kaizens", "notes"):
        items = d.get(key)
        if isinstance(items, list) and len(items) > MAX_STAGES:
            raise r.fail(f"{where}.{key}", f"{len(items):,} {key} is more than a map can hold "
                                            f"({MAX_STAGES:,})")
    for i, sdict in enumerate(r.arr(r.get(d, "stages", where, list, []), f"{where}.stages")):
        w = f"{where}.stages[{i}]"
        s = r.obj(sdict, w)
        ed = r.obj(r.get(s, "estimates", w, dict, {}), f"{w}.estimates")
        est_kwargs: dict[str, Any] = {}
        for k in ed:
            if k not in est_fields:
                raise r.fail(_member(f"{w}.estimates", str(k)), "unknown estimate")
            v = r.get(ed, k, f"{w}.estimates", float, nullable=True)
            if v is not None and v < 0:
                raise r.fail(f"{w}.estimates.{k}", "cannot be negative")
            est_kwargs[k] = v
        segs = []
        for j, gd in enumerate(r.arr(r.get(s, "segments", w, list, []), f"{w}.segments")):
            gw = f"{w}.segments[{j}]"
            g = r.obj(gd, gw)
            kind_s = r.get(g, "kind", gw, str, "wait")
            if kind_s not in ("wait", "active"):
                raise r.fail(f"{gw}.kind", f"expected 'wait' or 'active', found {kind_s!r}")
            segs.append(Segment(r.get(g, "from", gw, str), r.get(g, "to", gw, str),
                                SegmentKind(kind_s)))
        statuses = []
        for j, bd in enumerate(r.arr(r.get(s, "statuses", w, list, []), f"{w}.statuses")):
            bw = f"{w}.statuses[{j}]"
            b = r.obj(bd, bw)
            name = r.get(b, "status", bw, str)
            if not name.strip():
                raise r.fail(f"{bw}.status", "a status name cannot be empty")
            bkind = r.get(b, "kind", bw, str, None, nullable=True)
            if bkind is not None and bkind not in ("wait", "active"):
                raise r.fail(f"{bw}.kind", f"expected 'wait' or 'active', found {bkind!r}")
            statuses.append(StatusBinding(name, SegmentKind(bkind) if bkind else None))
        people = r.get(s, "people", w, int, None, nullable=True)
        if people is not None and not 0 <= people <= MAX_PEOPLE:
            raise r.fail(f"{w}.people", f"expected 0 to {MAX_PEOPLE:,} people, found {people}")
        # absent in files written before WIP limits: no limit
        wip_limit = r.get(s, "wip_limit", w, int, None, nullable=True)
        if wip_limit is not None and wip_limit < 1:
            raise r.fail(f"{w}.wip_limit", f"expected a whole number ≥ 1, found {wip_limit}")
        stage = Stage(
            name=r.get(s, "name", w, str), id=r.get(s, "id", w, str),
            owner=r.get(s, "owner", w, str, ""), people=people,
            notes=r.get(s, "notes", w, str, ""), estimates=Estimates(**est_kwargs),
            segments=segs, x=r.get(s, "x", w, float, 0.0), y=r.get(s, "y", w, float, 0.0),
            wip_limit=wip_limit, statuses=statuses)
        if m.has_stage(stage.id):
            raise r.fail(f"{w}.id", f"duplicate stage id {stage.id!r}")
        m.add_stage(stage)
    for i, fd in enumerate(r.arr(r.get(d, "flows", where, list, []), f"{where}.flows")):
        w = f"{where}.flows[{i}]"
        f = r.obj(fd, w)
        kind_s = r.get(f, "kind", w, str, "push")
        if kind_s not in _FLOW_KINDS:
            raise r.fail(f"{w}.kind", f"expected push, pull or rework, found {kind_s!r}")
        src, tgt = r.get(f, "source", w, str), r.get(f, "target", w, str)
        for key, sid in (("source", src), ("target", tgt)):
            if not m.has_stage(sid):
                raise r.fail(f"{w}.{key}", f"no stage with id {sid!r}")
        share = r.get(f, "rework_share", w, float, None, nullable=True)  # added in issue 17
        if share is not None and not 0.0 <= share <= 1.0:
            raise r.fail(f"{w}.rework_share", f"expected a share from 0 to 1, found {share}")
        try:
            m.add_flow(Flow(src, tgt, FlowKind(kind_s), id=r.get(f, "id", w, str),
                            label=r.get(f, "label", w, str, ""), rework_share=share))
        except ValueError as e:
            raise r.fail(w, str(e)) from None
    for i, kd in enumerate(r.arr(r.get(d, "kaizens", where, list, []), f"{where}.kaizens")):
        w = f"{where}.kaizens[{i}]"
        kz = r.obj(kd, w)
        votes = r.get(kz, "votes", w, int, 0)  # absent in files older than dot voting
        if votes < 0:
            raise r.fail(f"{w}.votes", f"expected a count ≥ 0, found {votes}")
        m.add_element(KaizenBurst(r.get(kz, "text", w, str),
                                  r.get(kz, "stage_id", w, str, None, nullable=True),
                                  r.get(kz, "id", w, str), r.get(kz, "x", w, float, 0.0),
                                  r.get(kz, "y", w, float, 0.0), votes))
    for i, nd in enumerate(r.arr(r.get(d, "notes", where, list, []), f"{where}.notes")):
        w = f"{where}.notes[{i}]"
        n = r.obj(nd, w)
        m.add_element(StickyNote(r.get(n, "text", w, str), r.get(n, "id", w, str),
                                 r.get(n, "x", w, float, 0.0), r.get(n, "y", w, float, 0.0),
                                 r.get(n, "color", w, str, "#fff59d")))
    return m


def _production_environments(r: _Reader, ps: dict[str, Any]) -> list[str]:
    """``production_environments`` (a list of names); files written before it hold one
    ``production_environment`` name, whose old default ``production`` reads as the defaults."""
    where = "$.settings"
    if "production_environments" in ps:
        names = r.arr(r.get(ps, "production_environments", where, list),
                      f"{where}.production_environments")
        for i, n in enumerate(names):
            if not isinstance(n, str):
                raise r.fail(f"{where}.production_environments[{i}]",
                             f"expected a string, found {_kind(n)}")
        return [n.strip() for n in names if n.strip()]
    old = r.get(ps, "production_environment", where, str, None, nullable=True)
    if old is None or old.strip().casefold() in ("", "production"):
        return []
    return [old.strip()]


def _item_settings(r: _Reader, ps: dict[str, Any]) -> ItemSettings:
    """``settings.items`` (absent in files written before work items: the defaults)."""
    where = "$.settings.items"
    d = r.obj(r.get(ps, "items", "$.settings", dict, {}), where)
    kinds = r.obj(r.get(d, "type_kinds", where, dict, {}), f"{where}.type_kinds")
    for k, v in kinds.items():
        if not isinstance(v, str):
            raise r.fail(f"{where}.type_kinds.{k}", f"expected a string, found {_kind(v)}")
        why = check_kind(v)
        if why:
            raise r.fail(f"{where}.type_kinds.{k}", f"{why}, found {v!r}")
    cats = r.obj(r.get(d, "status_categories", where, dict, {}), f"{where}.status_categories")
    for k, v in cats.items():
        if not isinstance(v, str) or check_category(v):
            raise r.fail(f"{where}.status_categories.{k}",
                         f"{check_category('?')}, found {v!r}")
    starts = r.arr(r.get(d, "start_statuses", where, list, []), f"{where}.start_statuses")
    for i, n in enumerate(starts):
        if not isinstance(n, str) or not n.strip():
            raise r.fail(f"{where}.start_statuses[{i}]", "expected a status name")
    return ItemSettings(type_kinds=dict(kinds), start_statuses=tuple(starts),
                        status_categories=dict(cats))


def project_from_dict(doc: Any, path: str | None = None) -> Project:
    """Build a project from a parsed document, migrating older versions first."""
    r = _Reader(path)
    d = r.obj(doc, "$")
    fmt = d.get("format")
    if fmt != FORMAT_NAME:
        raise r.fail("$.format", f"not a vsm project file (expected format {FORMAT_NAME!r})")
    version = r.get(d, "version", "$", int)
    if version > FORMAT_VERSION:
        raise r.fail("$.version", (f"written by a newer vsm-app (format version {version}; "
                                   f"this version reads up to {FORMAT_VERSION})"))
    if version < 1:
        raise r.fail("$.version", f"unknown format version {version}")
    while version < FORMAT_VERSION:
        d = MIGRATIONS[version](d)
        version += 1
        d["version"] = version
    ps = r.obj(r.get(d, "settings", "$", dict, {}), "$.settings")
    defaults = ProjectSettings()
    settings = ProjectSettings(
        time_zone=r.get(ps, "time_zone", "$.settings", str, None, nullable=True),
        band_year=r.get(ps, "band_year", "$.settings", int, 2023),
        period=r.get(ps, "period", "$.settings", str, "week"),
        deploy_tags=r.get(ps, "deploy_tags", "$.settings", str, defaults.deploy_tags,
                          nullable=True),
        deploy_pattern=r.get(ps, "deploy_pattern", "$.settings", str, defaults.deploy_pattern),
        production_environments=_production_environments(r, ps),
        salt=r.get(ps, "salt", "$.settings", str, defaults.salt),
        items=_item_settings(r, ps),
        sle_share=r.get(ps, "sle_share", "$.settings", float, None, nullable=True),
        sle_within_s=r.get(ps, "sle_within_s", "$.settings", float, None, nullable=True),
        window_since=_iso_date(r, ps, "window_since"),
        window_until=_iso_date(r, ps, "window_until"),
    )
    if (settings.sle_share is None) != (settings.sle_within_s is None):
        raise r.fail("$.settings.sle_share", "a service level expectation needs both "
                     "sle_share and sle_within_s (or neither)")
    if settings.sle_share is not None and not 0.0 < settings.sle_share <= 1.0:
        raise r.fail("$.settings.sle_share",
                     f"expected a share above 0 and at most 1, found {settings.sle_share}")
    if settings.sle_within_s is not None and not settings.sle_within_s > 0.0:
        raise r.fail("$.settings.sle_within_s",
                     f"expected a duration above 0 seconds, found {settings.sle_within_s}")
    if settings.window_since and settings.window_until \
            and settings.window_since >= settings.window_until:
        raise r.fail("$.settings.window_until", "the window must end after it starts")
    if settings.band_year not in (2023, 2024):
        raise r.fail("$.settings.band_year", "expected 2023 or 2024")
    if settings.period not in ("day", "week", "month"):
        raise r.fail("$.settings.period", "expected day, week or month")
    if settings.time_zone is not None:
        try:
            from zoneinfo import ZoneInfo
            ZoneInfo(settings.time_zone)
        except Exception:
            raise r.fail("$.settings.time_zone",
                         f"unknown time zone {settings.time_zone!r}") from None
    maps = [_load_map(r, md, f"$.maps[{i}]")
            for i, md in enumerate(r.arr(r.get(d, "maps", "$", list), "$.maps"))]
    ids = [m.id for m in maps]
    if len(set(ids)) != len(ids):
        raise r.fail("$.maps", "two maps share an id")
    project = Project(r.get(d, "name", "$", str, "Untitled"), maps, settings)
    for i, sd in enumerate(r.arr(r.get(d, "sources", "$", list, []), "$.sources")):
        w = f"$.sources[{i}]"
        s = r.obj(sd, w)
        kind = r.get(s, "kind", w, str)
        if kind not in SOURCE_KINDS:
            raise r.fail(f"{w}.kind", f"unknown source kind {kind!r}")
        project.sources.append(DataSource(
            kind=kind, path=r.get(s, "path", w, str), id=r.get(s, "id", w, str, None)
            or DataSource(kind, "").id,
            branch=r.get(s, "branch", w, str, None, nullable=True),
            deploy_tags=r.get(s, "deploy_tags", w, str, None, nullable=True),
            subtree=r.get(s, "subtree", w, str, None, nullable=True),
            format=r.get(s, "format", w, str, None, nullable=True),
            options=r.obj(r.get(s, "options", w, dict, {}), f"{w}.options")))
    for key in ("baselines", "improvement_items", "extra"):
        if key in d:
            _check_free_form(r, d[key], f"$.{key}")
    for i, sd in enumerate(d.get("sources") or []):
        if isinstance(sd, dict) and "options" in sd:
            _check_free_form(r, sd["options"], f"$.sources[{i}].options")
    baselines = r.arr(r.get(d, "baselines", "$", list, []), "$.baselines")
    items = r.arr(r.get(d, "improvement_items", "$", list, []), "$.improvement_items")
    extra = r.obj(r.get(d, "extra", "$", dict, {}), "$.extra")
    try:  # the improvement records, typed once, here (vsm_app.domain.records)
        project.records = ImprovementRecords.from_json(baselines, items, extra)
    except ValueError as e:
        where, _, what = str(e).partition(": ")
        raise r.fail(f"$.{where}", what) from None
    project.extra = {k: v for k, v in extra.items() if k not in EXTRA_SECTIONS}
    project.codeowners = r.get(d, "codeowners", "$", str, None, nullable=True) or None
    project.groups = _load_groups(r, d, project)
    return project


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _member(where: str, key: str) -> str:
    """The JSON path of member ``key``: ``$.a.b``, or ``$.a["odd key"]`` (escaped, one line)."""
    if _NAME.fullmatch(key):
        return f"{where}.{key}"
    return f"{where}[{json.dumps(key)}]"


def _check_free_form(r: _Reader, value: Any, where: str) -> None:
    """Free-form records (baselines, items, extra) hold plain JSON values of sane size."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        v, w = stack.pop()
        if isinstance(v, dict):
            stack.extend((x, _member(w, k)) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, f"{w}[{i}]") for i, x in enumerate(v))
        elif isinstance(v, _BadNumber) or (isinstance(v, int) and not isinstance(v, bool)
                                            and abs(v) > MAX_INT):
            raise r.fail(w, f"a number out of range ({_shown(v)})")


def _load_groups(r: _Reader, d: dict[str, Any], project: Project) -> list[Group]:
    """``$.groups``: teams and services by repository, path or CODEOWNERS team (issue 21)."""
    from vsm_app.domain.groups import GroupError, check_groups, make_group

    out: list[Group] = []
    try:
        for i, gd in enumerate(r.arr(r.get(d, "groups", "$", list, []), "$.groups")):
            w = f"$.groups[{i}]"
            g = r.obj(gd, w)
            out.append(make_group(g.get("name"), g.get("kind", "team"),
                                  g.get("repositories", ()), g.get("paths", ()),
                                  g.get("owner"), where=w))
        check_groups(out, None, project.codeowners is not None, where="$.groups")
    except GroupError as e:
        raise r.fail(e.where, e.message) from None
    return out


def loads(text: str | bytes, path: str | None = None) -> Project:
    """Parse a project document; any problem → :class:`ProjectFileError`, never another error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ProjectFileError(path, "", f"not UTF-8 text (byte {e.start})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int,
                         parse_float=_parse_float)
    except json.JSONDecodeError as e:
        raise ProjectFileError(path, f"line {e.lineno}, column {e.colno}",
                               f"not valid JSON: {e.msg}") from None
    except RecursionError:
        raise ProjectFileError(path, "", "not valid JSON: nested too deeply (a list or object "
                                         "inside hundreds of others)") from None
    except ValueError as e:
        raise ProjectFileError(path, "", f"not valid JSON: {e}") from None
    try:
        return project_from_dict(doc, path)
    except ProjectFileError:
        raise
    except RecursionError:
        raise ProjectFileError(path, "", "the document is nested too deeply") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a project file")


def _size_text(n: int) -> str:
    for unit, size in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}".replace(".0 ", " ")
    return f"{n:,} bytes"


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project; relative source paths are resolved against the file's folder.

    Never writes to ``path``.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES and p.is_file():
            raise ProjectFileError(str(p), "", f"{_size_text(size)} is more than a project "
                                               f"file can be ({_size_text(MAX_FILE_BYTES)}); "
                                               f"is it a project?")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(str(p), "", "no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(str(p), "", "is a folder, not a project file") from None
    except OSError as e:
        raise ProjectFileError(str(p), "", e.strerror or str(e)) from None
    project = loads(data, str(p))
    base = p.resolve().parent
    for src in project.sources:
        if not Path(src.path).is_absolute():
            src.path = str((base / src.path).resolve())
    if project.codeowners and not Path(project.codeowners).is_absolute():
        project.codeowners = str((base / project.codeowners).resolve())
    return project
