"""JSON Schemas of the Nova-compatible ``/v2.1`` API.

Field names, types and enums are those of Nova's compute API reference;
some accept less than Nova (no networks, volumes or key pairs exist
here), and say so by refusing the rest. Version-dependent schemas are functions
of the request's microversion (an ``APIVersion``).
"""

from consolehub.api.microversion import APIVersion
from consolehub.api.schemas import instance as instance_schema
from consolehub.api.schemas import server_tags as tag_schema
from consolehub.objects import instance_tag

NAME = instance_schema.NAME

#: Most servers one multiple create may ask for (Nova has no bound but
#: the quotas; ours keeps one request's work finite whatever they are).
MAX_COUNT = 100

#: ``min_count``/``max_count``: 1 to :data:`MAX_COUNT`, as an integer or
#: its digits, as Nova takes them.
_COUNT = {'oneOf': [
    {'type': 'integer', 'minimum': 1, 'maximum': MAX_COUNT},
    {'type': 'string', 'pattern': r'^(?:[1-9][0-9]?|100)\Z'}]}

#: Nova's boolean parameter: JSON booleans and the strings
#: oslo.utils reads as booleans.
BOOLEAN = {'enum': [
    True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes',
    'yes', 'y', 't', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off',
    'off', 'NO', 'No', 'no', 'n', 'f']}

#: Nova's metadata key: 1 to 255 of letters, digits and ``-_:. ``. A
#: ``patternProperties`` key must be an ECMA-262 regex (no ``\Z``); the
#: lookahead keeps Python's ``$`` from accepting a final newline.
METADATA_KEY_PATTERN = r'^[a-zA-Z0-9_:. -]{1,255}(?!\n)$'

#: Nova's ``metadata``: keys as :data:`METADATA_KEY_PATTERN`, string
#: values of up to 255 characters (empty allowed).
METADATA = {
    'type': 'object',
    'patternProperties': {
        METADATA_KEY_PATTERN: {'type': 'string', 'maxLength': 255}},
    'additionalProperties': False,
}

#: Nova's server description (2.19+): printable text, up to 255.
DESCRIPTION = {'type': ['string', 'null'], 'maxLength': 255,
               'pattern': r'^[^\x00-\x1f\x7f]*\Z'}


#: A block device mapping (Nova's ``block_device_mapping_v2`` item) of
#: an image as the local root disk.
IMAGE_BOOT_MAPPING = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'format': 'uuid'},
        'source_type': {'const': 'image'},
        'destination_type': {'const': 'local'},
        'boot_index': {'oneOf': [{'type': 'integer', 'const': 0},
                                 {'type': 'string', 'const': '0'}]},
        'delete_on_termination': {'type': 'boolean'},
        'device_name': {'type': 'string', 'maxLength': 255},
    },
    'required': ['uuid', 'source_type'],
    'additionalProperties': False,
}


#: Most networks one create may list (all refused: none exists).
MAX_NETWORKS = 16


def networks(version):
    """A create's ``networks``: ``auto`` or ``none`` (Nova's "Get Me a
    Network", 2.37; taken before too), or a list of Nova's requested
    networks, which the handler refuses as no network or port exists.
    From 2.37 a network ``uuid`` must be a UUID; from 2.42 an item may
    carry a device ``tag``."""
    item = {
        'uuid': ({'type': 'string', 'format': 'uuid'}
                 if version >= APIVersion('2.37') else
                 {'type': 'string', 'maxLength': 255}),
        'port': {'type': ['string', 'null'], 'maxLength': 255},
        'fixed_ip': {'type': 'string', 'maxLength': 64},
    }
    if version >= APIVersion('2.42'):
        item['tag'] = tag_schema.TAG
    return {'oneOf': [
        {'type': 'string', 'enum': ['auto', 'none']},
        {'type': 'array', 'maxItems': MAX_NETWORKS,
         'items': {'type': 'object', 'properties': item,
                   'additionalProperties': False}}]}


def create(version):
    """``POST /v2.1/servers``: ``networks`` is required from 2.37,
    ``tags`` (as the tags API's, at most 50) taken from 2.52,
    ``trusted_image_certificates`` from 2.63."""
    server = {
        'type': 'object',
        'properties': {
            'name': NAME,
            # An id, or a flavor URL whose last segment is the id.
            'flavorRef': {'oneOf': [
                {'type': 'string', 'minLength': 1, 'maxLength': 255},
                {'type': 'integer', 'minimum': 0}]},
            # An image id, an image URL ending in one, or empty (no
            # image: a diskless guest).
            'imageRef': {'type': 'string', 'maxLength': 255},
            # The one mapping the OpenStack CLI sends with --image: the
            # image as the local boot disk, i.e. imageRef again. Volumes,
            # swap and ephemeral disks do not exist here.
            'block_device_mapping_v2': {
                'type': 'array', 'minItems': 1, 'maxItems': 1,
                'items': IMAGE_BOOT_MAPPING},
            'networks': networks(version),
            'metadata': METADATA,
            'min_count': _COUNT,
            'max_count': _COUNT,
            'return_reservation_id': BOOLEAN,
            # No agent sets it in the guest (see the API reference doc).
            'adminPass': {'type': 'string', 'maxLength': 255},
            'accessIPv4': {'type': 'string', 'format': 'ipv4'},
            'accessIPv6': {'type': 'string', 'format': 'ipv6'},
            'OS-DCF:diskConfig': {'type': 'string',
                                  'enum': ['AUTO', 'MANUAL']},
            # Base64, checked by the handler (Nova's 400 message).
            'user_data': {'type': 'string', 'maxLength': 65535},
            'availability_zone': {'type': 'string', 'minLength': 1,
                                  'maxLength': 255},
            'config_drive': BOOLEAN,
        },
        'required': ['name', 'flavorRef'],
        'additionalProperties': False,
    }
    if version >= APIVersion('2.19'):
        server['properties']['description'] = DESCRIPTION
    if version >= APIVersion('2.37'):
        server['required'].append('networks')
    if version >= APIVersion('2.52'):
        server['properties']['tags'] = {
            'type': 'array', 'items': tag_schema.TAG,
            'maxItems': instance_tag.MAX_TAGS}
    if version >= APIVersion('2.63'):
        # Nova's trusted_certs; no image signature is verified here, so
        # the handler refuses a list (null is taken).
        server['properties']['trusted_image_certificates'] = {
            'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
            'uniqueItems': True,
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}
    hints = {'type': 'object'}
    return {
        'type': 'object',
        'properties': {'server': server,
                       # Accepted and ignored: one host place per server.
                       'os:scheduler_hints': hints,
                       'OS-SCH-HNT:scheduler_hints': hints},
        'required': ['server'],
        'additionalProperties': False,
    }


def update(version):
    """``PUT /v2.1/servers/{server_id}``: what may change."""
    server = {
        'type': 'object',
        'properties': {
            'name': NAME,
            'accessIPv4': {'type': 'string', 'format': 'ipv4'},
            'accessIPv6': {'type': 'string', 'format': 'ipv6'},
            'OS-DCF:diskConfig': {'type': 'string',
                                  'enum': ['AUTO', 'MANUAL']},
        },
        'additionalProperties': False,
    }
    if version >= APIVersion('2.19'):
        server['properties']['description'] = DESCRIPTION
    return {
        'type': 'object',
        'properties': {'server': server},
        'required': ['server'],
        'additionalProperties': False,
    }


#: ``POST`` and ``PUT /v2.1/servers/{server_id}/metadata``.
METADATA_BODY = {
    'type': 'object',
    'properties': {'metadata': METADATA},
    'required': ['metadata'],
    'additionalProperties': False,
}

#: ``PUT /v2.1/servers/{server_id}/metadata/{key}``: one item, whose key
#: must be the path's (the handler checks).
METADATA_ITEM_BODY = {
    'type': 'object',
    'properties': {'meta': dict(METADATA, minProperties=1,
                                maxProperties=1)},
    'required': ['meta'],
    'additionalProperties': False,
}


_TEXT = {'type': 'string', 'maxLength': 255}
_TAG_LIST = {'type': 'string', 'maxLength': 3100}

#: ``GET /v2.1/servers`` and ``/servers/detail``: the filters we apply
#: (``host``, ``deleted``, ``tenant_id`` and ``project_id`` for admins
#: only; ``status`` may be repeated). Other parameters are ignored, as
#: Nova ignores them before 2.75.
LIST_QUERY = {
    'type': 'object',
    'properties': {
        'name': _TEXT,
        'limit': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
        'marker': _TEXT,
        'all_tenants': {'type': 'string', 'maxLength': 16},
        'status': {'type': 'string', 'maxLength': 32},
        'flavor': _TEXT,
        'image': _TEXT,
        'host': _TEXT,
        'tenant_id': _TEXT,
        'project_id': _TEXT,
        # ISO 8601, parsed by the handler (400 if it does not parse).
        'changes-since': {'type': 'string', 'maxLength': 64},
        'changes-before': {'type': 'string', 'maxLength': 64},
        'deleted': {'type': 'string', 'maxLength': 16},
        # Comma-separated tags (2.26+): 50 of 60 characters at most.
        'tags': _TAG_LIST,
        'tags-any': _TAG_LIST,
        'not-tags': _TAG_LIST,
        'not-tags-any': _TAG_LIST,
    },
    'additionalProperties': True,
}


def remote_console(version):
    """``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+).

    With consolehub's ``view_only`` and ``take_over`` (see
    :mod:`.remote_console`), which Nova's clients never send.
    """
    protocols = ['vnc', 'spice', 'rdp', 'serial']
    types = ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial']
    if version >= APIVersion('2.8'):
        protocols.append('mks')
        types.append('webmks')
    return {
        'type': 'object',
        'properties': {
            'remote_console': {
                'type': 'object',
                'properties': {
                    'protocol': {'type': 'string', 'enum': protocols},
                    'type': {'type': 'string', 'enum': types},
                    # consolehub's own, as in remote_console.CREATE.
                    'view_only': {'type': 'boolean'},
                    'take_over': {'type': 'boolean'},
                    'record': {'type': 'boolean'},
                },
                'required': ['protocol', 'type'],
                'additionalProperties': False,
            },
        },
        'required': ['remote_console'],
        'additionalProperties': False,
    }


def _console_action(name, types):
    return {
        'type': 'object',
        'properties': {
            name: {
                'type': 'object',
                'properties': {'type': {'type': 'string', 'enum': types}},
                'required': ['type'],
                'additionalProperties': False,
            },
        },
        'required': [name],
        'additionalProperties': False,
    }


#: The legacy console actions of ``POST /v2.1/servers/{id}/action``
#: (2.1 - 2.5): action name -> (protocol, schema).
CONSOLE_ACTIONS = {
    'os-getVNCConsole': ('vnc', _console_action(
        'os-getVNCConsole', ['novnc', 'xvpvnc'])),
    'os-getSPICEConsole': ('spice', _console_action(
        'os-getSPICEConsole', ['spice-html5'])),
    'os-getSerialConsole': ('serial', _console_action(
        'os-getSerialConsole', ['serial'])),
    'os-getRDPConsole': ('rdp', _console_action(
        'os-getRDPConsole', ['rdp-html5'])),
}


#: ``POST /v2.1/servers/{server_id}/action`` with ``createImage``: the
#: image's name and custom properties (Nova's, bounded as Glance's).
CREATE_IMAGE = {
    'type': 'object',
    'properties': {
        'createImage': {
            'type': 'object',
            'properties': {
                'name': NAME,
                'metadata': {
                    'type': 'object',
                    'maxProperties': 128,
                    'propertyNames': {'maxLength': 255},
                    'additionalProperties': {'type': 'string',
                                             'maxLength': 255},
                },
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['createImage'],
    'additionalProperties': False,
}

#: ``lock`` and ``unlock``: Nova reads no argument below 2.73 (where
#: ``locked_reason`` comes, above our highest), and takes any value.
LOCK = {'type': 'object', 'properties': {'lock': {}},
        'required': ['lock'], 'additionalProperties': False}
UNLOCK = {'type': 'object', 'properties': {'unlock': {}},
          'required': ['unlock'], 'additionalProperties': False}

#: ``os-resetState``: the vm_state to set (Nova's ``reset_state``).
RESET_STATE = {
    'type': 'object',
    'properties': {'os-resetState': {
        'type': 'object',
        'properties': {'state': {'type': 'string',
                                 'enum': ['active', 'error']}},
        'required': ['state'],
        'additionalProperties': False,
    }},
    'required': ['os-resetState'],
    'additionalProperties': False,
}
