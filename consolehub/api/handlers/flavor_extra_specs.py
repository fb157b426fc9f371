"""Nova's flavor extra specs (compute API reference, "Flavors
extra-specs (flavors, os-flavor-extra-specs)"): key/value pairs of a
flavor, read by a project's readers and changed by administrators.
Keys are 1 to 255 letters, digits, ``_``, ``-``, ``:``, ``.`` and spaces;
values at most 255 characters (numbers and booleans are kept as text).
consolehub stores and shows them; nothing here acts on them.
"""

import jsonschema

from consolehub.api.schemas import flavors as schema
from consolehub.api import util
from consolehub import exception
from consolehub.objects import flavor as flavor_obj
from consolehub.policies import flavors_extra_specs as policies


def _path_key(req):
    """The ``{flavor_extra_spec_key}`` of the path, checked (400)."""
    key = req.urlvars['flavor_extra_spec_key']
    if not jsonschema.Draft202012Validator(
            schema.EXTRA_SPEC_KEY).is_valid(key):
        raise exception.Invalid('Invalid extra spec key %r.' % key[:255])
    return key


def list_extra_specs(req):
    """``GET /v2.1/flavors/{flavor_id}/os-extra_specs`` -> 200
    ``{"extra_specs": {key: value}}``.

    :raises FlavorNotFound: 404, none the caller may see.
    """
    context = util.authorize_own_project(req, policies.INDEX)
    return util.json_response(req, {'extra_specs': flavor_obj.extra_specs(
        context, req.urlvars['flavor_id'])})


def create_extra_specs(req):
    """``POST .../os-extra_specs`` ``{"extra_specs": {key: value}}`` ->
    200 ``{"extra_specs": {...}}``, the pairs given: they are added, or
    replace the values of keys the flavor has; the others stay."""
    context = util.authorize_own_project(req, policies.CREATE)
    body = util.extract_json(req, schema.EXTRA_SPECS_CREATE)
    return util.json_response(req, {'extra_specs': (
        flavor_obj.update_extra_specs(context, req.urlvars['flavor_id'],
                                      body['extra_specs']))})


def show_extra_spec(req):
    """``GET .../os-extra_specs/{key}`` -> 200 ``{key: value}``.

    :raises FlavorExtraSpecsNotFound: 404, the flavor has no such key.
    """
    context = util.authorize_own_project(req, policies.SHOW)
    key = req.urlvars['flavor_extra_spec_key']
    return util.json_response(req, {key: flavor_obj.extra_spec(
        context, req.urlvars['flavor_id'], key)})


def update_extra_spec(req):
    """``PUT .../os-extra_specs/{key}`` ``{key: value}`` -> 200
    ``{key: value}``.

    :raises FlavorExtraSpecsMismatch: 400, the body names another key.
    """
    context = util.authorize_own_project(req, policies.UPDATE)
    key = _path_key(req)
    body = util.extract_json(req, schema.EXTRA_SPEC_UPDATE)
    if key not in body:
        raise exception.FlavorExtraSpecsMismatch()
    return util.json_response(req, flavor_obj.update_extra_specs(
        context, req.urlvars['flavor_id'], body))


def delete_extra_spec(req):
    """``DELETE .../os-extra_specs/{key}`` -> 200, no body.

    :raises FlavorExtraSpecsNotFound: 404, the flavor has no such key.
    """
    context = util.authorize_own_project(req, policies.DELETE)
    flavor_obj.delete_extra_spec(context, req.urlvars['flavor_id'],
                                 req.urlvars['flavor_extra_spec_key'])
    return util.json_response(req, None, 200)
