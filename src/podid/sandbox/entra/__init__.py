"""Entra ID for the sandbox tenant: OIDC discovery, signing keys and the OAuth2 token endpoint."""
