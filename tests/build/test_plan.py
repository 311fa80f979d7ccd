"""Planning a build: every clinic, language and handout once, and the options it carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from careleaf.build.plan import plan
from careleaf.content.handout import EDITIONS
from careleaf.content.load import load_library
from careleaf.options import BuildOptions


def test_plan_has_every_clinic_language_and_handout_once(project: Path) -> None:
    library = load_library(project)
    units = plan(library, sorted(library.clinics))
    every = len(library.clinics) * 3 * len(library.handouts) * len(EDITIONS)
    assert len(units) == len(set(units)) == every
    assert {u.lang for u in units} == {"en", "es", "bn"}


def test_the_handouts_date_comes_from_the_options_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert BuildOptions().created_date() == "2023-11-14T22:13:20Z"
    assert BuildOptions(epoch=0).created_date() == "1970-01-01T00:00:00Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert BuildOptions().created_date() != BuildOptions(epoch=0).created_date()
    # The date has its own place in the build's digests; the key names what the options mark.
    assert BuildOptions(epoch=1).key() == BuildOptions(epoch=2).key()
    assert BuildOptions(allow_stale=True).key() != BuildOptions().key()
