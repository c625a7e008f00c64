"""Azure code as written for Azure: create a resource group, list them one per page, delete it.

Usage: resource_groups.py <group>. Prints JSON: the groups listed, or the error ARM answered.
"""

import json
import os
import sys

from azure.core.exceptions import HttpResponseError
from azure.identity import DefaultAzureCredential
from azure.mgmt.resource.resources import ResourceManagementClient


def main(group: str) -> dict[str, object]:
    client = ResourceManagementClient(DefaultAzureCredential(), os.environ["AZURE_SUBSCRIPTION_ID"])
    try:
        client.resource_groups.create_or_update(group, {"location": "westus2"})
        client.resource_groups.create_or_update(group + "-2", {"location": "westus2"})
        listed = [g.name for g in client.resource_groups.list(top=1)]  # every page after the first by nextLink
        client.resource_groups.begin_delete(group + "-2").result()  # polled at its Location
        return {"groups": listed, "after_delete": [g.name for g in client.resource_groups.list()]}
    except HttpResponseError as error:
        return {
            "status": error.status_code,
            "code": error.error.code if error.error else None,
            "message": error.message,
        }


print(json.dumps(main(sys.argv[1])))
