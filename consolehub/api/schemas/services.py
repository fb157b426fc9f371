"""JSON Schemas of the queries of ``os-services``,
``os-availability-zone`` and ``os-hypervisors`` (Nova API reference,
"Compute services", "Availability zones", "Hypervisors").
"""

from consolehub.api.microversion import APIVersion
from consolehub.api.schemas import servers as server_schema

#: Nova's boolean query value (``with_servers``).
BOOLEAN = {'type': 'string', 'enum': [
    value for value in server_schema.BOOLEAN['enum']
    if isinstance(value, str)]}

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


def hypervisors_query(version):
    """``GET /v2.1/os-hypervisors`` and ``/detail`` at ``version`` (an
    ``APIVersion``): ``limit`` and ``marker`` (a hypervisor id) from
    2.33, ``hypervisor_hostname_pattern`` and ``with_servers`` from 2.53;
    other parameters are ignored, as Nova ignores them before 2.75."""
    properties = {}
    if version >= APIVersion('2.33'):
        properties['limit'] = {'type': 'string',
                               'pattern': r'^[0-9]{1,9}\Z'}
        properties['marker'] = {'type': 'string', 'maxLength': 255}
    if version >= APIVersion('2.53'):
        properties['hypervisor_hostname_pattern'] = {
            'type': 'string', 'minLength': 1, 'maxLength': 255}
        properties['with_servers'] = BOOLEAN
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}


def hypervisor_query(version):
    """``GET /v2.1/os-hypervisors/{hypervisor_id}``: ``with_servers``
    from 2.53."""
    properties = {}
    if version >= APIVersion('2.53'):
        properties['with_servers'] = BOOLEAN
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}
