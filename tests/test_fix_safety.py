"""`--fix` never loses a file, its identity, or anything outside the checked tree (issues #23
item 6, #24 item 5)."""
from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"
FIXED = "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=10)\n"


def fix(cwd: Path, *args: str):
    return subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--fix",
                           "--select", "BL401", "-j", "1", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_crlf_bom_coding_cookie_and_mode_survive(tmp_path):
    (tmp_path / "crlf.py").write_bytes(BAD.replace("\n", "\r\n").encode())
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + BAD.encode())
    latin = "# -*- coding: latin-1 -*-\n# café\n" + BAD
    (tmp_path / "latin.py").write_bytes(latin.encode("latin-1"))
    (tmp_path / "mode.py").write_text(BAD)
    os.chmod(tmp_path / "mode.py", 0o750)
    proc = fix(tmp_path, ".")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "crlf.py").read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (tmp_path / "bom.py").read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()
    assert (tmp_path / "latin.py").read_bytes() == ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1")
    assert stat.S_IMODE(os.stat(tmp_path / "mode.py").st_mode) == 0o750
    assert (tmp_path / "mode.py").read_text() == FIXED


def test_a_symlink_is_fixed_through_the_link_and_stays_a_link(tmp_path):
    (tmp_path / "real.py").write_text(BAD)
    (tmp_path / "link.py").symlink_to("real.py")
    proc = fix(tmp_path, "link.py")
    assert proc.returncode == 0, proc.stderr
    assert os.path.islink(tmp_path / "link.py")
    assert (tmp_path / "real.py").read_text() == FIXED


def test_a_symlink_to_a_file_outside_the_checked_tree_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_text(BAD)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside / "victim.py")
    proc = fix(tree, "link.py")
    assert proc.returncode == 2
    assert "symlink to" in proc.stderr and "outside the checked tree" in proc.stderr
    assert (outside / "victim.py").read_text() == BAD
    assert "link.py:5:12: BL401" in proc.stdout  # still reported, unfixed
    assert os.path.islink(tree / "link.py")


def test_hard_links_and_ownership_are_kept(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    inode = os.stat(tmp_path / "a.py").st_ino
    owned = tmp_path / "owned.py"
    owned.write_text(BAD)
    other = 54321
    can_chown = os.geteuid() == 0
    if can_chown:
        os.chown(owned, other, other)
    proc = fix(tmp_path, "a.py", "owned.py")
    assert proc.returncode == 0, proc.stderr
    assert os.stat(tmp_path / "a.py").st_ino == inode and os.stat(tmp_path / "a.py").st_nlink == 2
    assert (tmp_path / "b.py").read_text() == FIXED
    assert owned.read_text() == FIXED
    if can_chown:
        assert (os.stat(owned).st_uid, os.stat(owned).st_gid) == (other, other)
    assert not list(tmp_path.glob(".backlint-*"))  # no temporary file left behind


def test_a_read_only_file_is_not_rewritten(tmp_path):
    path = tmp_path / "ro.py"
    path.write_text(BAD)
    os.chmod(path, 0o444)
    before = os.stat(path)
    proc = fix(tmp_path, "ro.py")
    assert proc.returncode == 2
    assert "read-only (mode 0444)" in proc.stderr
    assert path.read_text() == BAD and os.stat(path).st_ino == before.st_ino
    assert "ro.py:5:12: BL401" in proc.stdout


def test_a_file_changed_while_it_was_checked_is_not_overwritten(tmp_path):
    from backlint.fixwrite import Refused, write_fix

    path = tmp_path / "m.py"
    path.write_text(BAD + "# edited meanwhile\n")
    with pytest.raises(Refused, match="changed while it was being checked"):
        write_fix(str(path), BAD.encode(), FIXED.encode(), [str(tmp_path)])
    assert path.read_text() == BAD + "# edited meanwhile\n"


def test_sigkill_during_fix_never_leaves_a_truncated_file(tmp_path):
    count = 60
    body = BAD + "".join(f"\n\ndef g{i}(url):\n    return requests.post(url, json={{'n': {i}}})\n" for i in range(40))
    for i in range(count):
        (tmp_path / f"m{i:02}.py").write_text(body)
    rng = random.Random(24)
    command = [sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--fix", "--select", "BL401",
               "-j", "1", "-q", "."]
    for _ in range(4):
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for i in range(count):
            text = (tmp_path / f"m{i:02}.py").read_text()
            assert text == body or text.count("timeout=10") == 41, f"m{i:02}.py is damaged"
    # what is left is finished by one more run
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0
    assert all((tmp_path / f"m{i:02}.py").read_text().count("timeout=10") == 41 for i in range(count))
