"""Events: the recorders the scheduler, controllers and kubelet report through, client-go's correlator, and the
two API versions of an Event."""
