"""The sandbox tenant as Entra ID and Microsoft Graph serve it: its settings, directory, token service, ids, clock."""

from __future__ import annotations

from dataclasses import dataclass

from podid.sandbox.core.ids import Clock, IdGenerator
from podid.sandbox.core.settings import CloudSettings
from podid.sandbox.core.tokens import TokenService
from podid.sandbox.directory.models import Directory


@dataclass(frozen=True)
class Tenant:
    settings: CloudSettings
    directory: Directory
    tokens: TokenService
    ids: IdGenerator
    clock: Clock
