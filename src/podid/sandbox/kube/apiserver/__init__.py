"""The HTTPS front of one cluster's API server: authentication, authorization, discovery, the REST verbs and
their dispatch, admission, CRDs, subresources, streams (watches, logs) and access reviews."""
