"""What the apiserver does to an object before it is stored: server-side defaults, the validation of each kind
(RBAC objects included) and the pruning of custom resources against their structural schema."""
