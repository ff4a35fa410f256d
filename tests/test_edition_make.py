"""report/edition.py: an edition made in memory from assembled inputs, without touching the disk."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from report.archive import FIGURES, NOTES, PREVIOUS
from report.calendar import load_calendar
from report.demo import END
from report.edition import EditionInputs, make_edition
from report.errors import DataError, UsageError
from report.pipeline.common import open_store
from report.render.context import Notes


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def inputs(demo_settings):
    store = open_store(demo_settings, demo=True)
    yield EditionInputs(
        settings=demo_settings.replace(formats=("html", "email")),
        as_of=END,
        demo=True,
        source=store,
        meetings=tuple(load_calendar()),
        name="2025-12-08-demo.r3",
        generated=dt.datetime(2025, 12, 8, 7, 0, tzinfo=dt.UTC),
        notes=Notes(title={"en": "Desk", "zh-Hant": "觀點"}, paragraphs={"en": ["One."], "zh-Hant": ["一。"]}),
        previous={"edition": "2025-12-01", "figures": []},
        previous_name="2025-12-01-demo",
        vintages={"WRESBAL": "publication lag"},
        parallel=False,
    )
    store.close()


def test_make_edition_returns_every_file_in_memory_and_writes_nothing(inputs, tmp_path):
    before = _files(tmp_path)
    made = make_edition(inputs)
    assert _files(tmp_path) == before  # the store is read, nothing is written
    assert not inputs.settings.out_dir.exists()
    stem = "liquidity-brief-2025-12-08-demo"  # the variant, not the revision, names the files
    assert set(made.files) == {FIGURES, "narrative.json", f"{stem}.html", "email.eml", "email.html", PREVIOUS, NOTES}
    doc = json.loads(made.files[FIGURES])
    assert doc["edition"] == "2025-12-08" and doc["demo"] is True
    assert [f["key"] for f in doc["figures"]] == [f.key for f in made.figures]
    assert json.loads(made.files[NOTES])["title"]["zh-Hant"] == "觀點"
    assert json.loads(made.files[PREVIOUS])["edition"] == "2025-12-01"
    assert b"2025-12-08-demo.r3@" in made.files["email.eml"]  # content ids name the archive folder
    m = made.manifest
    assert m["edition"] == "2025-12-08-demo.r3" and m["previous"] == "2025-12-01-demo"
    assert m["built_at"] == "2025-12-08T07:00:00+00:00" and m["formats"] == ["html", "email"]
    assert m["vintages"] == {"WRESBAL": "publication lag"} and "files" not in m


def test_the_same_inputs_make_the_same_figures_and_page(inputs):
    first, second = make_edition(inputs), make_edition(inputs)
    assert first.files[FIGURES] == second.files[FIGURES]
    html = "liquidity-brief-2025-12-08-demo.html"
    assert first.files[html] == second.files[html]


def test_inputs_are_checked_against_the_data(inputs):
    from report.edition import check_as_of

    with pytest.raises(DataError, match="before the data begins"):
        check_as_of(dt.date(1990, 1, 5), inputs.source)
    with pytest.raises(UsageError, match="after today"):
        check_as_of(dt.date.today() + dt.timedelta(days=1), inputs.source)
