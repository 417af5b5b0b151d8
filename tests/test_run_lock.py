"""One run at a time per setup: the second is refused naming the first; a dead holder
releases the lock with its process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from armstui.run_lock import SetupBusy, hold

KEY = "ack:monitoring:source"


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    with hold(tmp_path, KEY) as first:
        with pytest.raises(SetupBusy) as busy:
            with hold(tmp_path, KEY):
                pass
        assert busy.value.pid == first.pid == os.getpid()
        assert f"pid {os.getpid()}" in str(busy.value)
        with hold(tmp_path, "ack:monitoring:other"):  # another setup is free
            pass
    with hold(tmp_path, KEY):  # released at the end of the block
        pass


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    with hold(tmp_path, KEY):
        (lock,) = (tmp_path / "locks").iterdir()
        assert lock.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "locks").stat().st_mode & 0o777 == 0o700


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from armstui.run_lock import hold
        with hold(Path({str(tmp_path)!r}), {KEY!r}):
            print("held", flush=True)
            time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(SetupBusy) as busy:
            with hold(tmp_path, KEY):
                pass
        assert busy.value.pid == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with hold(tmp_path, KEY) as mine:  # the kernel released the dead holder's lock
        assert mine.pid == os.getpid()
