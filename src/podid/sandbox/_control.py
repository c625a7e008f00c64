"""The sandbox's own control surface under /_sandbox/: seed, state dump, counters and transition settings.

Like moto's moto-api, it is not part of Azure; tests and benchmarks use it to make runs reproducible
(seeded GUIDs), to count writes, to choose how long long-running operations take, and to move the clock
forward (or back) so that tokens expire without waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from podid.sandbox.cloud import Cloud


def add_routes(app: web.Application, cloud: Cloud) -> None:
    async def seed(request: web.Request) -> web.Response:
        body = await request.json()
        cloud.ids.seed(int(body["seed"]))
        return web.json_response({"seed": body["seed"]})

    async def state(request: web.Request) -> web.Response:
        kind = request.query.get("kind")
        if kind:
            return web.json_response({"kind": kind, "items": cloud.store.all(kind)})
        return web.json_response({"kinds": {name: len(cloud.store.keys(name)) for name in cloud.store.kinds()}})

    async def metrics(request: web.Request) -> web.Response:
        return web.json_response(cloud.metrics.snapshot())

    async def settings(request: web.Request) -> web.Response:
        body = await request.json()
        for resource_type, polls in body.get("lroPolls", {}).items():
            cloud.operations.polls[resource_type.lower()] = int(polls)
        return web.json_response({"lroPolls": cloud.operations.polls})

    async def clock(request: web.Request) -> web.Response:
        body = await request.json()
        cloud.clock.advance(float(body["advanceSeconds"]))
        return web.json_response({"now": cloud.clock.isoformat()})

    app.router.add_post("/_sandbox/seed", seed)
    app.router.add_post("/_sandbox/clock", clock)
    app.router.add_get("/_sandbox/state", state)
    app.router.add_get("/_sandbox/metrics", metrics)
    app.router.add_put("/_sandbox/settings", settings)
