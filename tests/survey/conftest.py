from __future__ import annotations

from collections.abc import Iterator

import pytest

# The app on the test sandbox, as the app's own tests make it (pytest finds fixtures by name).
from tests.tui.conftest import make_app, utc  # noqa: F401  (imported fixtures are used by name)


@pytest.fixture(autouse=True)
def _read_only_off_after() -> Iterator[None]:
    """`--read-only` switches every session of the process; no test leaves it on."""
    yield
    from armstui.cloud.session import set_read_only_everywhere

    set_read_only_everywhere(False)
