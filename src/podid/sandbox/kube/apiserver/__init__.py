"""The HTTPS front of one cluster's API server: authentication, authorization and discovery (``http``), which
handler serves which verb on which subresource (``verbs``, one table), the REST verbs (``rest``) and who writes
(``fieldmanager``), admission, CRDs, subresources, streams (watches, logs), the events.k8s.io API and access
reviews."""
