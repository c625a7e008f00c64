"""One cluster's objects: an in-memory index written through to the sandbox store, and its watch hub.

Each object is one store document (kind ``kubeObject``, key ``<cluster>|<resource>|<namespace>|<name>``, parent
the cluster). The resourceVersion counter restarts from the highest version found in those documents and in a
``kubeVersion`` document written with each deletion (the only write whose version no object keeps), so versions
never repeat after a restart. Objects held here are never mutated in place: a write replaces the stored dict,
which is why readers may share them without copying.
"""

from __future__ import annotations

from collections.abc import Iterator

from podid.sandbox.core.store import Store
from podid.sandbox.kube.machinery.objects import Obj, as_dict, as_list, as_str, dig
from podid.sandbox.kube.storage.watch import WatchHub

OBJECT_KIND = "kubeObject"
VERSION_KIND = "kubeVersion"
# Generous bounds: a 1,000-pod rollout publishes several thousand events in one controller pass.
WATCH_HISTORY = 20_000
WATCH_QUEUE = 50_000

Key = tuple[str, str]  # (namespace, name); the namespace is "" for cluster-scoped objects
Ref = tuple[str, str, str]  # (resource, namespace, name)


def key_of(obj: Obj) -> Key:
    return as_str(dig(obj, "metadata", "namespace")), as_str(dig(obj, "metadata", "name"))


def owner_uids(obj: Obj) -> list[str]:
    return [as_str(dig(ref, "uid")) for ref in as_list(dig(obj, "metadata", "ownerReferences"))]


class ObjectStore:
    """Objects by resource and (namespace, name), plus an owner index for garbage collection."""

    def __init__(self, store: Store, cluster_key: str) -> None:
        self._store = store
        self._key = cluster_key
        self._objects: dict[str, dict[Key, Obj]] = {}
        self._dependents: dict[str, set[Ref]] = {}
        self._version = int(as_dict(store.get(VERSION_KIND, cluster_key)).get("resourceVersion", 0))
        for doc in store.children(OBJECT_KIND, cluster_key):
            self._index(doc["resource"], doc["object"])
            self._version = max(self._version, int(doc["object"]["metadata"]["resourceVersion"]))
        self.hub = WatchHub(
            start_version=self._version, history=WATCH_HISTORY, queue_size=WATCH_QUEUE, copy_objects=False
        )

    @property
    def resource_version(self) -> int:
        return self._version

    # reads

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(resource, {}).get((namespace, name))

    def objects(self, resource: str, namespace: str | None = None) -> list[Obj]:
        """The objects of ``resource`` (in one namespace when given), in creation order."""
        items = self._objects.get(resource, {})
        if namespace is None:
            return list(items.values())
        return [obj for (ns, _), obj in items.items() if ns == namespace]

    def resources(self) -> list[str]:
        return [resource for resource, items in self._objects.items() if items]

    def dependents(self, owner_uid: str) -> Iterator[tuple[str, Obj]]:
        """(resource, object) of every object whose ownerReferences name ``owner_uid``."""
        for resource, namespace, name in list(self._dependents.get(owner_uid, ())):
            obj = self.get(resource, namespace, name)
            if obj is not None:
                yield resource, obj

    # writes

    def save(self, resource: str, obj: Obj, old: Obj | None) -> Obj:
        """Store ``obj`` (ADDED when ``old`` is None, else MODIFIED) under the next resourceVersion."""
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)
        self._store.put(OBJECT_KIND, self._doc_key(resource, obj), {"resource": resource, "object": obj}, self._key)
        if old is not None:
            self._unindex_owners(resource, old)
        self._index(resource, obj)
        self.hub.publish("ADDED" if old is None else "MODIFIED", obj, old)
        return obj

    def remove(self, resource: str, obj: Obj) -> Obj:
        """Delete ``obj``; the DELETED event carries the version of the deletion, as the apiserver's does."""
        self._version += 1
        gone = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(self._version)}}
        with self._store.transaction():
            self._store.delete(OBJECT_KIND, self._doc_key(resource, obj))
            self._store.put(VERSION_KIND, self._key, {"resourceVersion": self._version})
        self._unindex(resource, obj)
        self.hub.publish("DELETED", gone)
        return gone

    def destroy(self) -> None:
        """Forget every object of the cluster (the cluster was deleted) and end its watches."""
        self.hub.close()
        self._store.delete_prefix(self._key + "|")
        self._store.delete(VERSION_KIND, self._key)
        self._objects.clear()
        self._dependents.clear()

    # internals

    def _doc_key(self, resource: str, obj: Obj) -> str:
        namespace, name = key_of(obj)
        return f"{self._key}|{resource}|{namespace}|{name}"

    def _index(self, resource: str, obj: Obj) -> None:
        key = key_of(obj)
        self._objects.setdefault(resource, {})[key] = obj
        for uid in owner_uids(obj):
            self._dependents.setdefault(uid, set()).add((resource, *key))

    def _unindex(self, resource: str, obj: Obj) -> None:
        self._objects.get(resource, {}).pop(key_of(obj), None)
        self._unindex_owners(resource, obj)

    def _unindex_owners(self, resource: str, obj: Obj) -> None:
        key = key_of(obj)
        for uid in owner_uids(obj):
            refs = self._dependents.get(uid)
            if refs is not None:
                refs.discard((resource, *key))
                if not refs:
                    del self._dependents[uid]
