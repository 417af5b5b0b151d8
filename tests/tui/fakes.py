"""A deterministic workspace for snapshot tests: fixed accounts, identities, steps and
times, so that pictures compare byte for byte. Behaviour is tested on the real sandbox
(test_pilot_*.py); this only feeds the screens what the real Workspace returns."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from armstui.cloud.calllog import CallLog, CallRecord
from armstui.flows.runner import CallSummary, RunResult, StepState
from armstui.flows.step import Outcome
from armstui.model import Account
from armstui.vault import MemoryVault

NOW = 1_700_000_000.0
UIDS = {
    "monitoring": "1111222233334444",
    "source": "5555666677778888",
    "outsider": "9999000011112222",
}


def step(
    step_id: str,
    title: str,
    account: str,
    flow: str,
    outcome: Outcome | str,
    *,
    took: float = 1.2,
    detail: str = "",
    **extra: Any,
) -> StepState:
    outcome = Outcome(outcome)
    started = NOW - 60 if outcome is not Outcome.RUNNING else NOW - 7.5
    finished = None if outcome in (Outcome.RUNNING, Outcome.PENDING) else started + took
    return StepState(
        step_id,
        title,
        account,
        flow,
        outcome,
        detail,
        started_at=None if outcome is Outcome.PENDING else started,
        finished_at=finished,
        **extra,
    )


# The ACK steps the fixed apply and plan share: (step ID, title, account, flow).
REPORTER = (
    "ack/monitoring/user/armstui-reporter",
    "RAM user armstui-reporter (reporting)",
    "monitoring",
    "ack",
)
POLICIES = (
    "ack/monitoring/user/armstui-reporter/policies",
    "armstui-reporter has AliyunARMSFullAccess",
    "monitoring",
    "ack",
)
ONEPILOT = ("ack/source/c1/onepilot", "ack-onepilot >= 3.0.14 in shop-prod", "source", "ack")
REPORTS = ("ack/source/c1/reports", "apps of shop-prod report into monitoring", "source", "ack")


def ack_states(mode: str = "apply") -> list[StepState]:
    calls = [
        CallSummary(
            "ram",
            "GetUser",
            "EntityNotExist.User",
            "4DAD559A-DE64-4427-853A-AD6295152004",
            6,
            False,
        ),
        CallSummary("ram", "CreateUser", "ok", "9FF1356F-2C69-4297-921A-6D82D1883349", 7, True),
        CallSummary("ram", "GetUser", "ok", "9514D2ED-2FA4-4372-8389-F6827B90DC47", 14, False),
    ]
    return [
        step(*REPORTER, "ok", detail="RAM user armstui-reporter exists", calls=calls),
        step(*POLICIES, "already", detail="attached: AliyunARMSFullAccess"),
        step(
            "ack/monitoring/user/armstui-reporter/key",
            "AccessKey of armstui-reporter, secret in the vault",
            "monitoring",
            "ack",
            "failed",
            detail="Throttling.User: Request was denied due to user flow control.",
            error_code="Throttling.User",
            request_id="0C1D2E3F-4A5B-6C7D-8E9F-A0B1C2D3E4F5",
            hint="Too many calls: wait a minute, then retry (t).",
        ),
        step(*ONEPILOT, "running", detail="waiting: ack-onepilot 3.0.10 -> 5.1.2 upgrading"),
        step(
            "ack/source/c1/onepilot-config",
            "onepilot in shop-prod reports with A's key",
            "source",
            "ack",
            "blocked",
            detail="waits for: AccessKey of armstui-reporter, secret in the vault",
        ),
        step(*REPORTS, "pending"),
    ]


def ecs_states() -> list[StepState]:
    return [
        step(
            "ecs/monitoring/license-key",
            "ARMS license key of monitoring",
            "monitoring",
            "ecs",
            "ok",
            detail="license key found (kept in memory only)",
        ),
        step(
            "ecs/source/i-1/agent",
            "orders on legacy-orders-1 reports into monitoring",
            "source",
            "ecs",
            "needs-you",
            detail="the agent is not installed",
            needs_you="On legacy-orders-1 run: curl -fsSL https://arms.example/install.sh | sh -s -- "
            '--license-key "$ARMS_LICENSE_KEY" --app orders',
        ),
        step(
            "ecs/source/i-2/agent",
            "billing on legacy-billing-2 reports into monitoring",
            "source",
            "ecs",
            "drift",
            detail="billing no longer reports into monitoring",
        ),
    ]


def plan_states() -> list[StepState]:
    return [
        step(*REPORTER, "planned", planned=["Ram.CreateUser (armstui-reporter in monitoring)"]),
        step(
            *POLICIES,
            "planned",
            planned=["Ram.AttachPolicyToUser (AliyunARMSFullAccess to armstui-reporter)"],
        ),
        step(*ONEPILOT, "already", detail="ack-onepilot 5.1.2 is active"),
        step(*REPORTS, "planned", detail="will check"),
    ]


class FakeJournal:
    """Answers the one question the app asks the journal (Journal.last_run by flow): the
    run given for the flow, if it is of one of ``modes``."""

    def __init__(self, runs: dict[str, dict[str, Any]] | None = None) -> None:
        self.runs = runs or {}

    def last_run(
        self, *, flow: str, modes: tuple[str, ...] = ("apply", "verify")
    ) -> dict[str, Any] | None:
        run = self.runs.get(flow)
        return run if run and run["mode"] in modes else None

    def close(self) -> None:
        pass


class FakeWorkspace:
    """What the app uses of armstui.flows.workspace.Workspace, with fixed answers."""

    endpoint = "127.0.0.1:1"

    def __init__(
        self,
        *,
        production: tuple[str, ...] = (),
        runs: dict[str, dict[str, Any]] | None = None,
        aliases: tuple[str, ...] = tuple(UIDS),
    ) -> None:
        self.accounts = {
            alias: Account(alias, UIDS[alias], production=alias in production) for alias in aliases
        }
        self.vault = MemoryVault()
        self.saved_roles: tuple[str | None, list[str]] = (None, [])
        self.journal = FakeJournal(runs)
        self.call_log = CallLog()
        self.results = {"plan": plan_states(), "apply": ack_states(), "verify": ack_states()}

    def validate(self, setup: Any) -> None:
        pass

    def log_calls(self) -> None:
        for i, (account, service, action, outcome, mutating) in enumerate(
            [
                ("monitoring", "sts", "GetCallerIdentity", "ok", False),
                ("monitoring", "ram", "GetUser", "EntityNotExist.User", False),
                ("monitoring", "ram", "CreateUser", "ok", True),
                ("source", "cs", "DescribeClustersV1", "ok", False),
                ("source", "cs", "UpgradeClusterAddons", "ok", True),
            ]
        ):
            self.call_log.append(
                CallRecord(
                    account,
                    service,
                    action,
                    NOW - 50 + i,
                    12.0 + i,
                    outcome,
                    f"REQ-{i:04d}-5A1B",
                    1,
                    mutating,
                )
            )

    async def run(
        self, setup: Any, mode: str, *, listener: Any = None, skip: Any = (), action: str = "setup"
    ) -> RunResult:
        states = self.results[mode]
        if action != "setup":  # a rotation's or a teardown's steps are a group of their own
            states = [
                dataclasses.replace(s, step_id=f"{action}/{s.step_id}", flow=action) for s in states
            ]
        for state in states:
            if listener:
                listener(state)
        return RunResult(mode, states)

    async def whoami(self, alias: str) -> Any:
        return SimpleNamespace(
            account_id=UIDS[alias], identity_type="Account", arn=f"acs:ram::{UIDS[alias]}:root"
        )

    async def switch(
        self, alias: str, role_arn: str, session_name: str = "x"
    ) -> tuple[Any, list[Any]]:
        who = SimpleNamespace(
            account_id=UIDS["monitoring"],
            identity_type="AssumedRoleUser",
            arn=f"acs:ram::{UIDS['monitoring']}:assumed-role/arms-admin/{session_name}",
        )
        apps = [
            SimpleNamespace(app_name=n, region_id="cn-hangzhou", cluster_id=c, language="java")
            for n, c in (("shop-svc1", "c1"), ("orders", None), ("billing", None))
        ]
        return who, apps

    def close(self) -> None:
        pass


def journal_run(flow: str, states: list[StepState], mode: str = "apply") -> dict[str, Any]:
    return {
        "setup_key": f"{flow}:monitoring:source",
        "mode": mode,
        "started_at": NOW - 60,
        "finished_at": NOW,
        "exit_code": 1,
        "step_count": len(states),
        "steps": [s.to_dict() for s in states],
    }
