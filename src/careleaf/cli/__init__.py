"""The `careleaf` command line."""
