"""The apimachinery every room shares, without I/O: objects as plain JSON dicts, names, selectors, ``Status``
errors, body encodings (JSON, YAML, protobuf), patches, the catalogue of served kinds, and the work queue."""
