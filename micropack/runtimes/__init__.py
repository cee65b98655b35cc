"""Container runtimes behind one interface (base.Engine), chosen by name."""
from __future__ import annotations

from micropack.errors import UsageError
from micropack.runtimes.base import Engine

DEFAULT = "docker"


def engine_classes() -> dict[str, type[Engine]]:
    from micropack.runtimes.docker import DockerEngine
    return {"docker": DockerEngine}


def names() -> list[str]:
    return list(engine_classes())


def get(name: str = DEFAULT) -> Engine:
    """The engine called name; a wrong name lists the right ones."""
    classes = engine_classes()
    if name not in classes:
        raise UsageError(f"unknown runtime {name!r}; choose one of {', '.join(classes)}")
    return classes[name]()
