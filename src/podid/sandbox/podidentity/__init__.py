"""The AKS pod identity add-on: podIdentityProfile rules, the managed CRDs, MIC, and NMI/IMDS.

``profile`` (ARM rules), ``addon`` (managed objects and scale sets), ``mic`` (assignments) and ``nmi`` (token
decisions) are pure; ``controller`` plugs them into AKS and the clusters, ``imds`` serves pods over HTTP.
"""

from podid.sandbox.podidentity.controller import PodIdentityController
from podid.sandbox.podidentity.imds import ImdsService

__all__ = ["ImdsService", "PodIdentityController"]
