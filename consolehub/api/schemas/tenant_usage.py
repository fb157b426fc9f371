"""JSON Schemas of the query of ``os-simple-tenant-usage`` (Nova API
reference, "Usage reports"): ``start`` and ``end`` are dates parsed by
the handler, ``detailed`` is ``1`` for the servers' usages; from 2.40
``limit`` and ``marker`` (an instance uuid) page. Other parameters are
ignored, as Nova ignores them before 2.75."""

from consolehub.api.microversion import APIVersion


def list_query(version):
    """The query of both routes at ``version`` (an ``APIVersion``)."""
    properties = {
        'start': {'type': 'string', 'maxLength': 64},
        'end': {'type': 'string', 'maxLength': 64},
        'detailed': {'type': 'string', 'maxLength': 16},
    }
    if version >= APIVersion('2.40'):
        properties['limit'] = {'type': 'string',
                               'pattern': r'^[0-9]{1,9}\Z'}
        properties['marker'] = {'type': 'string', 'maxLength': 255}
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}
