"""careleaf: single-sourced patient information as a website and PDF handouts, verified."""

__version__ = "0.1.0"
