"""The local Debian images micropack builds (demo and tests)."""
from __future__ import annotations

from pathlib import Path

from micropack import debimage
from micropack.debimage import ImageSpec, tag_for, without_host_files


def test_the_build_hosts_name_server_and_name_stay_out_of_a_root(tmp_path: Path):
    """debootstrap copies the machine's /etc/resolv.conf and /etc/hostname
    into the root: the demo image carried the build host's name server
    (nameserver 10.255.255.53), and so did a minified image of it. A link
    is removed as a link; what the root's packages own stays."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/resolv.conf").write_text("nameserver 10.255.255.53\n")
    (root / "etc/hostname").symlink_to("/etc/hostname")        # (dangling inside the root)
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n")
    without_host_files(root)
    assert sorted(p.name for p in (root / "etc").iterdir()) == ["hosts"]
    without_host_files(root)        # (nothing left to remove: no error)


def test_images_built_before_the_roots_changed_are_not_taken_for_current_ones(monkeypatch):
    """A tag names what the image was built from and how: raising
    ROOT_VERSION (as removing the host's files did) gives every image,
    plain or an application's, a new tag, so none built before is reused."""
    plain, app = ImageSpec("fat", ("bash",)), ImageSpec("app", ("nginx",), setup="true")
    mirror = "http://deb.debian.org/debian"
    before = [tag_for(plain, mirror), tag_for(app, mirror)]
    monkeypatch.setattr(debimage, "ROOT_VERSION", debimage.ROOT_VERSION + "+1")
    after = [tag_for(plain, mirror), tag_for(app, mirror)]
    assert before[0] != after[0] and before[1] != after[1]
