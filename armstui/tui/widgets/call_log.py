"""The call log panel: every cloud call, live, one line each.

Records come from :class:`armstui.cloud.calllog.CallLog`, which redacts every text field
on the way in and holds no parameters or response data.
"""

from __future__ import annotations

import time
from typing import Any

from textual.widgets import Log


def call_line(record: Any) -> str:
    # loaded with the first record, not before the first frame
    from armstui.secrets.redaction import redact

    clock = time.strftime("%H:%M:%S", time.localtime(record.started_at))
    mark = "*" if record.mutating else " "
    rid = f" {record.request_id}" if record.request_id else ""
    retry = f" try {record.attempt}" if record.attempt > 1 else ""
    return redact(
        f"{clock}{mark}{record.account} {record.service}.{record.action} {record.outcome} "
        f"{record.duration_ms:.0f}ms{retry}{rid}"
    )


class CallLogPanel(Log):
    """Hidden until toggled (``display`` follows the app's ``show_call_log``)."""

    def __init__(self, *, id: str | None = "call-log") -> None:
        super().__init__(max_lines=1000, auto_scroll=True, id=id)
        self.border_title = "Cloud calls (* changes something)"

    def show_records(self, records: list[Any]) -> None:
        self.clear()
        self.write_lines([call_line(r) for r in records])

    def add_record(self, record: Any) -> None:
        self.write_line(call_line(record))
