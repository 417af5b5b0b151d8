"""What one observation hands on: to its own step's ``apply`` and plan, and to the steps
that depend on it (``FlowContext.fact``). One small frozen dataclass per kind of fact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class Fact:
    """Base of every fact; a step reads the kind it expects with ``Observation.fact_of``."""


@dataclass(frozen=True)
class UserFound(Fact):
    user_id: str


@dataclass(frozen=True)
class PoliciesMissing(Fact):
    """(policy type, policy name) pairs the holder lacks."""

    policies: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AccessKeys(Fact):
    """A RAM user's AccessKeys as armstui sees them."""

    key_id: str | None = None  # the active key whose secret the vault holds
    activate: str | None = None  # a key whose secret the vault holds, but inactive
    orphans: tuple[str, ...] = ()  # keys whose secret armstui does not hold
    stale: str | None = None  # rotation: a second key in the way of the new one


@dataclass(frozen=True)
class Addon(Fact):
    """ack-onepilot in one cluster: what apply has to do, and the version there now."""

    action: Literal["install", "upgrade"] | None = None
    version: str | None = None  # installed now (None when not installed)
    target: str | None = None  # the release apply installs or upgrades to


@dataclass(frozen=True)
class Existence(Fact):
    """Whether the thing a step manages exists already (a role, a login profile)."""

    exists: bool
    arn: str | None = None


@dataclass(frozen=True)
class StillInCloud(Fact):
    """Teardown: the resource is still in the cloud (not only in the vault)."""


@dataclass(frozen=True)
class LicenseKeyFound(Fact):
    license_key: str  # kept in memory only


@dataclass(frozen=True)
class AppsReporting(Fact):
    apps: tuple[str, ...]


@dataclass(frozen=True)
class SilentClusters(Fact):
    clusters: tuple[str, ...]
