"""LocalEngine's exceptions are one family: every class it defines is a `LocalEngineError`, each says what it is."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import nuon_localengine
from nuon_localengine import errors
from nuon_localengine.errors import LocalEngineError


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.iter_modules(nuon_localengine.__path__, "nuon_localengine."):
        if info.name.endswith(".python_exec"):
            continue  # a script run in the program's process, not a module of the engine
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_exception_the_engine_defines_is_in_the_family_and_defined_once() -> None:
    classes = _exception_classes()
    assert set(classes) == {f"nuon_localengine.errors.{name}" for name in errors.__all__}
    assert all(issubclass(cls, LocalEngineError) and cls.__doc__ for cls in classes.values())


def test_the_family_tree_in_the_docstring_names_every_class() -> None:
    assert errors.__doc__ is not None
    assert [name for name in errors.__all__ if f"── {name} " not in errors.__doc__] == ["LocalEngineError"]


def test_the_runtime_errors_of_before_are_still_runtime_errors() -> None:
    """An `except RuntimeError` written against the old classes keeps catching them."""
    for cls in (
        errors.EngineClosedError,
        errors.SdkUnsupportedError,
        errors.PluginStartError,
        errors.ProviderConfigError,
    ):
        assert issubclass(cls, RuntimeError)
