"""The sandbox's bottom layer: what every part needs and nothing above it — settings, the store, ids and the
clock, the CA, signed tokens, metrics, private files and listening sockets. Nothing here imports another part
of the sandbox."""
