"""Hostile values in every field of every tracker payload (issue 18, the rule of issue 14):
the file imports, or it is a clean :class:`ImportProblem` naming the file and where — caught
by a reader's own check, never by the import's last-resort net."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.test_import_fuzz import _dump, _paths, _set, hostile
from vsm_app.domain.tables import Tables
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.sources import ImportOptions, import_files, link

TRACKERS = Path(__file__).parent.parent / "fixtures" / "formats" / "trackers"
PAYLOADS = sorted(p.name for p in TRACKERS.glob("*.json"))
_DOCS = {name: json.loads((TRACKERS / name).read_text(encoding="utf-8")) for name in PAYLOADS}
_PATHS = {name: _paths(doc) for name, doc in _DOCS.items()}


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_value_in_any_tracker_field_is_a_clean_result(data: st.DataObject,
                                                              tmp_path: Path) -> None:
    name = data.draw(st.sampled_from(PAYLOADS))
    doc = json.loads(json.dumps(_DOCS[name]))
    paths = _PATHS[name]
    if paths:
        _set(doc, data.draw(st.sampled_from(paths)), data.draw(hostile))
    else:
        doc = data.draw(hostile)
    f = tmp_path / name
    f.write_text(_dump(doc), encoding="utf-8")
    result = import_files([("items", str(f))], ImportOptions(default_tz="UTC", salt="s"))
    for e in result.errors:
        assert isinstance(e, ImportProblem)
        assert not e.unexpected, f"no reader check caught it: {e}"
        assert str(e).startswith(name) and "\n" not in str(e)
    link(Tables(), result)  # combining and linking what was read never fails either
