"""Microsoft.ContainerService: AKS managed clusters, their node infrastructure and credentials."""
