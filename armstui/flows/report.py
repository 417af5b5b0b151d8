"""The checklist of a run as Markdown or JSON (``armstui report``)."""

from __future__ import annotations

import json
import time
from typing import Any

from armstui.flows.registry import RUN_TITLES
from armstui.secrets.redaction import redact

ICONS = {
    "ok": "✔",
    "already": "✔",
    "failed": "✘",
    "blocked": "⊘",
    "needs-you": "✋",
    "drift": "≠",
    "skipped": "–",
    "pending": "·",
    "running": "…",
    "planned": "+",
}


def to_json(run: dict[str, Any]) -> str:
    return redact(json.dumps(run, indent=2, ensure_ascii=False))


def to_markdown(run: dict[str, Any]) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(run["started_at"]))
    status = (
        "interrupted" if run.get("finished_at") is None else f"exit code {run.get('exit_code')}"
    )
    lines = [
        f"# armstui {run['mode']}: {run['setup_key']}",
        "",
        f"Started {started}; {status}.",
        "",
    ]
    by_flow: dict[str, list[dict[str, Any]]] = {}
    for step in run["steps"]:
        by_flow.setdefault(step["flow"], []).append(step)
    for flow, steps in by_flow.items():
        heading = RUN_TITLES.get(flow, f"{flow.upper()} flow")
        lines += [
            f"## {heading}",
            "",
            "| | step | account | outcome | detail |",
            "|---|---|---|---|---|",
        ]
        for s in steps:
            detail = (s.get("detail") or "").replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {ICONS.get(s['outcome'], '?')} | {s['title']} | {s['account']} | {s['outcome']} | {detail} |"
            )
        lines.append("")
        for s in steps:
            extra = []
            if s.get("error_code"):
                extra.append(
                    f"- error `{s['error_code']}`, request ID `{s.get('request_id') or '-'}`"
                )
                if s.get("hint"):
                    extra.append(f"- hint: {s['hint']}")
            if s.get("needs_you"):
                extra.append(f"- to do: {s['needs_you']}")
            if extra:
                lines += [f"### {s['title']} ({s['account']})", *extra, ""]
    return redact("\n".join(lines).rstrip() + "\n")
