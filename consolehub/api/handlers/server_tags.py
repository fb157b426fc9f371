"""Nova's ``/v2.1/servers/{server_id}/tags`` (compute API reference,
"Server tags (servers, tags)"), from microversion 2.26.

A tag is 1 to 60 characters without ``/`` or ``,``; a server has at
most 50 (400 past them). Changes need the server ACTIVE or SHUTOFF (409
otherwise, as Nova, which looks at the vm_state only); reads work in any
state. A server of another project, or none, is 404.
"""

import urllib.parse

import jsonschema

from consolehub.api import microversion
from consolehub.api.schemas import server_tags as schema
from consolehub.api import util
from consolehub import exception
from consolehub.policies import server_tags as policies


def _instance(req, rule):
    return util.instance_for(req, req.urlvars['server_id'], rule)


def _path_tag(req):
    """The ``{tag}`` of the path, checked as Nova checks it (400)."""
    tag = req.urlvars['tag']
    if not jsonschema.Draft202012Validator(schema.TAG).is_valid(tag):
        raise exception.TagInvalid(tag=tag)
    return tag


@microversion.versioned('2.26')
def list_tags(req):
    """``GET .../tags`` -> 200 ``{"tags": [tag, ...]}``, oldest first."""
    instance = _instance(req, policies.INDEX)
    tags = util.compute_api(req).get_tags(
        util.request_context(req), [instance['uuid']])[instance['uuid']]
    return util.json_response(req, {'tags': tags})


@microversion.versioned('2.26')
def replace_tags(req):
    """``PUT .../tags`` ``{"tags": [tag, ...]}`` -> 200 ``{"tags"}``:
    the tags given (duplicates once) become all the server's tags."""
    instance = _instance(req, policies.UPDATE_ALL)
    body = util.extract_json(req, schema.REPLACE)
    tags = util.compute_api(req).replace_tags(
        util.request_context(req), instance, body['tags'])
    return util.json_response(req, {'tags': tags})


@microversion.versioned('2.26')
def delete_all_tags(req):
    """``DELETE .../tags`` -> 204: the server has no tags left."""
    instance = _instance(req, policies.DELETE_ALL)
    util.compute_api(req).delete_all_tags(util.request_context(req),
                                          instance)
    return util.json_response(req, None, 204)


@microversion.versioned('2.26')
def show_tag(req):
    """``GET .../tags/{tag}`` -> 204 if the server has the tag, 404
    (itemNotFound) if not."""
    instance = _instance(req, policies.SHOW)
    tag = req.urlvars['tag']
    tags = util.compute_api(req).get_tags(
        util.request_context(req), [instance['uuid']])[instance['uuid']]
    if tag not in tags:
        raise exception.InstanceTagNotFound(instance_id=instance['uuid'],
                                            tag=tag)
    return util.json_response(req, None, 204)


@microversion.versioned('2.26')
def add_tag(req):
    """``PUT .../tags/{tag}`` (no body) -> 201 with the tag's URL in
    ``Location``, or 204 if the server had it; 400 for an invalid tag or
    a 51st one."""
    instance = _instance(req, policies.UPDATE)
    tag = _path_tag(req)
    if not util.compute_api(req).add_tag(util.request_context(req),
                                         instance, tag):
        return util.json_response(req, None, 204)
    response = util.json_response(req, None, 201)
    response.location = '%s%s/servers/%s/tags/%s' % (
        req.application_url, microversion.PREFIX, instance['uuid'],
        urllib.parse.quote(tag, safe=''))
    return response


@microversion.versioned('2.26')
def delete_tag(req):
    """``DELETE .../tags/{tag}`` -> 204; 404 if the server lacks it."""
    instance = _instance(req, policies.DELETE)
    util.compute_api(req).delete_tag(util.request_context(req), instance,
                                     req.urlvars['tag'])
    return util.json_response(req, None, 204)
