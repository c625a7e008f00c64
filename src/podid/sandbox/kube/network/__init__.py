"""Loopback address pools for pod IPs and load-balancer IPs, shared by every cluster of a sandbox."""
