"""JSON Schema of the query of ``GET /v2.1/servers/{server_id}/
os-instance-actions`` (compute API reference, "Servers actions"):
``limit``, ``marker`` (a request id) and ``changes-since`` from 2.58,
``changes-before`` from 2.66; the times are ISO 8601, parsed by the
handler. Other parameters are ignored, as Nova ignores them."""

from consolehub.api.microversion import APIVersion

_TIME = {'type': 'string', 'maxLength': 64}


def list_query(version):
    """The list's query at ``version`` (an ``APIVersion``)."""
    properties = {}
    if version >= APIVersion('2.58'):
        properties.update({
            'limit': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
            'marker': {'type': 'string', 'maxLength': 255},
            'changes-since': _TIME,
        })
    if version >= APIVersion('2.66'):
        properties['changes-before'] = _TIME
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}
