"""`micropack debug CONTAINER`: a shell next to a container that has none.

A throwaway toolbox container is started in the target's pid and network
namespaces (and its IPC namespace when the runtime lets another container
join it): its ps sees the target's processes, its ss and curl the target's
sockets, and the target's files are under /proc/1/root (pid 1 is the
target's first process). Nothing is copied into the target and nothing is
left behind: the toolbox container is removed when the command ends or
micropack is interrupted. The default toolbox image is built locally once
with debootstrap (debimage's "toolbox" spec) and kept, like the test images.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from micropack import debimage
from micropack.errors import TargetError
from micropack.runtimes.base import ContainerInfo, Engine

Say = Callable[[str], None]

TARGET_ROOT = "/proc/1/root"
DEFAULT_COMMAND = ("bash",)

# IPC modes another container may join: docker refuses "private" and "none"
# ("non-shareable IPC"), its default since 20.10, and a mode that is itself
# another container's namespace.
JOINABLE_IPC = ("shareable", "host")


def ipc_joinable(info: ContainerInfo) -> bool:
    """Whether the toolbox can join the target's IPC namespace. An engine
    that reports no mode (podman shares by default) is asked to try."""
    return info.ipc_mode in JOINABLE_IPC or info.ipc_mode == ""


def toolbox_image(engine: Engine, image: str | None) -> str:
    """The image the user named, or the local default (built on first use)."""
    if image:
        engine.image(image)          # a missing image is one clear line, before anything runs
        return image
    return debimage.ensure(engine, "toolbox")


def debug(engine: Engine, target: str, image: str | None, command: Sequence[str], say: Say) -> int:
    """Run command (a shell by default) in a toolbox joined to target; its status."""
    info = engine.container(target)
    if not info.running:
        raise TargetError(f"container {target!r} is not running ({info.status})",
                          "micropack debug joins a running container's namespaces")
    toolbox = toolbox_image(engine, image)
    share_ipc = ipc_joinable(info)
    if not share_ipc:
        say(f"note: {info.name}'s IPC namespace is not shareable (IpcMode {info.ipc_mode!r}); the "
            "toolbox gets its own (run the target with --ipc=shareable to share it)")
    say(f"debug: {toolbox} in the pid and network namespaces of {info.name}"
        f"{' and its IPC namespace' if share_ipc else ''}; its files are under {TARGET_ROOT}")
    return engine.run_joined(toolbox, info.id, list(command) or list(DEFAULT_COMMAND),
                             interactive=True, ipc=share_ipc)
