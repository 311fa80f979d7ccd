"""Rendering: content blocks as HTML (one set of templates) and handouts as PDFs."""
