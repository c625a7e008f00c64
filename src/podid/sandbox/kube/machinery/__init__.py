"""The apimachinery every room shares, without I/O: objects as plain JSON dicts, names, selectors, ``Status``
errors, body encodings (JSON, YAML, protobuf), patches (merge, strategic merge, and server-side apply with its
field sets and ``managedFields``), the catalogue of served kinds, and the work queue."""
