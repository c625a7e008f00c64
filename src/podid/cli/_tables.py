"""``-o table`` transformers: what each command shows as rows (az's ``table_transformer``), in az's way.

az evaluates a JMESPath multiselect hash with ordered dicts, so the headers keep its order; knack then
capitalises their first letter (knack/output.py). A ``--query`` replaces the transformer.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

Rows = list[OrderedDict[str, Any]]


def _search(expression: str, data: Any) -> Any:
    import jmespath

    return jmespath.compile(expression).search(data, jmespath.Options(dict_cls=OrderedDict))


# azure-cli src/azure-cli/azure/cli/command_modules/acs/_format.py, _aks_table_format (aks_show_table_format)
AKS_SHOW = """{
    name: name,
    location: location,
    resourceGroup: resourceGroup,
    kubernetesVersion: kubernetesVersion,
    currentKubernetesVersion: currentKubernetesVersion,
    provisioningState: provisioningState,
    fqdn: fqdn || privateFqdn
}"""
# azure-cli-extensions src/aks-preview/azext_aks_preview/_format.py, aks_pod_identities_table_format
POD_IDENTITIES = """podIdentityProfile.userAssignedIdentities[].{
    name: name,
    namespace: namespace,
    provisioningState: provisioningState,
    identity: identity.resourceId
}"""
# the same file, aks_pod_identity_exceptions_table_format (labels printed as its pprint_labels does)
POD_IDENTITY_EXCEPTIONS = """podIdentityProfile.userAssignedIdentityExceptions[].{
    name: name,
    namespace: namespace,
    PodLabels: podLabels
}"""


def aks_show(cluster: dict[str, Any]) -> Rows:
    return [_search(AKS_SHOW, cluster)]


def pod_identities(cluster: dict[str, Any]) -> Rows:
    return list(_search(POD_IDENTITIES, cluster) or [])


def pod_identity_exceptions(cluster: dict[str, Any]) -> Rows:
    rows: Rows = list(_search(POD_IDENTITY_EXCEPTIONS, cluster) or [])
    for row in rows:
        labels = row["PodLabels"] or {}
        row["PodLabels"] = " ".join(f"{key}={labels[key]}" for key in sorted(labels))
    return rows


def _changes(step: dict[str, Any]) -> str:
    return ", ".join(f"{change['action']} {change['what']}" for change in step["changes"])


def _step_row(step: dict[str, Any]) -> OrderedDict[str, Any]:
    return OrderedDict([("Part", step["step"]), ("Outcome", step["outcome"]), ("Changes", _changes(step))])


def steps(data: dict[str, Any]) -> Rows:
    """plan, down, migrate: one row per part of the system."""
    return [_step_row(step) for step in data["steps"]]


def status(data: dict[str, Any]) -> Rows:
    return [
        OrderedDict([("Part", row["step"]), ("InSync", row["inSync"]), ("Pending", ", ".join(row["pending"]))])
        for row in data["steps"]
    ]


def _check_row(finding: dict[str, Any]) -> OrderedDict[str, Any]:
    return OrderedDict(
        [("Check", finding["check"]), ("Result", "PASS" if finding["ok"] else "FAIL"), ("Message", finding["message"])]
    )


def verify(data: dict[str, Any]) -> Rows:
    return [_check_row(finding) for finding in data["findings"]]


def up(data: dict[str, Any]) -> Rows:
    """One row per part (its outcome and changes), then one per check of the verification."""
    rows = [
        OrderedDict([("Part", step["step"]), ("Result", step["outcome"]), ("Detail", _changes(step))])
        for step in data["steps"]
    ]
    for finding in data["verification"]["findings"]:
        check = _check_row(finding)
        rows.append(OrderedDict([("Part", check["Check"]), ("Result", check["Result"]), ("Detail", check["Message"])]))
    return rows
