"""The pipeline: one build's phases, from the project to published, verified outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careleaf.build import pipeline, publish
from careleaf.build.workers import Workers
from careleaf.content.model import Library
from careleaf.errors import BuildError


def test_two_clinics_are_verified_at_once_and_a_failure_publishes_neither(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first clinic's verification waits until the second clinic's has started (its
    sites built meanwhile; a build that verified one clinic after the other would wait in
    vain), then fails: the build fails with its message, and neither clinic is published
    (the second passed, but a build publishes in order) nor left staged."""
    import threading

    second_verifying = threading.Event()
    waited: list[bool] = []

    def engine(clinic_id: str, lang: str, site_dir: Path, library: Library, *args: object) -> None:
        site_dir.mkdir(parents=True, exist_ok=True)
        (site_dir / "index.html").write_text(f"{clinic_id} {lang}", encoding="utf-8")

    def finish(library: Library, clinic_id: str, *args: Any, **kwargs: Any) -> int:
        if clinic_id == "example":
            waited.append(second_verifying.wait(timeout=30))
            raise BuildError("verification failed; nothing was published (example)")
        second_verifying.set()
        return 1

    class NoHandouts(Workers):
        """Workers that render nothing (the sites are what this test is about)."""

        def submit(self, *args: Any, **kwargs: Any) -> None:
            pass

    monkeypatch.setattr(pipeline, "Workers", NoHandouts)
    monkeypatch.setattr(publish, "finish", finish)
    dist = tmp_path / "dist"
    with pytest.raises(BuildError, match=r"nothing was published \(example\)"):
        pipeline.build(project, ["example", "lakeside"], lambda c: dist / c, engine)
    assert waited == [True]
    assert not dist.exists() or list(dist.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]
