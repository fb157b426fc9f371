"""Bodies and path parameters of Nova's server tags (compute API
reference, "Server tags", 2.26+)."""

from consolehub.objects import instance_tag

#: One tag: 1 to 60 characters, no ``/`` or ``,`` (Nova's
#: ``parameter_types.tag``).
TAG = {'type': 'string', 'minLength': 1,
       'maxLength': instance_tag.MAX_LENGTH, 'pattern': '^[^,/]*$'}

#: ``PUT /v2.1/servers/{server_id}/tags``: every tag the server is to
#: have (at most 50; Nova's ``update_all`` schema).
REPLACE = {
    'type': 'object',
    'properties': {
        'tags': {'type': 'array', 'items': TAG,
                 'maxItems': instance_tag.MAX_TAGS},
    },
    'required': ['tags'],
    'additionalProperties': False,
}

#: A list query's tag filters (2.26+): comma-separated tags.
LIST_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
