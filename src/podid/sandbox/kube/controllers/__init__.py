"""The kube-controller-manager's part: deployments and replica sets, jobs, daemon sets, the scheduler, services
and endpoints, namespaces and garbage collection, and what a new AKS cluster already holds."""
