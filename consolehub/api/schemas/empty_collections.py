"""JSON Schema of the query of ``os-server-groups`` (Nova API reference,
"Server groups"): ``limit`` and ``offset`` are whole numbers, as Nova
checks them; ``all_projects`` and others are accepted, as Nova accepts
them before 2.75; and of ``os-migrations`` (Nova API reference,
"Migrations")."""

from consolehub.api.microversion import APIVersion

_WHOLE_NUMBER = {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'}

SERVER_GROUPS_QUERY = {
    'type': 'object',
    'properties': {
        'all_projects': {'type': 'string', 'maxLength': 16},
        'limit': _WHOLE_NUMBER,
        'offset': _WHOLE_NUMBER,
    },
    'additionalProperties': True,
}

_TEXT = {'type': 'string', 'maxLength': 255}

#: ``GET /v2.1/os-migrations`` before 2.59: Nova's filters, anything else
#: ignored.
_MIGRATION_FILTERS = ('hidden', 'host', 'instance_uuid', 'source_compute',
                      'status', 'migration_type')


def migrations_query(version):
    """``GET /v2.1/os-migrations`` at ``version`` (an ``APIVersion``):
    from 2.59 ``limit``, ``marker`` and ``changes-since`` are added and
    other parameters refused, as Nova's; ``changes-before`` from 2.66."""
    properties = {name: _TEXT for name in _MIGRATION_FILTERS}
    if version < APIVersion('2.59'):
        return {'type': 'object', 'properties': properties,
                'additionalProperties': True}
    properties.update({
        'limit': _WHOLE_NUMBER,
        'marker': _TEXT,
        'changes-since': {'type': 'string', 'maxLength': 64},
    })
    if version >= APIVersion('2.66'):
        properties['changes-before'] = {'type': 'string', 'maxLength': 64}
    return {'type': 'object', 'properties': properties,
            'additionalProperties': False}
