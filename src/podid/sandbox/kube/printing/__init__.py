"""``kubectl get`` output computed on the server: the columns and rows of each kind, and ``meta.k8s.io/v1`` Tables."""
