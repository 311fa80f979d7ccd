"""The project a command works on: one per command line, passed to every command."""

from __future__ import annotations

import functools
from collections.abc import Collection
from pathlib import Path

import click

from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.errors import unknown


def require_known(
    name: str, value: str, known: Collection[str], param_hint: str | None, *, also: str = ""
) -> str:
    """``value``, once it is one of ``known``.

    Args:
        name: what the value is (``clinic``, ``handout``...), for the message.
        value: the value given on the command line.
        known: the values the project has.
        param_hint: the option the message names (None: the message names none).
        also: another value the option takes, listed after the known ones (e.g. ``all``).

    Raises:
        click.BadParameter: ``value`` is unknown; the message lists the known values.
    """
    if value not in known:
        raise click.BadParameter(unknown(name, value, known, also=also), param_hint=param_hint)
    return value


class Project:
    """The careleaf project a command works on: its folder, and its library loaded once.

    The `careleaf` group makes one from ``--project``; a command receives it with
    `pass_project`. Commands that only write files never load the library.

    Attributes:
        folder: the project folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @functools.cached_property
    def library(self) -> Library:
        """The project's content, loaded on first use.

        Raises:
            ContentError: every problem found in the project.
        """
        return load_library(self.folder)

    def clinic(
        self, clinic_id: str | None, *, also: str = "", param_hint: str | None = "--clinic"
    ) -> str:
        """The clinic ``clinic_id`` names, or the project's default clinic when it is None.

        Args:
            clinic_id: the ``--clinic`` given, if any.
            also: another value the option takes, listed after the clinics (``all``).
            param_hint: the option the message names (None: none).

        Raises:
            click.BadParameter: the clinic is not one of the project's.
        """
        cid = clinic_id or self.library.project.default_clinic
        return require_known("clinic", cid, self.library.clinics, param_hint, also=also)


pass_project = click.make_pass_decorator(Project)
