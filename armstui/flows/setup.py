"""What the operator chose for one flow: accounts, targets, names, access approach."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# How people in A get to the data: the --access option's choices, kept with it.
from armstui.flows.registry import ACCESS_APPROACHES as ACCESS_APPROACHES

DEFAULT_REPORTER_USER = "armstui-reporter"
DEFAULT_PEOPLE_USER = "armstui-viewer"
DEFAULT_ROLE = "arms-admin"
DEFAULT_OPERATOR_USER = "arms-operator"
DEFAULT_CUSTOM_POLICY = "armstui-arms-readonly"
DEFAULT_DATA_WINDOW_MINUTES = 5


@dataclass(frozen=True)
class Setup:
    flow: str  # a registered flow's name (armstui.flows.registry)
    monitoring: str  # alias of account A
    sources: tuple[str, ...]  # aliases of the source accounts B...
    clusters: tuple[str, ...] = ()  # ACK: cluster IDs to cover; empty = all of B's in the region
    instances: tuple[str, ...] = ()  # ECS: instance IDs; empty = all running
    reporter_user: str = DEFAULT_REPORTER_USER
    access: str = "keep"
    people_user: str = DEFAULT_PEOPLE_USER
    custom_policy: str = DEFAULT_CUSTOM_POLICY
    role_name: str = DEFAULT_ROLE
    role_policy: Literal["full", "custom"] = "full"
    operator_user: str = DEFAULT_OPERATOR_USER
    install_agent: bool = True  # ECS: install through Cloud Assistant (else: needs-you commands)
    keep_check_key: bool = False  # role: keep the short-lived key used for the switch proof
    replace_orphan_key: bool = False  # ACK: replace a reporting key whose secret we lack
    replace_stale_key: bool = (
        False  # rotate: delete a second key whose secret we lack, to make room
    )
    include_adopted: bool = (
        False  # teardown: also remove what the setup uses but armstui did not create
    )
    uninstall_addon: bool = (
        False  # teardown (ACK): uninstall ack-onepilot where armstui installed it
    )
    # Proofs: an application reports when A holds data from it this recent (minutes).
    data_window_minutes: int = DEFAULT_DATA_WINDOW_MINUTES
    onepilot_version: str | None = None  # ACK: install/upgrade to this; None: the newest
    vpc: bool = False  # ECS: download the agent from the region's internal OSS host
    force: bool = False  # rotate: delete the old key even where a cluster is silent
    # Where to look for B's clusters and instances: these regions (empty: each account's
    # own), or every region the account can use.
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    # Directory members (--source rd:…) to leave out, by account ID or folder ID/name.
    exclude: tuple[str, ...] = ()
    # Set when rd:… sources were expanded into members: the journal keeps the setup under
    # the key it had before, so that the next run finds it again.
    journal_key: str | None = field(default=None, compare=False)
    options: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """Identifies the setup in the journal: flow, monitoring and source accounts."""
        if self.journal_key is not None:
            return self.journal_key
        return f"{self.flow}:{self.monitoring}:{','.join(sorted(self.sources))}"
