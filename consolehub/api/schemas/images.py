"""JSON Schemas of the image API (``/image/v2``), as Glance's.

:func:`image_schema` is the document ``GET /image/v2/schemas/image``
serves: python-glanceclient builds its image model from it and validates
every image it receives against it, and tells base attributes (its
``properties``) from custom properties (``additionalProperties``) when it
writes a JSON patch. The same schema validates create bodies and patch
values, as Glance's does; property names and types are those of
Glance's image schema (``glance/api/v2/images.py``, ``get_schema``).
"""

from consolehub.objects import image as image_obj

_UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                 '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')

#: Longest custom property value, as Glance's database column allows.
MAX_PROPERTY_VALUE = 65535
#: Longest property name and tag, as Glance.
MAX_NAME = 255
#: Largest min_ram (MiB) and min_disk (GiB): a 32-bit integer column.
MAX_MINIMUM = 2 ** 31 - 1


def _nullable(kind, **more):
    return dict({'type': ['null', kind]}, **more)


def base_properties():
    """``{attribute: schema}`` of every image attribute."""
    read_only = {'readOnly': True}
    return {
        'id': {'type': 'string', 'pattern': _UUID_PATTERN,
               'description': 'An identifier for the image'},
        'name': _nullable('string', maxLength=MAX_NAME,
                          description='Descriptive name for the image'),
        'status': dict(read_only, type='string',
                       enum=list(image_obj.STATUSES),
                       description='Status of the image'),
        'visibility': {'type': 'string',
                       'enum': list(image_obj.VISIBILITIES),
                       'description': 'Scope of image accessibility'},
        'protected': {'type': 'boolean',
                      'description': 'If true, image will not be '
                                     'deletable.'},
        'os_hidden': {'type': 'boolean',
                      'description': 'If true, image will not appear in '
                                     'default image list response.'},
        'checksum': _nullable('string', maxLength=32, readOnly=True,
                              description='md5 hash of image contents.'),
        'os_hash_algo': _nullable('string', maxLength=64, readOnly=True,
                                  description='Algorithm to calculate the '
                                              'os_hash_value'),
        'os_hash_value': _nullable('string', maxLength=128, readOnly=True,
                                   description='Hexdigest of the image '
                                               'contents using the '
                                               'algorithm specified by the '
                                               'os_hash_algo'),
        'owner': _nullable('string', maxLength=MAX_NAME,
                           description='Owner of the image'),
        'size': _nullable('integer', readOnly=True,
                          description='Size of image file in bytes'),
        'virtual_size': _nullable('integer', readOnly=True,
                                  description='Virtual size of image in '
                                              'bytes'),
        'container_format': _nullable(
            'string', enum=[None] + list(image_obj.CONTAINER_FORMATS),
            description='Format of the container'),
        'disk_format': _nullable(
            'string', enum=[None] + list(image_obj.DISK_FORMATS),
            description='Format of the disk'),
        'created_at': dict(read_only, type='string',
                           description='Date and time of image '
                                       'registration'),
        'updated_at': dict(read_only, type='string',
                           description='Date and time of the last image '
                                       'modification'),
        'tags': {'type': 'array',
                 'items': {'type': 'string', 'maxLength': MAX_NAME},
                 'description': 'List of strings related to the image'},
        'min_ram': {'type': 'integer', 'minimum': 0,
                    'maximum': MAX_MINIMUM,
                    'description': 'Amount of ram (in MB) required to boot '
                                   'image.'},
        'min_disk': {'type': 'integer', 'minimum': 0,
                     'maximum': MAX_MINIMUM,
                     'description': 'Amount of disk space (in GB) required '
                                    'to boot image.'},
        'self': dict(read_only, type='string',
                     description='An image self url'),
        'file': dict(read_only, type='string',
                     description='An image file url'),
        'schema': dict(read_only, type='string',
                       description='An image schema url'),
    }


#: A custom property's value.
PROPERTY_VALUE = {'type': 'string', 'maxLength': MAX_PROPERTY_VALUE}


def image_schema():
    """Glance's ``image`` schema document."""
    return {
        'name': 'image',
        'properties': base_properties(),
        'additionalProperties': PROPERTY_VALUE,
        'links': [{'rel': 'self', 'href': '{self}'},
                  {'rel': 'enclosure', 'href': '{file}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def images_schema():
    """Glance's ``images`` schema document (a list page)."""
    return {
        'name': 'images',
        'properties': {
            'images': {'type': 'array', 'items': image_schema()},
            'schema': {'type': 'string'},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
        },
        'links': [{'rel': 'first', 'href': '{first}'},
                  {'rel': 'next', 'href': '{next}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def create():
    """``POST /image/v2/images``: the image schema, names bounded.

    Read-only and reserved names are refused before this (403, as
    Glance), so they need no place here.
    """
    schema = {key: value for key, value in image_schema().items()
              if key != 'links'}
    schema['type'] = 'object'
    schema['propertyNames'] = {'maxLength': MAX_NAME}
    return schema


def attribute_value(name):
    """The schema of a patch ``value`` for attribute or property
    ``name``."""
    return base_properties().get(name, PROPERTY_VALUE)


#: One JSON-patch operation (RFC 6902 subset Glance accepts); the value
#: is validated against :func:`attribute_value` afterwards.
PATCH = {
    'type': 'array',
    'maxItems': 1000,
    'items': {
        'type': 'object',
        'properties': {
            'op': {'type': 'string', 'enum': ['add', 'replace', 'remove']},
            'path': {'type': 'string', 'minLength': 1, 'maxLength': 1024},
            'value': {},
        },
        'required': ['op', 'path'],
        'additionalProperties': False,
    },
}

#: ``GET /image/v2/images``: the query parameters we apply; others are
#: ignored.
LIST_QUERY = {
    'type': 'object',
    'properties': {
        'limit': {'type': 'string', 'pattern': r'^[0-9]{1,9}\Z'},
        'marker': {'type': 'string', 'maxLength': 255},
        'name': {'type': 'string', 'maxLength': MAX_NAME},
        'status': {'type': 'string', 'enum': list(image_obj.STATUSES)},
        'visibility': {'type': 'string',
                       'enum': list(image_obj.VISIBILITIES) + ['all']},
        'owner': {'type': 'string', 'maxLength': MAX_NAME},
        'disk_format': {'type': 'string', 'maxLength': 32},
        'container_format': {'type': 'string', 'maxLength': 32},
        'protected': {'type': 'string', 'enum': ['true', 'false']},
        'os_hidden': {'type': 'string', 'enum': ['true', 'false']},
        'sort_key': {'type': 'string', 'maxLength': 255},
        'sort_dir': {'type': 'string', 'maxLength': 255},
        'sort': {'type': 'string', 'maxLength': 1024},
    },
    'additionalProperties': True,
}
