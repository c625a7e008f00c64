"""Microsoft.Compute: the node VM scale sets of AKS clusters, their instances and identities."""
