"""The package's version, its one source: pyproject.toml reads it (``[tool.hatch.version]``), and
an output's provenance names it without importing ``importlib.metadata`` (about 0.1 s cold)."""

__version__ = "0.1.0"
