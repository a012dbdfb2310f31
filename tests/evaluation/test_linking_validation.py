"""The loader refuses a set whose entities are not in their tip's text, or whose clusters are not sane."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evaluation.linking import InvalidSet, load


def _write(tmp_path: Path, tips: list[dict[str, Any]]) -> Path:
    path = tmp_path / "set.json"
    data = {"note": "invented", "facilities": [{"code": "LUR", "name": "E.P. Lurigancho", "region": "Lima"}]}
    path.write_text(json.dumps({**data, "tips": tips}), encoding="utf-8")
    return path


def _tip(tip_id: str, text: str, entities: list[dict[str, str]], clusters: list[str]) -> dict[str, Any]:
    return {
        "id": tip_id,
        "facility": "LUR",
        "category": "phones",
        "smuggling_channel": "staff",
        "staff_involved": "yes",
        "days_ago": 3,
        "text": text,
        "clusters": clusters,
        "entities": entities,
    }


def test_values_are_found_ignoring_case_accents_and_spacing(tmp_path: Path) -> None:
    tips = [
        _tip("t1", "El TÉCNICO Quispe  Mamani, los sábados", [{"kind": "person", "value": "quispe mamani"}], ["c1"]),
        _tip("t2", "llamen al 987-654-321 de noche", [{"kind": "phone", "value": "987 654 321"}], ["c1"]),
        _tip("t3", "los sabados en el pabellón 5", [{"kind": "time", "value": "sabado"}], []),
    ]
    assert len(load(_write(tmp_path, tips)).tips) == 3


def test_a_value_not_in_the_text_is_refused(tmp_path: Path) -> None:
    tips = [_tip("t1", "el técnico Quispe", [{"kind": "person", "value": "Quispe Mamani"}], [])]
    with pytest.raises(InvalidSet, match="t1: person 'Quispe Mamani' is not in the text"):
        load(_write(tmp_path, tips))


def test_a_time_must_be_canonical_and_written(tmp_path: Path) -> None:
    tips = [_tip("t1", "pasa los sábados", [{"kind": "time", "value": "domingo"}], [])]
    with pytest.raises(InvalidSet, match="time 'domingo'"):
        load(_write(tmp_path, tips))


def test_a_cluster_of_one_tip_and_a_duplicate_id_are_refused(tmp_path: Path) -> None:
    tips = [_tip("t1", "nada", [], ["c9"]), _tip("t1", "nada", [], [])]
    with pytest.raises(InvalidSet) as refused:
        load(_write(tmp_path, tips))
    assert "cluster c9 has one tip" in str(refused.value)
    assert "t1: duplicate id" in str(refused.value)
