"""The events a kubelet reports about the containers it runs, with upstream's reasons and texts.

Reasons are k8s.io/kubernetes pkg/kubelet/events/event.go; messages those of pkg/kubelet/images/image_manager.go
(``Pulled``: the sandbox pulls nothing, every image is "already present"), pkg/kubelet/kuberuntime/
kuberuntime_container.go (``Created``, ``Started``, ``Failed``, ``Killing``), kuberuntime_manager.go (``BackOff``)
and pkg/kubelet/volumemanager (``FailedMount``). Container events name the container in ``fieldPath``.
"""

from __future__ import annotations

from podid.sandbox.kube.events.recorder import NORMAL, WARNING, EventRecorder, Source
from podid.sandbox.kube.kubelet.containers import Container
from podid.sandbox.kube.machinery.objects import Obj, as_str, dig


class KubeletEvents:
    def __init__(self, recorder: EventRecorder) -> None:
        self._recorder = recorder

    def started(self, pod: Obj, container: Container) -> None:
        """Pulled, Created, Started: a container (re)started."""
        self._pulled(pod, container)
        # kubernetes/kubernetes#130471 (1.33) put a colon after "Created container".
        created = "Created container: " if self._recorder.version_at_least(1, 33) else "Created container "
        self._record(pod, container, NORMAL, "Created", created + container.name)
        self._record(pod, container, NORMAL, "Started", f"Started container {container.name}")

    def config_failed(self, pod: Obj, container: Container, error: Exception) -> None:
        """The container could not be created from its spec (CreateContainerConfigError)."""
        self._pulled(pod, container)
        self._record(pod, container, WARNING, "Failed", f"Error: {error}")

    def mount_failed(self, pod: Obj, error: Exception) -> None:
        self._recorder.record(pod, WARNING, "FailedMount", str(error), _source(pod))

    def back_off(self, pod: Obj, container: Container) -> None:
        meta = pod["metadata"]
        where = f"{meta['name']}_{meta['namespace']}({meta['uid']})"  # format.Pod
        message = f"Back-off restarting failed container {container.name} in pod {where}"
        self._record(pod, container, WARNING, "BackOff", message)

    def stopping(self, pod: Obj, container: Container) -> None:
        self._record(pod, container, NORMAL, "Killing", f"Stopping container {container.name}")

    def _pulled(self, pod: Obj, container: Container) -> None:
        self._record(
            pod, container, NORMAL, "Pulled", f'Container image "{container.image}" already present on machine'
        )

    def _record(self, pod: Obj, container: Container, event_type: str, reason: str, message: str) -> None:
        field = "initContainers" if container.init else "containers"
        path = f"spec.{field}{{{container.name}}}"
        self._recorder.record(pod, event_type, reason, message, _source(pod), path)


def _source(pod: Obj) -> Source:
    return Source("kubelet", as_str(dig(pod, "spec", "nodeName")))
