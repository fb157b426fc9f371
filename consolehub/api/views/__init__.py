"""Response builders: how each resource looks in a response body.

Handlers call these with rows (dicts) from the compute API; one module
per resource, so a representation is defined in one place.
"""
