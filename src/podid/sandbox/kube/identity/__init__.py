"""Who a caller is: the service-account tokens a cluster signs and verifies."""
