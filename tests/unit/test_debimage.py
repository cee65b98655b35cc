"""The local Debian images micropack builds (demo and tests)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def test_a_failed_debootstrap_names_a_log_that_is_still_there(tmp_path: Path, monkeypatch):
    """debootstrap's last line names its own log inside the root being
    built, which is removed with it: the error pointed at nothing. The
    error names a kept copy, with debootstrap's own log in it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "debootstrap"
    fake.write_text('#!/bin/sh\nroot="$4"\nmkdir -p "$root/debootstrap"\n'
                    'echo "dpkg: error processing package python3-zmq" \\\n'
                    '    > "$root/debootstrap/debootstrap.log"\n'
                    'echo "I: Retrieving Packages"\n'
                    'echo "W: Failure trying to run: chroot dpkg --force-depends"\n'
                    'echo "W: See $root/debootstrap/debootstrap.log for details"\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(debimage, "CACHE_DIR", tmp_path / "cache")
    spec = debimage.ImageSpec("broken", ("python3-zmq",))
    with pytest.raises(debimage.ImageError) as info:
        debimage._root_tarball(spec, "http://127.0.0.1:1/debian", tmp_path / "cache/broken.tar")
    message = str(info.value)
    assert "Failure trying to run" in message and "for details" not in message
    kept = Path(message.rsplit("(whole log: ", 1)[1].rstrip(")"))
    assert kept.is_file() and "error processing package python3-zmq" in kept.read_text()
    assert not (tmp_path / "cache/broken.tar").exists()
