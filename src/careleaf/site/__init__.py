"""The site adapter: the only package that imports mkdocs."""
