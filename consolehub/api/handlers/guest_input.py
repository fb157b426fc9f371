"""A guest's screen and keyboard through the hypervisor (native API).

``GET /instances/{instance_id}/screenshot`` -> 200 ``image/png`` of the
guest's screen; ``POST /instances/{instance_id}/action`` with
``{"send-keys": {"keys": ["ctrl", "alt", "delete"], "hold_ms": 100}}``
or ``{"type-text": {"text": "echo hi\\n", "layout": "us"}}`` -> 202
once the keys are sent. No console session is needed, and the open
ones (VNC, SPICE, serial) see the keys as from the guest's keyboard.

Errors: 404 for an instance outside the caller's project, 409 when it
is not ACTIVE, 400 for unknown key names or characters the layout
cannot type (named), 503 when its host is down or silent.
"""

import collections

from consolehub.api.schemas import guest_input as schema
from consolehub.api import util
from consolehub.policies import guest_input as policies


def show_screenshot(req):
    """``GET /instances/{instance_id}/screenshot`` -> 200 ``image/png``
    (at most 16 MiB; a larger screen is a 500)."""
    instance = util.instance_for(req, req.urlvars['instance_id'],
                                 policies.SCREENSHOT)
    image = util.compute_api(req).get_screenshot(
        util.request_context(req), instance)
    response = util.json_response(req, None)
    response.content_type = 'image/png'
    response.body = image
    response.cache_control = 'no-store'
    return response


def _send_keys(req, instance, body):
    arguments = body['send-keys']
    util.compute_api(req).send_keys(
        util.request_context(req), instance, arguments['keys'],
        arguments.get('hold_ms', schema.DEFAULT_HOLD_MS))


def _type_text(req, instance, body):
    arguments = body['type-text']
    util.compute_api(req).type_text(
        util.request_context(req), instance, arguments['text'],
        arguments.get('layout', 'us'))


#: name -> (rule, schema, run) of the keyboard actions, native API only.
KeyboardAction = collections.namedtuple('KeyboardAction',
                                        ['rule', 'schema', 'run'])
ACTIONS = {
    'send-keys': KeyboardAction(policies.SEND_KEYS, schema.SEND_KEYS,
                                _send_keys),
    'type-text': KeyboardAction(policies.TYPE_TEXT, schema.TYPE_TEXT,
                                _type_text),
}


def run_action(req, instance, name, body):
    """Run keyboard action ``name`` (validated ``body``) -> 202, no body.
    """
    ACTIONS[name].run(req, instance, body)
    return util.json_response(req, None, 202)
