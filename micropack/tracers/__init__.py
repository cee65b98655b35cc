"""Tracer backends behind one interface (base.Tracer)."""
from __future__ import annotations

from micropack.errors import TracerUnavailable, UsageError
from micropack.tracers.base import Tracer


def backend_classes() -> dict[str, type[Tracer]]:
    from micropack.tracers.ebpf import EbpfTracer
    from micropack.tracers.sysdig import SysdigTracer
    return {"ebpf": EbpfTracer, "sysdig": SysdigTracer}


def choose(name: str) -> type[Tracer]:
    """The backend class for name; 'auto' prefers eBPF, then sysdig."""
    classes = backend_classes()
    if name == "auto":
        reasons = []
        for cls in classes.values():
            missing = cls.missing()
            if not missing:
                return cls
            reasons.append(f"{cls.name}: missing " + "; ".join(missing))
        raise TracerUnavailable("no tracer backend can run here: " + " | ".join(reasons))
    if name not in classes:
        raise UsageError(f"unknown backend {name!r}; choose one of auto, {', '.join(classes)}")
    return classes[name]
