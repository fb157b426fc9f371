"""Nova's ``/v2.1/servers/{server_id}/metadata``: a server's key/value
pairs (compute API reference, "Server metadata").

Keys are 1 to 255 of letters, digits and ``-_:. ``, values strings of up
to 255 characters; a server keeps at most
:data:`consolehub.objects.instance_metadata.MAX_ITEMS` (403 past them,
as Nova's ``metadata_items`` quota). Changes need the server ACTIVE or
SHUTOFF and idle, and unlocked unless the caller is an administrator
(409 otherwise, as Nova).
"""

from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub import exception
from consolehub.policies import server_metadata as policies


def _instance(req, rule):
    return util.instance_for(req, req.urlvars['server_id'], rule)


def _metadata(req, instance):
    return util.compute_api(req).get_metadata(
        util.request_context(req), [instance['uuid']])[instance['uuid']]


def list_metadata(req):
    """``GET .../metadata`` -> 200 ``{"metadata": {key: value}}``."""
    instance = _instance(req, policies.INDEX)
    return util.json_response(req, {'metadata': _metadata(req, instance)})


def _update(req, rule, replace):
    instance = _instance(req, rule)
    body = util.extract_json(req, schema.METADATA_BODY)
    metadata = util.compute_api(req).update_metadata(
        util.request_context(req), instance, body['metadata'], replace)
    return util.json_response(req, {'metadata': metadata})


def create_metadata(req):
    """``POST .../metadata`` ``{"metadata": {...}}`` -> 200 with the
    whole metadata: the items given are added or changed, the others
    kept."""
    return _update(req, policies.CREATE, replace=False)


def update_all_metadata(req):
    """``PUT .../metadata`` ``{"metadata": {...}}`` -> 200: the items
    given become the whole metadata."""
    return _update(req, policies.UPDATE_ALL, replace=True)


def show_metadata_item(req):
    """``GET .../metadata/{key}`` -> 200 ``{"meta": {key: value}}``, or
    404 (itemNotFound) for a key it does not have."""
    instance = _instance(req, policies.SHOW)
    key = req.urlvars['key']
    metadata = _metadata(req, instance)
    if key not in metadata:
        raise exception.MetadataKeyNotFound()
    return util.json_response(req, {'meta': {key: metadata[key]}})


def update_metadata_item(req):
    """``PUT .../metadata/{key}`` ``{"meta": {key: value}}`` -> 200 with
    the item; 400 if the body's one key is not the path's."""
    instance = _instance(req, policies.UPDATE)
    body = util.extract_json(req, schema.METADATA_ITEM_BODY)
    if req.urlvars['key'] not in body['meta']:
        raise exception.MetadataKeyMismatch()
    util.compute_api(req).update_metadata(
        util.request_context(req), instance, body['meta'], replace=False)
    return util.json_response(req, {'meta': body['meta']})


def delete_metadata_item(req):
    """``DELETE .../metadata/{key}`` -> 204; 404 for a key it does not
    have."""
    instance = _instance(req, policies.DELETE)
    util.compute_api(req).delete_metadata_key(
        util.request_context(req), instance, req.urlvars['key'])
    return util.json_response(req, None, 204)
