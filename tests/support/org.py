"""A running sandbox seeded with the ``org`` world (a Resource Directory), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.sandbox import RunningSandbox, serving


@contextmanager
def running_org(members: int = 8, regions: int = 3) -> Iterator[RunningSandbox]:
    from armstui.sandbox.state import open_state

    # simulated durations run fast, as in every other test sandbox
    state = open_state(None, world=f"org:members={members},regions={regions}", speed=200)
    with serving(state) as running:
        yield running


def signing_as_admin(
    sandbox: RunningSandbox, directory: Path, key: dict[str, str] | None = None
) -> Path:
    """``sandbox.json`` in ``directory`` naming ``sandbox``, its ``management`` account
    signing as its RAM user ``admin`` (an account's root key cannot assume the members'
    access roles), or with ``key`` (``access_key_id``, ``access_key_secret``)."""
    import json

    from armstui.sandbox.describe import FILE_NAME, write_description

    path = write_description(directory / FILE_NAME, sandbox.state, sandbox.endpoint)
    described = json.loads(path.read_text())
    management = described["accounts"]["management"]
    signing = key or management["users"]["admin"]
    management.update({k: signing[k] for k in ("access_key_id", "access_key_secret")})
    path.write_text(json.dumps(described))
    return path
