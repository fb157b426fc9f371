"""JSON Schemas of Nova's ``os-keypairs`` (compute API reference,
"Keypairs (keypairs)"), as functions of the request's microversion.

``type`` is taken from 2.2, ``user_id`` (another user's key pairs, for
administrators) from 2.10, ``limit`` and ``marker`` from 2.35; before
those versions Nova ignores the query parameters, and refuses the body
fields, as these schemas do.
"""

from consolehub.api.microversion import APIVersion
from consolehub.api.schemas import instance as instance_schema
from consolehub.objects import keypair

#: A public key or certificate: bounded by what a TEXT column keeps.
PUBLIC_KEY = {'type': 'string', 'maxLength': 65535}

_USER_ID = {'type': 'string', 'minLength': 1, 'maxLength': 255}


def create(version):
    """``POST /v2.1/os-keypairs``."""
    properties = {
        # Nova's parameter_types.name; the safe characters are checked
        # after the schema (objects.keypair.validate_name), as in Nova.
        'name': instance_schema.NAME,
        'public_key': PUBLIC_KEY,
    }
    if version >= APIVersion('2.2'):
        properties['type'] = {'type': 'string', 'enum': list(keypair.TYPES)}
    if version >= APIVersion('2.10'):
        properties['user_id'] = _USER_ID
    return {
        'type': 'object',
        'properties': {
            'keypair': {
                'type': 'object',
                'properties': properties,
                'required': ['name'],
                'additionalProperties': False,
            },
        },
        'required': ['keypair'],
        'additionalProperties': False,
    }


def list_query(version):
    """``GET /v2.1/os-keypairs``; other parameters are ignored."""
    properties = {}
    if version >= APIVersion('2.10'):
        properties['user_id'] = _USER_ID
    if version >= APIVersion('2.35'):
        properties['limit'] = {'type': 'string',
                               'pattern': r'^[0-9]{1,9}\Z'}
        properties['marker'] = {'type': 'string', 'maxLength': 255}
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}


def show_query(version):
    """``GET`` and ``DELETE /v2.1/os-keypairs/{keypair_name}``."""
    properties = {}
    if version >= APIVersion('2.10'):
        properties['user_id'] = _USER_ID
    return {'type': 'object', 'properties': properties,
            'additionalProperties': True}
