"""The sandbox's seeded worlds (DESIGN.md, "The sandbox's default world").

``default``: three accounts, ``monitoring`` (A), ``source`` (B) and ``outsider`` (C), each
with a 16-digit account ID and a root AccessKey, in cn-hangzhou. Secrets are generated per
state directory, never shipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armstui.sandbox import iam

if TYPE_CHECKING:
    from armstui.sandbox.state import SandboxState

DEFAULT_ACCOUNTS = ("monitoring", "source", "outsider")


def create_account(state: SandboxState, alias: str) -> dict:
    """An account with its root AccessKey; returns the account record."""
    store = state.store
    uid = iam.new_numeric_id(16)
    while store.get("account", uid) is not None:
        uid = iam.new_numeric_id(16)
    now = state.clock.iso(state.clock.now())
    account = {"uid": uid, "alias": alias, "CreateDate": now}
    store.put("account", uid, account)
    key_id = iam.new_access_key_id()
    store.put("ram.accesskey", key_id, {
        "AccessKeyId": key_id, "AccessKeySecret": iam.new_secret(), "AccountId": uid,
        "UserName": None, "Status": "Active", "CreateDate": now,
    })
    return account


def seed(state: SandboxState, world: str = "default") -> None:
    if world not in ("default", "large"):
        raise ValueError(f"world: must be 'default' or 'large' (got {world!r})")
    with state.store.transaction():
        for alias in DEFAULT_ACCOUNTS:
            create_account(state, alias)


def accounts_by_alias(state: SandboxState) -> dict[str, dict]:
    """Each seeded account with its root key: what sandbox.json publishes."""
    out = {}
    for account in state.store.list("account"):
        root = next(k for k in state.store.list("ram.accesskey")
                    if k["AccountId"] == account["uid"] and k["UserName"] is None)
        out[account["alias"]] = {"uid": account["uid"], "access_key_id": root["AccessKeyId"],
                                 "access_key_secret": root["AccessKeySecret"]}
    return out
