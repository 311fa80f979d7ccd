"""The careleaf plugin's options in mkdocs.yml (as in MkDocs' own `contrib/search`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class CareleafConfig(base.Config):
    """Options of the careleaf plugin in mkdocs.yml."""

    enabled = c.Type(bool, default=True)
    """Turn careleaf off; the pages then keep their macro calls unrendered."""
    project_dir = c.Dir(exists=True, default=".")
    """The careleaf project: careleaf.yml, content/, docs/, handouts/, clinics/, fonts/."""
    clinic = c.Type(str, default="")
    """Clinic id (a folder under clinics/); empty means the project's default_clinic."""
    lang = c.Type(str, default="")
    """Set by careleaf for each language's own build; leave empty in mkdocs.yml (the build
    of every language, its handouts, verification and publishing, as `mkdocs build`)."""
    allow_stale = c.Type(bool, default=False)
    """Publish languages whose safety items are missing or stale, marked as out of date."""
    allow_overdue = c.Type(bool, default=False)
    """Publish approved content past its review date, marked as overdue."""
    preview = c.Type(str, default="")
    """Set by `careleaf serve --lang`/`build --draft`: build this (draft) language with the
    source language, every page marked as a preview. Leave empty in mkdocs.yml."""
