"""The kubelet of every node: pods run as local processes (forked by a warm zygote) with their environment,
files, users and status, and the events it reports."""
