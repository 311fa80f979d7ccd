"""requirements.lock: every package of the tree pinned with its hashes, and installed that way."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import REPO

LOCK = REPO / "requirements.lock"
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def normal(name: str) -> str:
    """A package name as the index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(text: str | None = None) -> dict[str, tuple[str, list[str]]]:
    """Each requirement of the lock (or of ``text``): name -> (version, its hashes); a
    continued line (ending in a backslash) is joined to the next one, comments dropped."""
    text = LOCK.read_text(encoding="utf-8") if text is None else text
    joined = text.replace("\\\n", " ")
    found: dict[str, tuple[str, list[str]]] = {}
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = REQUIREMENT.match(line)
        assert match, f"requirements.lock: not an exact pin: {line[:80]!r}"
        name = normal(match.group(1))
        assert name not in found, f"requirements.lock: {name} is pinned twice"
        found[name] = (match.group(2), HASH.findall(line))
    return found


def test_every_package_of_the_lock_is_pinned_with_its_hashes() -> None:
    locked = requirements()
    assert len(locked) > 50
    unhashed = sorted(name for name, (_version, hashes) in locked.items() if not hashes)
    assert unhashed == []


def test_an_unhashed_or_loose_pin_is_seen() -> None:
    text = "a==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via b\nb==2.0\n"
    assert requirements(text) == {"a": ("1.0", ["--hash=sha256:" + "0" * 64]), "b": ("2.0", [])}
    with pytest.raises(AssertionError, match="not an exact pin"):
        requirements("c>=1.0\n")


def test_the_lock_holds_every_pin_of_pyproject_at_its_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["test"]
    locked = requirements()
    for pin in pins:
        name, version = pin.split("==")
        assert locked.get(normal(name), ("absent",))[0] == version, pin
    # The build backend, for the editable install of careleaf itself (no build isolation), and
    # pip, which `make` installs from the lock first.
    assert "setuptools" in locked and "pip" in locked


def test_make_installs_with_hash_checking() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "pip install --progress-bar on --require-hashes -r $(LOCK)" in makefile
    # careleaf itself has no hash: it is installed from the folder, taking nothing else.
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert "\nlock:" in makefile and "--generate-hashes" in makefile
