"""The fleet: every source's clusters and instances, whether each reports into A *now*, and
the reporting keys in A.

Being listed in A's ARMS proves only that an application reported once (ARMS keeps apps
listed after they stop), so "reporting now" is read from the data: spans in the last
``window`` (``SearchTracesByPage``); for an app with none, a longer look back finds when it
last sent any. A cluster reports now when any of its applications does; an instance when its
application does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from armstui.cloud import arms, cs, ecs, ram
from armstui.cloud.errors import CloudError
from armstui.flows.ecs_scripts import UnsafeValue, target_of

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession

DEFAULT_WINDOW_MINUTES = 5
LOOKBACK_HOURS = 24  # how far back "last data" is looked for, for an app silent in the window
MAX_KEYS_PER_USER = 2


def _iso_ms(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AppHealth:
    app_name: str
    pid: str
    reporting_now: bool
    last_data_at: str | None  # ISO 8601 UTC; None: no data in the look-back


@dataclass(frozen=True)
class ClusterHealth:
    cluster_id: str
    name: str
    region: str | None
    onepilot_version: str | None  # None: not installed
    onepilot_newest: str | None  # the newest release this cluster may upgrade to
    uid_matches: bool | None  # the config's uid is A's account ID (None: no config)
    apps: tuple[AppHealth, ...]
    drift: tuple[str, ...]

    @property
    def reporting_now(self) -> bool:
        return any(a.reporting_now for a in self.apps)

    @property
    def last_data_at(self) -> str | None:
        return max((a.last_data_at for a in self.apps if a.last_data_at), default=None)


@dataclass(frozen=True)
class InstanceHealth:
    instance_id: str
    name: str | None
    region: str | None
    app_name: str
    cloud_assistant: bool
    app: AppHealth | None  # None: A has never seen the application

    @property
    def monitored(self) -> bool:
        """A has seen its application at least once (else nothing was set up for it)."""
        return self.app is not None

    @property
    def reporting_now(self) -> bool:
        return self.app is not None and self.app.reporting_now

    @property
    def last_data_at(self) -> str | None:
        return self.app.last_data_at if self.app else None


@dataclass(frozen=True)
class SourceHealth:
    account: str
    account_id: str
    clusters: tuple[ClusterHealth, ...] = ()
    instances: tuple[InstanceHealth, ...] = ()
    error: str | None = None  # the source could not be looked at (code, request ID)


@dataclass(frozen=True)
class KeyHealth:
    user: str
    key_id: str
    status: str
    age_days: int | None
    last_used_at: str | None
    in_vault: bool


@dataclass
class FleetReport:
    monitoring: str
    monitoring_id: str
    region: str
    window_minutes: int
    checked_at: str
    sources: list[SourceHealth] = field(default_factory=list)
    keys: list[KeyHealth] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what could not be looked at

    @property
    def two_key_window_open(self) -> bool:
        return sum(k.status == "Active" for k in self.keys) >= MAX_KEYS_PER_USER

    def targets(self) -> list[ClusterHealth | InstanceHealth]:
        found: list[ClusterHealth | InstanceHealth] = []
        for s in self.sources:
            found += [*s.clusters, *s.instances]
        return found

    def todo(self) -> list[str]:
        """What needs the operator, worst first."""
        out = [f"could not look: {e}" for e in self.errors]
        for s in self.sources:
            if s.error:
                out.append(f"{s.account}: could not look: {s.error}")
            for c in s.clusters:
                if not c.reporting_now:
                    since = f" (last data {c.last_data_at})" if c.last_data_at else ""
                    out.append(f"{s.account}/{c.name}: not reporting now{since}")
                out += [f"{s.account}/{c.name}: {d}" for d in c.drift]
            for i in s.instances:
                if i.monitored and not i.reporting_now:
                    since = f" (last data {i.last_data_at})" if i.last_data_at else ""
                    out.append(f"{s.account}/{i.name or i.instance_id}: not reporting now{since}")
        if self.two_key_window_open:
            out.append("the reporting user has two active keys: finish or close the rotation")
        return out

    def summary(self) -> str:
        targets = [t for t in self.targets() if not isinstance(t, InstanceHealth) or t.monitored]
        unmonitored = len(self.targets()) - len(targets)
        reporting = sum(t.reporting_now for t in targets)
        ages = [k.age_days for k in self.keys if k.age_days is not None]
        oldest = f"oldest key {max(ages)} days" if ages else "no reporting key"
        todo = len(self.todo())
        plural = "instance" if unmonitored == 1 else "instances"
        aside = f" ({unmonitored} {plural} not monitored)" if unmonitored else ""
        return f"{reporting} of {len(targets)} reporting now{aside}, {oldest}, " + (
            f"{todo} to do" if todo else "nothing to do"
        )

    @property
    def exit_code(self) -> int:
        """0 everything reports, 3 something does not or drifted, 1 could not look."""
        if not self.looked_everywhere:
            return 1
        return 0 if self.healthy else 3

    @property
    def looked_everywhere(self) -> bool:
        return not self.errors and not any(s.error for s in self.sources)

    @property
    def healthy(self) -> bool:
        return self.looked_everywhere and not self.todo()

    def to_json(self) -> dict[str, Any]:
        def cluster(c: ClusterHealth) -> dict[str, Any]:
            return {
                **{k: v for k, v in asdict(c).items() if k != "apps"},
                "reporting_now": c.reporting_now,
                "last_data_at": c.last_data_at,
                "drift": list(c.drift),
                "apps": [asdict(a) for a in c.apps],
            }

        def instance(i: InstanceHealth) -> dict[str, Any]:
            return {
                "instance_id": i.instance_id,
                "name": i.name,
                "region": i.region,
                "app_name": i.app_name,
                "cloud_assistant": i.cloud_assistant,
                "monitored": i.monitored,
                "reporting_now": i.reporting_now,
                "last_data_at": i.last_data_at,
            }

        return {
            "ok": self.healthy,
            "summary": self.summary(),
            "checked_at": self.checked_at,
            "window_minutes": self.window_minutes,
            "monitoring": {
                "account": self.monitoring,
                "account_id": self.monitoring_id,
                "region": self.region,
                "two_key_window_open": self.two_key_window_open,
            },
            "sources": [
                {
                    "account": s.account,
                    "account_id": s.account_id,
                    "error": s.error,
                    "clusters": [cluster(c) for c in s.clusters],
                    "instances": [instance(i) for i in s.instances],
                }
                for s in self.sources
            ],
            "keys": [asdict(k) for k in self.keys],
            "todo": self.todo(),
        }


class _Data:
    """A's data per application, each asked at most once per survey."""

    def __init__(self, session: CloudSession, now_ms: int, window_minutes: int) -> None:
        self.session, self.now_ms, self.window_ms = session, now_ms, window_minutes * 60_000
        self._seen: dict[str, asyncio.Task[AppHealth]] = {}

    def of(self, app: arms.TraceApp) -> asyncio.Task[AppHealth]:
        if app.pid not in self._seen:
            self._seen[app.pid] = asyncio.ensure_future(self._health(app))
        return self._seen[app.pid]

    async def _health(self, app: arms.TraceApp) -> AppHealth:
        recent = await arms.search_traces(
            self.session, app.pid, self.now_ms - self.window_ms, self.now_ms
        )
        if recent.reporting:
            return AppHealth(app.app_name, app.pid, True, _iso_ms(recent.newest_ms))
        before = await arms.search_traces(
            self.session, app.pid, self.now_ms - LOOKBACK_HOURS * 3_600_000, self.now_ms
        )
        return AppHealth(app.app_name, app.pid, False, _iso_ms(before.newest_ms))


def _described(error: CloudError) -> str:
    return f"{error.code} (request ID {error.request_id or 'none'})"


async def _cluster(
    session: CloudSession,
    cluster: cs.Cluster,
    apps: Sequence[arms.TraceApp],
    data: _Data,
    monitoring_id: str,
) -> ClusterHealth:
    addon = await cs.get_cluster_addon(session, cluster.cluster_id, cs.ONEPILOT)
    newest: str | None = None
    drift: list[str] = []
    uid_matches: bool | None = None
    if addon is None:
        drift.append("ack-onepilot is not installed")
    else:
        release = await cs.describe_addon(session, cs.ONEPILOT, cluster.cluster_id)
        newest = max(release.upgradable, key=cs.parse_version, default=None)
        if cs.parse_version(addon.version) < cs.MIN_CROSS_ACCOUNT_ONEPILOT:
            drift.append(f"ack-onepilot {addon.version} is older than 3.0.14")
        uid = addon.config.get("uid")
        uid_matches = None if uid is None else str(uid) == monitoring_id
        if uid_matches is False:
            drift.append("onepilot's uid is not the monitoring account's ID")
        elif uid_matches is None:
            drift.append("onepilot has no cross-account config")
    mine = [a for a in apps if a.cluster_id == cluster.cluster_id]
    if addon is not None and not mine:
        drift.append("no application of this cluster is known to the monitoring account")
    health = tuple(await asyncio.gather(*(data.of(a) for a in mine)))
    return ClusterHealth(
        cluster.cluster_id,
        cluster.name,
        cluster.region_id,
        addon.version if addon else None,
        newest,
        uid_matches,
        health,
        tuple(drift),
    )


async def _source(
    alias: str,
    session: CloudSession,
    apps: Sequence[arms.TraceApp],
    data: _Data,
    monitoring_id: str,
) -> SourceHealth:
    try:
        clusters, instances = await asyncio.gather(
            cs.describe_clusters(session), ecs.describe_instances(session)
        )
        running = [i for i in instances if i.status == "Running"]
        assistants = (
            await ecs.describe_cloud_assistant_status(session, [i.instance_id for i in running])
            if running
            else {}
        )
        cluster_health = await asyncio.gather(
            *(_cluster(session, c, apps, data, monitoring_id) for c in clusters)
        )
        by_name = {a.app_name: a for a in apps if not a.cluster_id}

        async def one(instance: ecs.Instance) -> InstanceHealth:
            try:
                name = target_of(instance).app_name
            except UnsafeValue:  # a name no agent could have been installed under
                name = instance.instance_id
            app = by_name.get(name)
            return InstanceHealth(
                instance.instance_id,
                instance.instance_name,
                instance.region_id,
                name,
                assistants[instance.instance_id].running,
                await data.of(app) if app else None,
            )

        instance_health = await asyncio.gather(*(one(i) for i in running))
        return SourceHealth(alias, session.uid or "", tuple(cluster_health), tuple(instance_health))
    except CloudError as error:
        return SourceHealth(alias, session.uid or "", error=_described(error))


async def _keys(
    session: CloudSession, user: str, vault_has: Callable[[str], bool], now: float
) -> list[KeyHealth]:
    if await ram.get_user(session, user) is None:
        return []  # no reporting user yet: nothing set up
    keys = await ram.list_access_keys(session, user)
    used = await asyncio.gather(
        *(ram.get_access_key_last_used(session, user, k.access_key_id) for k in keys)
    )
    out = []
    for key, last in zip(keys, used, strict=True):
        age = None
        if key.create_date:
            created = datetime.fromisoformat(key.create_date.replace("Z", "+00:00"))
            age = int((now - created.timestamp()) // 86400)
        in_vault = await asyncio.to_thread(vault_has, key.access_key_id)
        out.append(KeyHealth(user, key.access_key_id, key.status, age, last, in_vault))
    return out


async def survey_fleet(
    monitoring: CloudSession,
    sources: Mapping[str, CloudSession],
    *,
    reporter_user: str,
    vault_has: Callable[[str], bool],
    window_minutes: int = DEFAULT_WINDOW_MINUTES,
    now: float | None = None,
    on_source: Callable[[SourceHealth], None] | None = None,
) -> FleetReport:
    """Look at A and every source, concurrently; ``on_source`` hears each source as soon as
    it is known (a screen fills in as data arrives). Changes nothing."""
    now = time.time() if now is None else now
    monitoring_id = monitoring.uid or ""
    report = FleetReport(
        monitoring.alias,
        monitoring_id,
        monitoring.region,
        window_minutes,
        datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    try:
        apps = await arms.list_trace_apps(monitoring)
    except CloudError as error:
        report.errors.append(f"{monitoring.alias}: ListTraceApps: {_described(error)}")
        return report
    data = _Data(monitoring, int(now * 1000), window_minutes)

    async def one(alias: str, session: CloudSession) -> None:
        health = await _source(alias, session, apps, data, monitoring_id)
        report.sources.append(health)
        if on_source is not None:
            on_source(health)

    async def keys() -> None:
        try:
            report.keys = await _keys(monitoring, reporter_user, vault_has, now)
        except CloudError as error:
            report.errors.append(f"{monitoring.alias}: the reporting keys: {_described(error)}")

    await asyncio.gather(keys(), *(one(alias, s) for alias, s in sources.items()))
    report.sources.sort(key=lambda s: s.account)
    return report
