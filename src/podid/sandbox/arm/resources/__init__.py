"""Microsoft.Resources: resource groups, subscriptions, tenants, locations, provider registration."""
