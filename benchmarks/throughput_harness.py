"""Serve (this process, pinned by the caller) and measure from a client on the other core.

argv: kind, seconds. Prints requests per second. Kinds:
- ``sandbox``: the SDK's synchronous GetCallerIdentity, one at a time (requests keeps the
  connection alive);
- ``bare``: a bare aiohttp JSON server, called the same way;
- ``async-pooled`` / ``async-sdk``: the SDK's async GetCallerIdentity, 8 at a time, as the
  flows call it: inside ``pooled_connections()`` (armstui/cloud/transport.py), or through
  the SDK's own async path (a new aiohttp session and connection per request).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

CLIENT = r"""
import sys, time
kind, endpoint, key_id, secret, seconds = sys.argv[1:6]
seconds = float(seconds)
done = 0
if kind.startswith("async"):
    import asyncio, contextlib
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_sts20150401.client import Client
    from darabonba.runtime import RuntimeOptions
    from armstui.cloud.transport import install, pooled_connections
    client = Client(Config(access_key_id=key_id, access_key_secret=secret, endpoint=endpoint, protocol="http", region_id="cn-hangzhou"))
    install()

    async def measure():
        async def worker():
            n = 0
            while time.perf_counter() < end:
                await client.get_caller_identity_with_options_async(RuntimeOptions())
                n += 1
            return n
        global end
        async with pooled_connections() if kind == "async-pooled" else contextlib.nullcontext():
            await client.get_caller_identity_with_options_async(RuntimeOptions())
            end = time.perf_counter() + seconds
            started = time.perf_counter()
            done = sum(await asyncio.gather(*(worker() for _ in range(8))))
            return done / (time.perf_counter() - started)
    print(asyncio.run(measure()))
    sys.exit(0)
if kind == "sandbox":
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_sts20150401.client import Client
    client = Client(Config(access_key_id=key_id, access_key_secret=secret, endpoint=endpoint, protocol="http", region_id="cn-hangzhou"))
    call = client.get_caller_identity
else:
    import requests
    session = requests.Session()
    call = lambda: session.post(f"http://{endpoint}/", timeout=5).json()
call()
end = time.perf_counter() + seconds
started = time.perf_counter()
while time.perf_counter() < end:
    call(); done += 1
print(done / (time.perf_counter() - started))
"""


def main() -> None:
    kind, seconds = sys.argv[1], sys.argv[2]
    if kind != "bare":
        from armstui.sandbox.server import SandboxServer
        from armstui.sandbox.state import open_state
        from armstui.sandbox.world import accounts_by_alias

        state = open_state(None)
        server = SandboxServer(state)
        endpoint = server.start_in_thread()
        account = accounts_by_alias(state)["monitoring"]
        key_id, secret = account["access_key_id"], account["access_key_secret"]
    else:
        import asyncio
        import threading

        from aiohttp import web

        async def answer(request: web.Request) -> web.Response:
            return web.json_response({"RequestId": "x", "AccountId": "1"})

        ready = threading.Event()
        box = {}

        def serve() -> None:
            async def start() -> None:
                app = web.Application()
                app.router.add_route("*", "/{tail:.*}", answer)
                runner = web.AppRunner(app, access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                box["port"] = site._server.sockets[0].getsockname()[1]
                ready.set()

            loop = asyncio.new_event_loop()
            loop.run_until_complete(start())
            loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(10)
        endpoint, key_id, secret = f"127.0.0.1:{box['port']}", "-", "-"
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    out = subprocess.run(
        [*pin, sys.executable, "-c", CLIENT, kind, endpoint, key_id, secret, seconds],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    print(out.stdout.strip())
    time.sleep(0.1)


if __name__ == "__main__":
    main()
