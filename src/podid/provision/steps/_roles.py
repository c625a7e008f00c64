"""A role assignment as a step sees it: present or created (assignments are never updated in place)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podid.provision import rbac
from podid.provision.state import State
from podid.provision.step import UNKNOWN, Change, kept
from podid.provision.steps._owner import described, marked


@dataclass(frozen=True)
class Grant:
    role: str  # display name, for the plan
    role_guid: str
    scope: Callable[[], str | None]  # None: not known before apply (e.g. the node resource group)
    principal: Callable[[], str | None]  # None: the identity is created in this run
    holder: str  # "example-internal-identity"


def plan_grant(state: State, grant: Grant) -> list[Change]:
    assignments = state.clients.authorization.role_assignments
    subscription = state.design.subscription_id
    what = f"role assignment {grant.role} → {grant.holder}"
    scope, principal, guid = grant.scope(), grant.principal(), grant.role_guid
    found = rbac.find(assignments, scope, guid, principal) if scope and principal else None
    if found is not None:
        return [] if marked(state.design, found.description) else [kept(what)]

    def create() -> None:
        now_scope, now_principal = grant.scope(), grant.principal()
        if not (now_scope and now_principal):
            raise RuntimeError(f"{what}: the scope or principal was not created before it")
        rbac.create(
            assignments,
            now_scope,
            rbac.definition_id(subscription, guid),
            now_principal,
            name=rbac.stable_name(now_scope, guid, now_principal),
            description=described(state.design, f"{grant.role} for {grant.holder}"),
        )

    return [Change("create", what, (f"scope: {scope or UNKNOWN}",), create)]
