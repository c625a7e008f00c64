"""A CustomResourceDefinition's status as apiextensions' controllers write it: conditions, accepted names.

The naming controller (k8s.io/apiextensions-apiserver pkg/controller/status/naming_controller.go,
calculateNamesAndConditions) accepts each requested name that is the CRD's already or that no CRD of the group
has accepted; a taken one sets ``NamesAccepted=False`` with the reason of the last name found taken
(``PluralConflict``, ``SingularConflict``, ``ShortNamesConflict``, ``KindConflict``, ``ListKindConflict``, in
that order) and the message ``"<name>" is already in use``. A CRD whose names were never all accepted is not
established (``NotAccepted``) and its kind is not served; once established, it stays so. The establishing
controller (pkg/controller/establish/establishing_controller.go) then sets ``Established=True`` — here at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig

_RESOURCE_NAMES = ("plural", "singular")
_KIND_NAMES = ("kind", "listKind")
_REASONS = {"plural": "PluralConflict", "singular": "SingularConflict", "kind": "KindConflict"}
_REASONS["listKind"] = "ListKindConflict"


def condition_of(crd: Obj, kind: str) -> Obj:
    found = [as_dict(c) for c in as_list(dig(crd, "status", "conditions")) if dig(c, "type") == kind]
    return found[0] if found else {}


def is_true(crd: Obj, kind: str) -> bool:
    return condition_of(crd, kind).get("status") == "True"


def set_condition(status: Obj, wanted: Obj, now: str) -> None:
    """apiextensions helpers SetCRDCondition: replaced in place, its transition time kept unless the status changed."""
    conditions = [as_dict(c) for c in as_list(status.get("conditions"))]
    for i, current in enumerate(conditions):
        if current.get("type") == wanted["type"]:
            same = current.get("status") == wanted["status"]
            since = current.get("lastTransitionTime") if same else now
            conditions[i] = {**wanted, "lastTransitionTime": since or now}
            break
    else:
        conditions.append({**wanted, "lastTransitionTime": now})
    keys = ("type", "status", "lastTransitionTime", "reason", "message")
    status["conditions"] = [{k: c[k] for k in keys if k in c} for c in conditions]


def condition(kind: str, status: str, reason: str, message: str) -> Obj:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def named_status(crd: Obj, group_crds: Iterable[Obj], now: str) -> Obj:
    """``crd``'s status after the naming and establishing controllers, given the stored CRDs of its group."""
    spec, status = as_dict(crd.get("spec")), dict(as_dict(crd.get("status")))
    requested, accepted = as_dict(spec.get("names")), as_dict(status.get("acceptedNames"))
    stored = [as_str(v.get("name")) for v in map(as_dict, as_list(spec.get("versions"))) if v.get("storage")]
    status["storedVersions"] = list(dict.fromkeys([*as_list(status.get("storedVersions")), *stored]))
    if requested == accepted and condition_of(crd, "NamesAccepted"):
        return status  # the controller skips a CRD whose names are its accepted ones
    names, naming = _accepted_names(requested, accepted, _taken(group_crds))
    status["acceptedNames"] = names
    set_condition(status, naming, now)
    if naming["status"] == "True":
        established = condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
    else:
        established = condition_of(crd, "Established") or condition(
            "Established", "False", "NotAccepted", "not all names are accepted"
        )
    set_condition(status, established, now)
    return status


def _taken(group_crds: Iterable[Obj]) -> tuple[set[str], set[str]]:
    """getAcceptedNamesForGroup: the resource names and kinds the group's CRDs have accepted."""
    resources: set[str] = set()
    kinds: set[str] = set()
    for crd in group_crds:
        names = as_dict(dig(crd, "status", "acceptedNames"))
        resources.update(as_str(names.get(key)) for key in _RESOURCE_NAMES)
        resources.update(as_str(n) for n in as_list(names.get("shortNames")))
        kinds.update(as_str(names.get(key)) for key in _KIND_NAMES)
    return resources, kinds


def _accepted_names(requested: Obj, accepted: Obj, taken: tuple[set[str], set[str]]) -> tuple[Obj, Obj]:
    resources, kinds = taken
    names = {"plural": "", "kind": "", **accepted}  # CustomResourceDefinitionNames: both always written
    naming = condition("NamesAccepted", "True", "NoConflicts", "no conflicts found")
    for key in ("plural", "singular", "shortNames", "kind", "listKind"):
        wanted = requested.get(key)
        if key == "shortNames":
            conflict = _short_names_conflict(wanted, accepted, resources)
        else:
            conflict = _in_use(wanted, accepted.get(key), kinds if key in _KIND_NAMES else resources)
        if conflict:
            naming = condition("NamesAccepted", "False", _REASONS.get(key, "ShortNamesConflict"), conflict)
        elif wanted is not None:
            names[key] = wanted
    if requested.get("categories") is not None:
        names["categories"] = requested["categories"]
    return names, naming


def _in_use(wanted: Any, accepted: Any, used: set[str]) -> str:
    """equalToAcceptedOrFresh: an error text, or "" when the name is the CRD's already or free."""
    if wanted == accepted or wanted not in used:
        return ""
    return f'"{wanted}" is already in use'


def _short_names_conflict(wanted: Any, accepted: Obj, used: set[str]) -> str:
    if as_list(wanted) == as_list(accepted.get("shortNames")):
        return ""
    own = {*as_list(accepted.get("shortNames")), accepted.get("plural"), accepted.get("singular")}
    errors = [error for name in as_list(wanted) if name not in own if (error := _in_use(name, "", used))]
    # utilerrors.NewAggregate: one error as is, several as "[a, b]"
    return errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]" if errors else ""
