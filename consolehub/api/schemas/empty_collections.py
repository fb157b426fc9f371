"""JSON Schema of the query of ``os-server-groups`` (Nova API reference,
"Server groups"): ``limit`` and ``offset`` are whole numbers, as Nova
checks them; ``all_projects`` and others are accepted, as Nova accepts
them before 2.75."""

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
