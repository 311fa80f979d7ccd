"""careleaf: single-sourced patient information as a website and PDF handouts, verified.

The public API, as the ``careleaf`` command uses it:

- `load_library`: load and validate a project into a frozen `Library`
  (`careleaf.content.load`);
- `build_site`: build, verify and publish one clinic's site and handouts, with MkDocs or
  Zensical as the site engine (`BuildOptions.engine`, careleaf.yml's ``engine``;
  `careleaf.site.engine`; the pipeline itself is `careleaf.build.pipeline`);
- `verify_site`: read a built site back and prove every protected item reached every output
  (`careleaf.verify.verifier.verify`);
- `BuildOptions`: what a build publishes and how it marks it (`careleaf.options`).

The names are imported on first use: ``import careleaf`` alone loads neither WeasyPrint nor
MkDocs, which a handout worker or ``careleaf check`` does not need. (They are not named
``build`` and ``verify``: those are the stages' packages, `careleaf.build` and
`careleaf.verify`.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["BuildOptions", "build_site", "load_library", "verify_site"]

# Each public name, and the module (and name there) it comes from.
_API = {
    "BuildOptions": ("careleaf.options", "BuildOptions"),
    "build_site": ("careleaf.site.engine", "build_site"),
    "load_library": ("careleaf.content.load", "load_library"),
    "verify_site": ("careleaf.verify.verifier", "verify"),
}

if TYPE_CHECKING:
    from careleaf.content.load import load_library
    from careleaf.options import BuildOptions
    from careleaf.site.engine import build_site
    from careleaf.verify.verifier import verify as verify_site


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _API:
        raise AttributeError(f"module 'careleaf' has no attribute {name!r}")
    module, attribute = _API[name]
    return getattr(importlib.import_module(module), attribute)
