"""The page macros' names at the address projects' ``macros/__init__.py`` imports them from.

A project's macros module (copied into every clinic's project) says
``from careleaf.pages import MACROS``; the names themselves live with the page checks
(`careleaf.content.pages`). Keeping this address lets existing projects build unchanged.
"""

from careleaf.content.pages import MACROS

__all__ = ["MACROS"]
