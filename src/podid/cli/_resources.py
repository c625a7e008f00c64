"""The tutorial's az lines with ``az`` replaced by ``podid``: group, identity and role assignment commands.

Arguments, defaults, output (az's JSON shape, ``--query``, ``-o tsv|table|yaml``) and the client-side checks
follow the Azure CLI: ``identity create`` takes the group's location, ``role assignment create`` resolves the
role by name at the scope and the assignee through Microsoft Graph, a ``409 RoleAssignmentExists`` returns
the existing assignment, ``role assignment list`` filters like az and fills principalName/roleDefinitionName.
"""

from __future__ import annotations

import argparse
import sys
from collections import OrderedDict
from typing import Any

from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources.models import ResourceGroup

from podid.cli._common import CliError, Result, target, warning
from podid.provision import rbac
from podid.provision.clients import Clients
from podid.provision.errors import translated
from podid.provision.graph import Graph, try_graph
from podid.provision.shape import az_json
from podid.provision.wait import finish


def _clients(args: argparse.Namespace) -> Clients:
    return Clients(target(args))


def _tags(pairs: list[str] | None) -> dict[str, str] | None:
    if pairs is None:
        return None
    return {key: value for key, _, value in (pair.partition("=") for pair in pairs)}


def _confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError("Unable to prompt for confirmation as no tty available. Use --yes.")
    if input(f"{question} (y/n): ").strip().lower() not in ("y", "yes"):
        raise CliError("Operation cancelled.", exit_code=0)


# group


def group_create(args: argparse.Namespace) -> Any:
    groups = _clients(args).resources.resource_groups
    with translated():
        return az_json(groups.create_or_update(args.name, ResourceGroup(location=args.location, tags=_tags(args.tags))))


def group_show(args: argparse.Namespace) -> Any:
    with translated():
        return az_json(_clients(args).resources.resource_groups.get(args.name))


def group_delete(args: argparse.Namespace) -> None:
    _confirm(args, "Are you sure you want to perform this operation?")
    with translated():
        poller = _clients(args).resources.resource_groups.begin_delete(args.name)
        if not args.no_wait:
            finish(poller, f"resource group {args.name} to be deleted")


# identity


def identity_create(args: argparse.Namespace) -> Any:
    clients = _clients(args)
    with translated():
        location = args.location or clients.resources.resource_groups.get(args.resource_group).location
        identity = Identity(location=location, tags=_tags(args.tags))
        return az_json(clients.msi.user_assigned_identities.create_or_update(args.resource_group, args.name, identity))


def identity_show(args: argparse.Namespace) -> Any:
    with translated():
        return az_json(_clients(args).msi.user_assigned_identities.get(args.resource_group, args.name))


# role assignment


def _scope(args: argparse.Namespace, clients: Clients) -> str | None:
    if getattr(args, "all", False):
        if args.scope or args.resource_group:
            raise CliError("group or scope are not required when --all is used")
        return None
    if args.scope:
        if args.resource_group:
            raise CliError("Resource group name is redundant with --scope. Please remove --resource-group.")
        return str(args.scope)
    if args.resource_group:
        return f"/subscriptions/{clients.subscription_id}/resourceGroups/{args.resource_group}"
    return f"/subscriptions/{clients.subscription_id}"


def _object_id(clients: Clients, assignee: str) -> str:
    """az's _resolve_object_id: a service principal name/appId through Graph, else assume an object id."""
    found = try_graph(Graph(clients.target).service_principal_id, assignee)
    if found:
        return str(found)
    if not rbac.is_guid(assignee):
        raise CliError(f"Cannot find user or service principal in graph database for '{assignee}'.")
    warning(f"Assuming {assignee} as an object ID.")
    return assignee


def role_assignment_create(args: argparse.Namespace) -> Any:
    clients = _clients(args)
    if not args.scope:
        raise CliError("--scope is required")
    if bool(args.assignee) == bool(args.assignee_object_id):
        raise CliError("usage error: --assignee STRING | --assignee-object-id GUID")
    authorization = clients.authorization
    role = rbac.resolve_role(authorization.role_definitions, args.scope, args.role, clients.subscription_id)
    if args.assignee_object_id:
        principal, kind = args.assignee_object_id, args.assignee_principal_type
    else:
        principal, kind = _object_id(clients, args.assignee), "ServicePrincipal"
    created = rbac.create(
        authorization.role_assignments, args.scope, role, principal, principal_type=kind, wait_seconds=0
    )
    return az_json(created)


def _search(clients: Clients, scope: str | None, principal: str | None, inherited: bool) -> list[Any]:
    assignments = clients.authorization.role_assignments
    with translated():
        if scope:
            found = list(assignments.list_for_scope(scope, filter="atScope()"))
        elif principal:
            found = list(assignments.list_for_subscription(filter=f"principalId eq '{principal}'"))
        else:
            found = list(assignments.list_for_subscription())
    if scope:
        found = [
            item
            for item in found
            if str(item.scope).lower() == scope.lower()
            or (inherited and scope.lower().startswith(str(item.scope).lower()))
        ]
    return [item for item in found if principal is None or item.principal_id == principal]


def role_assignment_list(args: argparse.Namespace) -> Result:
    clients = _clients(args)
    scope = _scope(args, clients)
    principal = _object_id(clients, args.assignee) if args.assignee else None
    found = _search(clients, scope, principal, args.include_inherited)
    definitions = clients.authorization.role_definitions
    if args.role:
        wanted = rbac.resolve_role(
            definitions, scope or f"/subscriptions/{clients.subscription_id}", args.role, clients.subscription_id
        )
        found = [item for item in found if rbac.guid_of(str(item.role_definition_id)) == rbac.guid_of(wanted)]
    rows = az_json(found)
    with translated():
        names = {
            rbac.guid_of(str(item.id)): item.role_name
            for item in definitions.list(scope or f"/subscriptions/{clients.subscription_id}")
        }
    principals = try_graph(Graph(clients.target).display_names, sorted({row["principalId"] for row in rows})) or {}
    for row in rows:
        row["roleDefinitionName"] = names.get(rbac.guid_of(str(row["roleDefinitionId"])))
        row["principalName"] = principals.get(row["principalId"], "")
    return Result(rows, table=_assignment_table)


def _assignment_table(rows: list[dict[str, Any]]) -> list[OrderedDict[str, Any]]:
    """az's transform_assignment_list: Principal, Role, Scope."""
    return [
        OrderedDict([("Principal", row["principalName"]), ("Role", row["roleDefinitionName"]), ("Scope", row["scope"])])
        for row in rows
    ]
