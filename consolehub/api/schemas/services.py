"""JSON Schemas of the queries of ``os-services``,
``os-availability-zone`` and ``os-hypervisors`` (Nova API reference,
"Compute services", "Availability zones", "Hypervisors").
"""

#: ``GET /os-services``: Nova's ``host`` and ``binary`` filters; other
#: parameters are ignored, as Nova ignores them before 2.75.
LIST_QUERY = {
    'type': 'object',
    'properties': {
        'host': {'type': 'string', 'maxLength': 255},
        'binary': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': True,
}
