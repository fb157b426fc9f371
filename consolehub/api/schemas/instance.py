"""JSON Schemas for /instances bodies and query strings.

Bounds on sizes come from the ``[compute]`` options, so the schemas are
built when asked for.
"""

from consolehub.conf import CONF

NAME = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    # No leading or trailing blanks and no control characters, as Nova.
    # \Z, not $: jsonschema matches with Python's re, whose $ also matches
    # before a final newline ("vm\n" would pass, and libvirt refuses a
    # domain title with a newline).
    'pattern': (r'^[^\s\x00-\x1f\x7f]'
                r'(?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?\Z'),
}


def create():
    """Schema of ``POST /instances``."""
    return {
        'type': 'object',
        'properties': {
            'instance': {
                'type': 'object',
                'properties': {
                    'name': NAME,
                    'memory_mb': {'type': 'integer', 'minimum': 16,
                                  'maximum': CONF.compute.max_memory_mb},
                    'vcpus': {'type': 'integer', 'minimum': 1,
                              'maximum': CONF.compute.max_vcpus},
                    # The image to boot; without one a diskless guest.
                    'image_id': {'type': 'string', 'format': 'uuid'},
                    # The root disk in GiB; default: what the image needs.
                    'disk_gb': {'type': 'integer', 'minimum': 1,
                                'maximum': CONF.compute.max_disk_gb},
                    # Administrators only (policy), as Nova's host in
                    # availability_zone "zone:host".
                    'host': {'type': 'string', 'minLength': 1,
                             'maxLength': 255},
                },
                'required': ['name'],
                # A disk only comes with an image.
                'dependentRequired': {'disk_gb': ['image_id']},
                'additionalProperties': False,
            },
        },
        'required': ['instance'],
        'additionalProperties': False,
    }


UPDATE = {
    'type': 'object',
    'properties': {
        'instance': {
            'type': 'object',
            'properties': {'name': NAME},
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['instance'],
    'additionalProperties': False,
}


def list_query():
    """Schema of ``GET /instances``'s query string (values are strings)."""
    return {
        'type': 'object',
        'properties': {
            'limit': {'type': 'string', 'pattern': r'^[0-9]{1,9}$'},
            'marker': {'type': 'string', 'format': 'uuid'},
        },
        'additionalProperties': False,
    }
