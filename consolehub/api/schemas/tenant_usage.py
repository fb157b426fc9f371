"""JSON Schema of the query of ``os-simple-tenant-usage`` (Nova API
reference, "Usage reports"): ``start`` and ``end`` are dates parsed by
the handler, ``detailed`` is ``1`` for the servers' usages. Other
parameters are ignored, as Nova ignores them before 2.75."""

LIST_QUERY = {
    'type': 'object',
    'properties': {
        'start': {'type': 'string', 'maxLength': 64},
        'end': {'type': 'string', 'maxLength': 64},
        'detailed': {'type': 'string', 'maxLength': 16},
    },
    'additionalProperties': True,
}
