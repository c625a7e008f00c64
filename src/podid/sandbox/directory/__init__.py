"""The sandbox tenant's directory of applications and service principals."""

from podid.sandbox.directory.models import Application, Directory, PasswordCredential, ServicePrincipal

__all__ = ["Application", "Directory", "PasswordCredential", "ServicePrincipal"]
