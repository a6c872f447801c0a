"""The package version: the one place it is written (``pyproject.toml`` reads it from here when building).

A literal rather than ``importlib.metadata.version()``: reading the installed metadata costs ~20 ms of start-up
(``importlib.metadata`` pulls in ``email``, ``zipfile`` and more), a fifth of ``pulumi-nuon --help``. A test checks
that the installed distribution's metadata says the same.
"""

__version__ = "0.1.0"
