"""Registration states, shared by preview features and resource providers.

Registering is asynchronous in Azure: ``register`` answers ``Registering`` and the feature or provider reads
``Registered`` later; the sandbox completes a transition on the next read (likewise ``Unregistering`` →
``Unregistered``), which is what `az feature register` or `az provider register` followed by a show observes.
"""

SETTLES_TO = {"Registering": "Registered", "Unregistering": "Unregistered"}
