"""Sharded builds: every clinic in exactly one shard, and merged shards equal one build."""

from __future__ import annotations

from pathlib import Path

import pytest

from careleaf.build.shards import shard


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_clinic_is_in_exactly_one_shard(count: int) -> None:
    clinics = [f"c{n:02d}" for n in range(20)]
    shards = [shard(reversed(clinics), k, count) for k in range(1, count + 1)]
    assert sorted(c for part in shards for c in part) == clinics
    assert shards == [shard(clinics, k, count) for k in range(1, count + 1)]  # deterministic


def test_merged_shards_verify_and_equal_an_unsharded_build(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_clinics: Path
) -> None:
    from click.testing import CliRunner
    from conftest import snapshot

    from careleaf.cli.main import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--project", str(project), *args])
        assert result.exit_code == 0, result.output
        return result.output

    for k in (1, 2):
        run("build", "--clinic", "all", "--shard", f"{k}/2", "-d", str(tmp_path / f"s{k}"))
    assert [p.name for p in (tmp_path / "s1").iterdir()] == ["example"]
    # The unsharded build (of another copy of the project): `build --clinic all`.
    run("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "-o", str(tmp_path / "merged"))
    assert snapshot(tmp_path / "merged") == snapshot(all_clinics)

    # A clinic in two shards, or in none, is refused, naming it.
    result = CliRunner().invoke(
        main, ["--project", str(project), "merge", str(tmp_path / "s1"), str(tmp_path / "s1")]
    )
    assert result.exit_code == 1 and "clinic 'example' is in" in result.output
    assert "no shard holds the clinics lakeside" in result.output


def test_merge_takes_no_dot_folder_for_a_clinic(project: Path, tmp_path: Path) -> None:
    """A clinic's previous build, kept beside it in a shard (`.<id>.careleaf-old`, with its
    manifest), is not a clinic of the shard."""
    from careleaf.build.shards import merge
    from careleaf.errors import BuildError

    for k in (1, 2):
        kept = tmp_path / f"s{k}" / ".example.careleaf-old"
        kept.mkdir(parents=True)
        (kept / "careleaf-manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        merge(project, [tmp_path / "s1", tmp_path / "s2"], tmp_path / "merged")
    assert "no shard holds the clinics example" in str(caught.value)
    assert "careleaf-old" not in str(caught.value)
