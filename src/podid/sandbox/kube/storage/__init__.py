"""One cluster's objects: the store written through to SQLite, the watch fan-out, and the API semantics of
create, update, patch, delete and list (``cluster.Cluster``)."""
