"""Container runtimes behind one interface (base.Engine), chosen by name, or
found: `auto` asks every runtime this host can use which one has the
container or image."""
from __future__ import annotations

from micropack.errors import ImageError, TargetError, UsageError
from micropack.runtimes.base import Engine

DEFAULT = "docker"
AUTO = "auto"


def engine_classes() -> dict[str, type[Engine]]:
    """In the order `auto` asks them: docker first, as the default."""
    from micropack.runtimes.containerd import ContainerdEngine
    from micropack.runtimes.docker import DockerEngine
    from micropack.runtimes.podman import PodmanEngine
    return {"docker": DockerEngine, "podman": PodmanEngine, "containerd": ContainerdEngine}


def names() -> list[str]:
    return [*engine_classes(), AUTO]


def get(name: str = DEFAULT) -> Engine:
    """The engine called name; a wrong name lists the right ones."""
    classes = engine_classes()
    if name not in classes:
        raise UsageError(f"unknown runtime {name!r}; choose one of {', '.join(names())}")
    return classes[name]()


def usable() -> list[Engine]:
    """Every runtime installed here whose daemon answers."""
    return [engine for cls in engine_classes().values() if not cls.missing()
            for engine in [cls()] if engine.answers()]


def find(name: str, container: str | None = None, image: str | None = None) -> Engine:
    """The engine called name, or for `auto` the one runtime that has the
    container (or else the image). An image several runtimes hold with the
    same id is the same image: the first of them is taken. The same name
    meaning different things in two runtimes is an error that names them."""
    if name != AUTO:
        return get(name)
    if container is None and image is None:
        return get(DEFAULT)
    engines = usable()
    asked = ", ".join(e.name for e in engines) or "none is usable here"
    if container is not None:
        hits = [e for e in engines if e.has_container(container)]
        if not hits:
            raise TargetError(f"no runtime has a container {container!r} (asked: {asked})")
        if len(hits) > 1:
            raise UsageError(f"container {container!r} is known to {', '.join(e.name for e in hits)}: "
                             "choose one with --runtime")
        return hits[0]
    assert image is not None
    hits = [e for e in engines if e.has_image(image)]
    if not hits:
        raise ImageError(f"no runtime has an image {image!r} (asked: {asked})")
    ids = {e.name: e.image(image).id for e in hits}
    if len(set(ids.values())) > 1:
        raise UsageError(f"image {image!r} differs between runtimes ("
                         + ", ".join(f"{n}: {i[:19]}" for n, i in ids.items())
                         + "): choose one with --runtime")
    return hits[0]
