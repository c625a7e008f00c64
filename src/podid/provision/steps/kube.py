"""Kubernetes objects as a step: create what is missing, patch what drifted, replace Pods (their spec is immutable)."""

from __future__ import annotations

from collections.abc import Callable

from podid.provision.kube import Kube, KubeObject, describe
from podid.provision.manifests import demo, external_dns, external_dns_rbac, hello
from podid.provision.state import State
from podid.provision.step import UNKNOWN, Change, subset_diff
from podid.provision.steps._owner import labelled
from podid.provision.steps.cluster import kube_for
from podid.provision.wait import wait_for

POD_GONE_TIMEOUT = 120.0


def _replace_pod(kube: Kube, obj: KubeObject) -> None:
    meta = obj["metadata"]
    kube.delete("Pod", meta["namespace"], meta["name"])
    wait_for(
        lambda: kube.get("Pod", meta["namespace"], meta["name"]) is None or None,
        f"{describe(obj)} to go",
        POD_GONE_TIMEOUT,
    )
    kube.create(labelled(obj))


def plan_object(kube: Kube, obj: KubeObject) -> list[Change]:
    meta = obj["metadata"]
    current = kube.get(obj["kind"], meta.get("namespace"), meta["name"])
    if current is None:
        return [Change("create", describe(obj), (), lambda: kube.create(labelled(obj)))]
    diffs = subset_diff(obj, current)
    if not diffs:
        return []
    if obj["kind"] == "Pod":
        return [Change("update", describe(obj), tuple(diffs), lambda: _replace_pod(kube, obj), replaces=True)]
    return [Change("update", describe(obj), tuple(diffs), lambda: kube.patch(obj))]


class KubeObjectsStep:
    def __init__(self, name: str, manifests: Callable[[State], list[KubeObject]]) -> None:
        self.name = name
        self.manifests = manifests

    def plan(self, state: State) -> list[Change]:
        objects = self.manifests(state)
        kube = kube_for(state) if state.cluster is not None else None
        if kube is None:  # the cluster is created in this run
            return [Change("create", describe(obj)) for obj in objects]
        return [change for obj in objects for change in plan_object(kube, obj)]


def _client_id(state: State, identity_name: str) -> str:
    identity = state.identities.get(identity_name)
    return str(identity.client_id) if identity is not None else UNKNOWN


def _tenant(state: State) -> str:
    return state.clients.target.tenant_id


def hello_objects(state: State) -> list[KubeObject]:
    return hello(state.design)


def external_dns_objects(state: State) -> list[KubeObject]:
    design = state.design
    client_id = _client_id(state, design.dns.identity_name)
    return [*external_dns(design, _tenant(state), client_id), *external_dns_rbac(design)]


def demo_objects(state: State) -> list[KubeObject]:
    design = state.design
    return demo(design, _client_id(state, design.demo.identity_name), state.node_group or UNKNOWN)
