"""JSON Schemas of ``os-quota-sets`` and ``limits`` (Nova API reference,
"Quota sets" and "Limits").

Only the resources consolehub enforces (``consolehub.objects.quota``)
may be set; the others Nova lists are refused by name.
"""

from consolehub.objects import quota

#: A limit as Nova takes it: an integer, or its digits in a string.
#: Strings are bounded so that no int() of a huge text happens.
LIMIT = {
    'type': ['integer', 'string'],
    'pattern': r'^-?[0-9]{1,10}\Z',
    'minimum': quota.UNLIMITED,
    'maximum': quota.MAX_LIMIT,
}

#: Nova's ``parameter_types.boolean``.
BOOLEAN = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES',
             'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF',
             'Off', 'off', 'NO', 'No', 'no'],
}


def update():
    """``PUT /v2.1/os-quota-sets/{project_id}``."""
    properties = {name: LIMIT for name in quota.resources()}
    properties['force'] = BOOLEAN
    return {
        'type': 'object',
        'properties': {
            'quota_set': {
                'type': 'object',
                'properties': properties,
                'additionalProperties': False,
            },
        },
        'required': ['quota_set'],
        'additionalProperties': False,
    }


#: Query of the quota-set routes. Nova's ``user_id`` (per-user quotas) is
#: declared so that it can be refused with a clear message.
QUOTA_SET_QUERY = {
    'type': 'object',
    'properties': {
        'user_id': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': True,
}

#: ``GET /v2.1/limits``: ``tenant_id`` (administrators) and ``reserved``
#: (accepted and ignored: nothing is reserved here).
LIMITS_QUERY = {
    'type': 'object',
    'properties': {
        'tenant_id': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'reserved': {'type': 'string', 'maxLength': 16},
    },
    'additionalProperties': True,
}
