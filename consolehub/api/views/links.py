"""Nova's ``links`` of a resource (compute API reference, "Links and
References")."""

from consolehub.api import microversion


def links(req, collection, item_id):
    """``self`` (versioned) and ``bookmark`` links of ``collection/item_id``.

    :param req: the ``webob.Request`` whose host the links use.
    :returns: list of ``{"rel", "href"}`` dicts.
    """
    base = req.application_url
    return [
        {'rel': 'self', 'href': '%s%s/%s/%s' % (
            base, microversion.PREFIX, collection, item_id)},
        {'rel': 'bookmark',
         'href': '%s/%s/%s' % (base, collection, item_id)},
    ]
