"""Who a caller is: a user and its groups (``users``), and the service-account tokens a cluster signs and
verifies (``tokens``)."""
