"""The image service: records, the file store and format inspection.

:mod:`consolehub.image.api` is what the API's image handlers and the
compute agent (for snapshots) call; :mod:`consolehub.image.store` keeps
the files; :mod:`consolehub.image.inspection` decides what an uploaded
file really is before it is kept.
"""
