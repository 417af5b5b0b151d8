"""How a service declares its operations, and what a handler receives.

A service module creates one :class:`Service` and decorates its handlers::

    api = Service("Ram", "2015-05-01")

    @api.rpc("CreateUser", permission="ram:CreateUser")
    def create_user(call: Call) -> dict: ...

    cs = Service("CS", "2015-12-15")

    @cs.roa("GET", "/clusters/{ClusterId}/addon_instances", "ListClusterAddonInstances",
            permission="cs:ListClusterAddonInstances")
    def list_addons(call: Call) -> dict: ...

The server finds the operation from the ``x-acs-version`` and ``x-acs-action`` headers the
official SDKs send (for ROA it also checks the method and path), authenticates and
authorizes the caller, then calls the handler. A handler returns the response body (a dict,
a list for ROA array bodies, or None for an empty body) or raises ``ApiError``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from armstui.sandbox.errors import ApiError, invalid_parameter, missing_parameter

if TYPE_CHECKING:
    from armstui.sandbox.iam import Principal
    from armstui.sandbox.state import SandboxState

Handler = Callable[["Call"], Any]
ResourceOf = Callable[["Call"], str]


@functools.cache
def _path_pattern(template: str) -> re.Pattern[str]:
    """An ROA path template (``/clusters/{ClusterId}/addons``) as a pattern naming its
    parameters; made once per template, as every ROA request tries several."""
    named = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{named}/?$")


@dataclass(frozen=True)
class Operation:
    product: str
    version: str
    action: str
    handler: Handler
    permission: str | None  # "ram:CreateUser"; None: any authenticated caller may call it
    resource: ResourceOf | None = None  # the resource ARN checked with the permission; "*" if None
    method: str = "POST"
    path: str | None = None  # ROA path template; None for RPC
    mutating: bool = True

    @property
    def is_roa(self) -> bool:
        return self.path is not None

    def match_path(self, raw_path: str) -> dict[str, str] | None:
        """Path parameters if ``raw_path`` fits this ROA template, else None."""
        assert self.path is not None
        m = _path_pattern(self.path).match(raw_path)
        if m is None:
            return None
        from urllib.parse import unquote

        return {k: unquote(v) for k, v in m.groupdict().items()}


@dataclass
class Service:
    product: str
    version: str
    operations: dict[str, Operation] = field(default_factory=dict)

    def rpc(
        self,
        action: str,
        *,
        permission: str | None,
        resource: ResourceOf | None = None,
        mutating: bool | None = None,
    ) -> Callable[[Handler], Handler]:
        return self._register(action, permission, resource, "POST", None, mutating)

    def roa(
        self,
        method: str,
        path: str,
        action: str,
        *,
        permission: str | None,
        resource: ResourceOf | None = None,
        mutating: bool | None = None,
    ) -> Callable[[Handler], Handler]:
        return self._register(action, permission, resource, method, path, mutating)

    def _register(
        self,
        action: str,
        permission: str | None,
        resource: ResourceOf | None,
        method: str,
        path: str | None,
        mutating: bool | None,
    ) -> Callable[[Handler], Handler]:
        if mutating is None:
            mutating = not action.startswith(("Get", "List", "Describe", "Search"))

        def decorate(handler: Handler) -> Handler:
            self.operations[action] = Operation(
                self.product,
                self.version,
                action,
                handler,
                permission,
                resource,
                method,
                path,
                mutating,
            )
            return handler

        return decorate


@dataclass
class Call:
    """One authenticated request, as a handler sees it."""

    state: SandboxState
    caller: Principal
    operation: Operation
    request_id: str
    params: dict[str, str] = field(default_factory=dict)  # RPC: query + form; ROA: query
    path: dict[str, str] = field(default_factory=dict)  # ROA path parameters
    body: Any = None  # ROA: the parsed JSON body

    @property
    def account_id(self) -> str:
        """The account the caller acts in."""
        return self.caller.account_id

    def param(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise missing_parameter(name)
            return default
        return value

    def required(self, name: str) -> str:
        value = self.param(name, required=True)
        assert value is not None
        return value

    def int_param(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        raw = self.param(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid_parameter(name, f"{raw!r} is not an integer") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise invalid_parameter(name, f"{value} is out of range [{low}, {high}]")
        return value

    def bool_param(self, name: str, default: bool = False) -> bool:
        raw = self.param(name)
        if raw is None:
            return default
        return raw.lower() == "true"  # the SDK sends booleans as True/False

    def list_param(self, name: str) -> list[str]:
        """Repeated RPC parameters: ``InstanceId.1``, ``InstanceId.2`` ... in order; or a JSON
        array string sent under the bare name (ECS ``InstanceIds``)."""
        numbered = []
        prefix = name + "."
        for key, value in self.params.items():
            rest = key[len(prefix) :] if key.startswith(prefix) else ""
            if rest.isdigit():
                numbered.append((int(rest), value))
        if numbered:
            return [v for _, v in sorted(numbered)]
        raw = self.params.get(name)
        if not raw:
            return []
        if raw.startswith("["):
            try:
                items = json.loads(raw)
            except json.JSONDecodeError:
                raise invalid_parameter(name, "is not a JSON array") from None
            if not isinstance(items, list):
                raise invalid_parameter(name, "is not a JSON array")
            return [str(i) for i in items]
        return [raw]

    def fail(self, status: int, code: str, message: str) -> ApiError:
        return ApiError(status, code, message)
