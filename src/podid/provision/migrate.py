"""``podid migrate --to workload-identity``: a running pod identity setup moved to workload identity, with some
external-dns pod able to write at every moment, and the pod identity removed once the new path is proven.

    reports = migrate.to_workload_identity(state, progress)

The steps, in order (the ``migrate`` phase of the table in ``podid.provision.steps``; each is a no-op once done,
so a second run, or one after an interruption, finishes the job):

1. the cluster gets the OIDC issuer and workload identity; pod identity stays on;
2. the DNS and demo identities get federated credentials for their ServiceAccounts;
3. preflight: a TokenRequest token for kube-addons/external-dns is exchanged at Entra ID for the DNS identity,
   and that token reads the zone. The new path works before any pod depends on it;
4. external-dns: the ServiceAccount is annotated, the workload identity azure.json gets its own Secret, and the
   Deployment rolls (``maxUnavailable: 0``, ``maxSurge: 1``) to pods labelled ``azure.workload.identity/use``:
   an old pod stops only once a new one runs, and the old pods keep their own azure.json meanwhile;
5. a probe Service gets its record once no old pod is left: the writes go through workload identity;
6. the demo pod is replaced by its workload identity version;
7. the pod identity goes: podid's entries leave podIdentityProfile (the add-on is disabled when no other entry
   is left), with the cluster identity's Managed Identity Operator grants over the identities and the old Secret.
"""

from __future__ import annotations

from podid.provision.state import State
from podid.provision.step import Progress, StepReport, run
from podid.provision.steps import MIGRATE, steps_of


def to_workload_identity(state: State, progress: Progress) -> list[StepReport]:
    return run(steps_of(state.design, MIGRATE), state, apply=True, progress=progress)
