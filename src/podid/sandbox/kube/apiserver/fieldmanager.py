"""Who writes, for managedFields, and server-side apply's PATCH (k8s.io/apiserver pkg/endpoints/handlers).

* Every create, update and patch names its field manager: ``?fieldManager=``, else the User-Agent's product
  (``kubectl/v1.30.1 (linux/amd64) …`` → ``kubectl``; rest.go ``managerOrUserAgent``/``prefixFromUserAgent``).
* PatchOptions are validated before anything is read (patch.go, meta/v1/validation ``ValidatePatchOptions``):
  an apply without ``fieldManager`` and a ``force`` on any other patch are 422 Invalid PatchOptions.
* An apply creates the object when there is none (201), else updates it; ``force=true`` takes conflicting fields.
"""

from __future__ import annotations

from aiohttp import web

from podid.sandbox.kube.apiserver.context import ApiContext
from podid.sandbox.kube.machinery.apply import apply
from podid.sandbox.kube.machinery.managedfields import APPLY, FieldManager
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_str
from podid.sandbox.kube.machinery.patching import APPLY_PATCH, accepted_patch_types, applied_configuration
from podid.sandbox.kube.machinery.resources import ResourceType
from podid.sandbox.kube.machinery.status import (
    FieldError,
    bad_request,
    forbidden_field,
    invalid,
    required,
    unsupported_media_type,
)
from podid.sandbox.kube.rbac.escalation import confirm_no_escalation

MAX_LENGTH = 128  # validation.FieldManagerMaxLength
_PATCH_OPTIONS = ResourceType("meta.k8s.io", "v1", "patchoptions", "PatchOptions", False)
_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # strconv.ParseBool


def manager_of(request: web.Request, subresource: str = "") -> FieldManager:
    """The field manager of a create, update or non-apply patch."""
    name = request.query.get("fieldManager") or _user_agent_product(request.headers.get("User-Agent", ""))
    return FieldManager(name, subresource=subresource)


def _user_agent_product(user_agent: str) -> str:
    """prefixFromUserAgent: up to the first ``/``, printable characters only, at most 128 bytes."""
    kept, size = [], 0
    for char in user_agent.split("/", 1)[0]:
        if not char.isprintable():  # unicode.IsPrint: of the spaces, only U+0020
            continue
        size += len(char.encode("utf-8"))
        if size > MAX_LENGTH:
            break
        kept.append(char)
    return "".join(kept)


def is_apply(request: web.Request, rt: ResourceType) -> bool:
    """Whether a PATCH is a server-side apply; its media type (415) and PatchOptions (422) checked either way."""
    media_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media_type not in accepted_patch_types(rt):
        raise unsupported_media_type(accepted_patch_types(rt))
    applying = media_type == APPLY_PATCH
    errors: list[FieldError] = []
    if not applying and "force" in request.query:
        errors.append(forbidden_field("force", "may not be specified for non-apply patch"))
    if applying and not request.query.get("fieldManager"):
        # kubectl sends one ("kubectl"); controllers have to name theirs
        errors.append(required("fieldManager", "is required for apply patch"))
    if errors:
        raise invalid(_PATCH_OPTIONS, "", errors)
    return applying


async def server_side_apply(
    context: ApiContext, request: web.Request, rt: ResourceType, where: tuple[str, str, str], dry_run: bool
) -> tuple[Obj, int]:
    """The object an apply writes at ``where`` (namespace, name, subresource), and 201 or 200."""
    cluster, (namespace, name, subresource) = context.cluster, where
    config = applied_configuration(await request.read())
    manager = FieldManager(request.query["fieldManager"], APPLY, subresource)
    force = request.query.get("force", "") in _TRUE
    current = cluster.find(rt, namespace, name)
    if current is None and subresource:
        cluster.read(rt, namespace, name)  # the 404: a subresource's object must exist
    applied = apply(cluster.field_scope(rt), current, config, manager, force, cluster.now())
    sent = as_str(as_dict(applied.get("metadata")).get("name"))
    if sent != name:  # handlers/rest.go checkName
        raise bad_request(f"the name of the object ({sent}) does not match the name on the URL ({name})")
    confirm_no_escalation(context.authorizer, request, rt, applied, current)
    if current is None:
        return cluster.create_object(rt, namespace, applied, dry_run=dry_run, manager=manager), 201
    updated = cluster.update_object(
        rt, namespace, name, applied, subresource=subresource, dry_run=dry_run, manager=manager
    )
    return updated, 200
