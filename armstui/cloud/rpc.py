"""The RPC-style call every service module makes through its session's ``call``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from armstui.cloud.session import CloudSession


class ServiceRpc(Protocol):
    async def __call__(
        self,
        session: CloudSession,
        action: str,
        method: str,
        request: Any = None,
        *,
        mutating: bool = False,
    ) -> Any: ...


def service_rpc(service: str) -> ServiceRpc:
    """The call of one service's API ``action`` through the SDK client's ``method`` (its
    snake_case name; the ``_with_options_async`` form is used, without a request when
    ``request`` is None). Answers the response body."""

    async def rpc(
        session: CloudSession,
        action: str,
        method: str,
        request: Any = None,
        *,
        mutating: bool = False,
    ) -> Any:
        async def invoke(client: Any, runtime: Any) -> Any:
            call = getattr(client, f"{method}_with_options_async")
            return await (call(request, runtime) if request is not None else call(runtime))

        return (await session.call(service, action, invoke, mutating=mutating)).body

    return rpc
