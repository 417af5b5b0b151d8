"""One environment to work in — real Alibaba Cloud or the sandbox — as the CLI and the TUI use it.

A workspace holds the accounts, the vault, the journal and the call log, and turns a
:class:`Setup` into steps and runs them. It is opened by
:func:`armstui.accounts.open_workspace` (the sandbox's or the saved accounts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from armstui.flows import directory
from armstui.flows.context import FlowContext
from armstui.flows.directory import Enrolment, Member
from armstui.flows.journal import Journal
from armstui.flows.runner import Listener, Runner, RunResult
from armstui.flows.setup import Setup
from armstui.flows.step import Step

if TYPE_CHECKING:
    from armstui.identity import Switched


SITE_MARK = "@"  # "member-001@cn-shanghai": an account acting in another region


class WorkspaceError(Exception):
    """Something the operator must fix before anything can run; carries the exit code."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Workspace:
    def __init__(
        self,
        accounts: dict[str, Any],
        vault: Any,
        journal: Journal,
        *,
        endpoint: str | None = None,
        runtime: Any = None,
        time_scale: float = 1.0,
        saved_roles: tuple[str | None, list[str]] = (None, []),
    ) -> None:
        from armstui.cloud.calllog import CallLog

        self.accounts = accounts  # alias -> armstui.model.Account
        self.vault = vault
        self.journal = journal
        self.endpoint = endpoint  # the sandbox's, or None for the real cloud
        self.runtime = runtime  # the in-process sandbox we started, if any
        self.time_scale = time_scale
        self.call_log = CallLog()
        self.saved_roles = saved_roles  # the monitoring and source aliases saved last time
        self._sessions: dict[str, Any] = {}
        self._members: dict[str, Member] = {}  # directory members' aliases, for their sessions
        self.enrolment: Enrolment | None = None  # what the last rd:… expansion found

    def close(self) -> None:
        self.journal.close()
        if self.runtime is not None:
            self.runtime.stop()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- checking what the operator chose ----------------------------------------------

    @property
    def directory_members(self) -> frozenset[str]:
        """The aliases of every directory member a run expanded ``rd:…`` sources into (they
        are acted in through their access role, and hold no key of their own)."""
        return frozenset(self._members)

    def account(self, alias: str, field: str = "account") -> Any:
        """The account ``alias`` names; for a site (``alias@region``), its account."""
        alias = alias.partition(SITE_MARK)[0]
        try:
            return self.accounts[alias]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none yet (armstui accounts add)"
            raise WorkspaceError(
                f"{field} {alias!r}: not a configured account (known: {known})"
            ) from None

    def validate(self, setup: Setup) -> None:
        """Raise InvalidInput/WorkspaceError naming the field and the rule; nothing is sent."""
        from armstui import model

        self.account(setup.monitoring, "--monitoring")
        for source in setup.sources:
            if directory.is_directory_source(source):
                try:
                    directory.check_source(source)
                except ValueError as error:
                    raise model.InvalidInput("--source", str(error), source) from None
                continue
            self.account(source, "--source")
            if source == setup.monitoring:
                raise model.InvalidInput("--source", "must differ from --monitoring", source)
        for cluster in setup.clusters:
            model.validate_cluster_id(cluster, "--cluster")
        for instance in setup.instances:
            model.validate_instance_id(instance, "--instance")
        for field, value in (
            ("--reporter-user", setup.reporter_user),
            ("--people-user", setup.people_user),
            ("--operator-user", setup.operator_user),
        ):
            model.validate_user_name(value, field=field)
        model.validate_role_name(setup.role_name, field="--role-name")
        for region in setup.regions:
            model.validate_region(region, "--region")
        if setup.regions and setup.all_regions:
            raise model.InvalidInput("--all-regions", "cannot be combined with --region")

    # --- running ---------------------------------------------------------------------------

    async def session(self, alias: str) -> Any:
        """The session of an account, or of a site (``alias@region``: the same identity in
        another region)."""
        account, _, region = alias.partition(SITE_MARK)
        if region:
            return (await self.session(account)).in_region(region)
        if alias in self._members and alias not in self._sessions:
            member = self._members[alias]
            management = await self.session(self.enrolment.management if self.enrolment else "")
            assumed = await management.assume(member.role_arn, "armstui")
            assumed.alias = alias
            self._sessions[alias] = assumed
        if alias not in self._sessions:
            from armstui.cloud.session import session_for

            self._sessions[alias] = await session_for(
                self.account(alias),
                self.vault,
                sandbox_endpoint=self.endpoint,
                call_log=self.call_log,
            )
        return self._sessions[alias]

    async def context(self, aliases: Iterable[str]) -> FlowContext:
        wanted = list(dict.fromkeys(aliases))
        # At once: a directory member's session costs an AssumeRole.
        sessions = dict(zip(wanted, await asyncio.gather(*map(self.session, wanted)), strict=True))
        return FlowContext(sessions=sessions, vault=self.vault, time_scale=self.time_scale)

    async def expand(self, setup: Setup) -> Setup:
        """``setup`` with its ``rd:…`` sources replaced by the directory members they cover
        (each an account acted in through its access role); as it is when it has none. The
        journal keeps the setup under its ``rd:…`` key, so a later run enrols newcomers."""
        from dataclasses import replace

        from armstui.cloud.errors import CloudError
        from armstui.model import Account

        wanted = [s for s in setup.sources if directory.is_directory_source(s)]
        if not wanted:
            return await self._sites(setup)
        plain = [s for s in setup.sources if s not in wanted]
        candidates = {}
        for alias in self.accounts:
            if alias in self._members:  # a member manages no directory; A still may
                continue
            try:
                candidates[alias] = await self.session(alias)
            except Exception:  # an account we cannot sign as manages no directory here
                continue
        try:
            management, _ = await directory.find_management(candidates)
            members = await directory.resolve(
                management,
                candidates[management],
                wanted,
                # A is never its own source, should A manage the directory and be listed in it.
                exclude=(*setup.exclude, self.account(setup.monitoring).uid),
                taken=[a for a in self.accounts if a not in self._members],
            )
        except CloudError as error:
            raise WorkspaceError(f"cannot list the directory's members: {error}", 1) from None
        except directory.DirectoryError as error:
            raise WorkspaceError(str(error)) from None
        region = self.account(setup.monitoring).region
        for member in members:
            self._members[member.alias] = member
            self.accounts.setdefault(member.alias, Account(member.alias, member.account_id, region))
        before = self.journal.last_run(setup_key=setup.key)
        covered_before = {s["account"] for s in (before or {}).get("steps", [])}
        now = [m.alias for m in members]
        self.enrolment = Enrolment(
            management,
            members,
            new=[a for a in now if before is not None and a not in covered_before],
            left=sorted(a for a in covered_before - set(now) - {setup.monitoring, *plain} if a),
        )
        return await self._sites(replace(setup, sources=tuple(plain + now), journal_key=setup.key))

    async def _sites(self, setup: Setup) -> Setup:
        """With --region or --all-regions, each source in each region to look in, named
        ``alias@region`` beyond the account's own region; the setup as it is otherwise."""
        from dataclasses import replace

        from armstui.cloud.errors import CloudError
        from armstui.flows.regions import discovery_regions

        if not (setup.regions or setup.all_regions):
            return setup

        async def sites_of(source: str) -> list[str]:
            session = await self.session(source)
            try:
                regions = await discovery_regions(setup, session)
            except CloudError as error:
                raise WorkspaceError(f"cannot list {source}'s regions: {error}", 1) from None
            return [source if r == session.region else f"{source}{SITE_MARK}{r}" for r in regions]

        # Every source at once (a directory's members each assume their role first).
        found = await asyncio.gather(*(sites_of(s) for s in setup.sources))
        return replace(
            setup, sources=tuple(s for sites in found for s in sites), journal_key=setup.key
        )

    async def steps(self, setup: Setup) -> tuple[list[Step], FlowContext]:
        from armstui.cloud.errors import CloudError
        from armstui.flows.registry import flows_run

        setup = await self.expand(setup)
        ctx = await self.context([setup.monitoring, *setup.sources])
        uids = {alias: self.account(alias).uid for alias in [setup.monitoring, *setup.sources]}
        flow, *also = flows_run(setup.flow, setup.access)
        try:
            steps = await flow.build_steps(setup, ctx, uids)
        except CloudError as error:  # listing B's clusters or instances failed: nothing ran
            raise WorkspaceError(
                f"cannot list what the {setup.flow} flow covers: {error}", exit_code=1
            ) from None
        self._all_found(setup, steps)
        for other in also:  # the role flow's steps, with --access role
            steps += await other.build_steps(setup, ctx, uids)
        return steps, ctx

    @staticmethod
    def _all_found(setup: Setup, steps: list[Step]) -> None:
        """A --cluster (ACK) or --instance (ECS) the source accounts do not have is named,
        not silently left out of the plan."""
        if setup.flow == "ack":
            flag, wanted, found = (
                "--cluster",
                setup.clusters,
                {getattr(s, "cluster_id", None) for s in steps},
            )
        elif setup.flow == "ecs":
            flag, wanted = "--instance", setup.instances
            found = {s.instance.instance_id for s in steps if hasattr(s, "instance")}
        else:
            return
        missing = [w for w in wanted if w not in found]
        if missing:
            raise WorkspaceError(
                f"{flag} {', '.join(missing)}: not found in {', '.join(setup.sources)} "
                "(a cluster of the accounts' region; an instance that is running)"
            )

    async def rotation_steps(self, setup: Setup, mode: str) -> tuple[list[Step], FlowContext]:
        """The ACK reporting key's rotation (flows/rotate.py), continuing an unfinished one."""
        from armstui.cloud.errors import CloudError
        from armstui.flows import rotate

        if setup.flow != "ack":
            raise WorkspaceError(
                f"--flow {setup.flow}: only the ACK flow's reporting key can be rotated (--flow ack)"
            )
        setup = await self.expand(setup)
        ctx = await self.context([setup.monitoring, *setup.sources])
        uids = {alias: self.account(alias).uid for alias in [setup.monitoring, *setup.sources]}
        try:
            steps = await rotate.build_steps(setup, ctx, uids, self.journal, begin=mode == "apply")
        except rotate.RotationError as error:
            raise WorkspaceError(str(error), exit_code=3) from None
        except CloudError as error:
            raise WorkspaceError(
                f"cannot find the key and the clusters to rotate: {error}", exit_code=1
            ) from None
        return steps, ctx

    async def teardown_steps(self, setup: Setup) -> tuple[list[Step], FlowContext, dict[str, str]]:
        """Undo what this setup created (flows/teardown.py), newest first; and the steps
        kept (adopted resources, an addon not asked for), with the reason."""
        from armstui.cloud.errors import CloudError
        from armstui.flows import teardown

        setup = await self.expand(setup)
        flow_steps, ctx = await self.steps(setup)
        uids = {alias: self.account(alias).uid for alias in [setup.monitoring, *setup.sources]}
        try:
            steps, kept = await teardown.build_steps(setup, flow_steps, ctx, uids, self.journal)
        except CloudError as error:
            raise WorkspaceError(
                f"cannot list what the {setup.flow} setup holds: {error}", exit_code=1
            ) from None
        return steps, ctx, kept

    async def run(
        self,
        setup: Setup,
        mode: str,
        *,
        listener: Listener | None = None,
        skip: Iterable[str] = (),
        action: str = "setup",
    ) -> RunResult:
        """``action``: ``setup`` (the flow's steps), ``rotate`` or ``teardown``; ``mode``:
        apply, verify or plan. Rotations and teardowns are journaled under their own name.

        An apply (of a setup, a rotation or a teardown) holds the setup's run lock: a second
        one on the same setup, from this process or another, is refused at once (exit 1)
        naming the holder. Verify and plan only read, and take no lock."""
        if mode != "apply":
            return await self._run(setup, mode, listener=listener, skip=skip, action=action)
        from armstui.run_lock import SetupBusy, hold

        try:
            with hold(self.journal.path.parent, setup.key):
                return await self._run(setup, mode, listener=listener, skip=skip, action=action)
        except SetupBusy as busy:
            raise WorkspaceError(str(busy), exit_code=1) from None

    async def _run(
        self,
        setup: Setup,
        mode: str,
        *,
        listener: Listener | None,
        skip: Iterable[str],
        action: str,
    ) -> RunResult:
        if action == "rotate":
            steps, ctx = await self.rotation_steps(setup, mode)
        elif action == "teardown":
            steps, ctx, kept = await self.teardown_steps(setup)
            skip = {**kept, **dict.fromkeys(skip, "skipped by the operator")}
        else:
            steps, ctx = await self.steps(setup)
        runner = Runner(
            steps,
            ctx,
            listener=listener,
            journal=None if mode == "plan" else self.journal,
            setup_key=setup.key,
            call_log=self.call_log,
            skip=skip,
            journal_mode=None
            if action == "setup"
            else action
            if mode == "apply"
            else f"{action}-{mode}",
        )
        result = await runner.run(mode)
        if action == "rotate" and mode == "apply" and result.exit_code == 0:
            from armstui.flows.rotate import rotation_of

            rotation = rotation_of(steps)
            if rotation is not None:
                rotation.finish()
        return result

    # --- identity -------------------------------------------------------------------------

    async def whoami(self, alias: str) -> Any:
        """GetCallerIdentity for an account's credentials (needs no permission)."""
        from armstui.identity import caller_identity

        return await caller_identity(await self.session(alias))

    async def switch(
        self,
        alias: str,
        role_arn: str,
        session_name: str = "armstui-switch",
        duration: int = 3600,
    ) -> Switched:
        """Assume ``role_arn`` as ``alias``: who we became and the ARMS apps it sees
        (:class:`armstui.identity.SwitchFailed` says why not)."""
        from armstui.identity import switch_role

        return await switch_role(await self.session(alias), role_arn, session_name, duration)

    def last_run(self, flow: str | None = None) -> dict[str, Any] | None:
        return self.journal.last_run(flow=flow, modes=("apply", "verify", "rotate", "teardown"))

    def run_sync(self, setup: Setup, mode: str, **kw: Any) -> RunResult:
        return asyncio.run(self.run(setup, mode, **kw))
