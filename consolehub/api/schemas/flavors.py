"""Queries and bodies of Nova's flavors, flavor access and flavor extra
specs (compute API reference, "Flavors", "Flavors access", "Flavors
extra-specs"; Nova's ``flavor_manage``, ``flavor_access`` and
``flavors_extraspecs`` schemas)."""

from consolehub.api.microversion import APIVersion
from consolehub.objects import flavor as flavor_obj

#: The largest count a flavor's integer fields take (a 32-bit column).
MAX_INT = 2147483647

#: ``GET /v2.1/flavors`` and ``/flavors/detail``.
LIST_QUERY = {
    'type': 'object',
    'properties': {
        'limit': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
        'marker': {'type': 'string', 'maxLength': 255},
        # Boolean words, or "none" for all (administrators).
        'is_public': {'type': 'string', 'maxLength': 16},
        # Flavors with at least this memory (MiB) and root disk (GiB).
        'minRam': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
        'minDisk': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
        'sort_key': {'type': 'string', 'enum': list(flavor_obj.SORT_KEYS)},
        'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
    },
    'additionalProperties': True,
}

# Text without control characters, nor spaces at either end (Nova's
# "name" format).
_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
         'pattern': r'^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*'
                    r'[^\s\x00-\x1f\x7f])?\Z'}


def _count(minimum):
    """An integer from ``minimum`` to :data:`MAX_INT`, or its digits as a
    string (Nova takes both; the handler bounds the string's value)."""
    return {'oneOf': [
        {'type': 'integer', 'minimum': minimum, 'maximum': MAX_INT},
        {'type': 'string', 'pattern': r'^[0-9]{1,10}\Z'}]}


_BOOLEAN = {'enum': [True, False, 'True', 'TRUE', 'true', '1', 'ON', 'On',
                     'on', 'YES', 'Yes', 'yes', 'False', 'FALSE', 'false',
                     '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}

#: A flavor's description (2.55+): up to 65535 characters, no control
#: characters but tab and line ends.
DESCRIPTION = {'type': ['string', 'null'], 'maxLength': 65535,
               'pattern': r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\Z'}


def create(version):
    """``POST /v2.1/flavors`` at ``version`` (``description`` from 2.55)."""
    flavor = {
        'type': 'object',
        'properties': {
            'name': _NAME,
            'id': {'oneOf': [
                {'type': 'string', 'minLength': 1, 'maxLength': 255,
                 'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )\Z'},
                {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT},
                {'type': 'null'}]},
            'ram': _count(1),
            'vcpus': _count(1),
            'disk': _count(0),
            'OS-FLV-EXT-DATA:ephemeral': _count(0),
            'swap': _count(0),
            'rxtx_factor': {'oneOf': [
                {'type': 'number', 'exclusiveMinimum': 0,
                 'maximum': 3.40282e+38},
                {'type': 'string', 'maxLength': 32,
                 'pattern': r'^[0-9]+(\.[0-9]+)?\Z'}]},
            'os-flavor-access:is_public': _BOOLEAN,
        },
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
    }
    if version >= APIVersion('2.55'):
        flavor['properties']['description'] = DESCRIPTION
    return {'type': 'object', 'properties': {'flavor': flavor},
            'required': ['flavor'], 'additionalProperties': False}


#: ``PUT /v2.1/flavors/{flavor_id}`` (2.55+): the description only.
UPDATE = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {'description': DESCRIPTION},
            'required': ['description'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

_TENANT = {'type': 'object',
           'properties': {'tenant': {'type': 'string', 'minLength': 1,
                                     'maxLength': 255,
                                     'pattern': r'^[^\s\x00-\x1f\x7f]+\Z'}},
           'required': ['tenant'], 'additionalProperties': False}

#: ``POST /v2.1/flavors/{flavor_id}/action``: one of the access actions.
ACTION = {
    'oneOf': [
        {'type': 'object', 'properties': {name: _TENANT},
         'required': [name], 'additionalProperties': False}
        for name in ('addTenantAccess', 'removeTenantAccess')
    ],
}

#: An extra spec key: 1 to 255 letters, digits, ``_``, ``-``, ``:``,
#: ``.`` and spaces (Nova's pattern).
EXTRA_SPEC_KEY = {'type': 'string', 'minLength': 1,
                  'maxLength': flavor_obj.MAX_EXTRA_SPEC_LENGTH,
                  'pattern': r'^[a-zA-Z0-9_:. -]+\Z'}

# A value: text of at most 255 characters, or a number or boolean kept
# as its text (bounded so that its text fits too).
_EXTRA_SPEC_VALUE = {'oneOf': [
    {'type': 'string', 'maxLength': flavor_obj.MAX_EXTRA_SPEC_LENGTH},
    {'type': 'number', 'minimum': -2 ** 63, 'maximum': 2 ** 63},
    {'type': 'boolean'}]}

_EXTRA_SPECS = {
    'type': 'object',
    'propertyNames': EXTRA_SPEC_KEY,
    'additionalProperties': _EXTRA_SPEC_VALUE,
}

#: ``POST /v2.1/flavors/{flavor_id}/os-extra_specs``.
EXTRA_SPECS_CREATE = {
    'type': 'object',
    'properties': {'extra_specs': _EXTRA_SPECS},
    'required': ['extra_specs'],
    'additionalProperties': False,
}

#: ``PUT .../os-extra_specs/{key}``: ``{key: value}``, the path's key.
EXTRA_SPEC_UPDATE = dict(_EXTRA_SPECS, minProperties=1, maxProperties=1)
