"""Content: the project's files loaded, validated and frozen into a `Library`."""
