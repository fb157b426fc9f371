"""Power actions and the console output of an instance.

On ``POST /v2.1/servers/{server_id}/action`` (rows of
:data:`consolehub.api.handlers.server_actions.ACTIONS`), as Nova's
compute API reference: ``os-stop``, ``os-start`` and ``reboot`` answer
202 with no body once the host has taken the work (poll the server for
its status), ``os-getConsoleOutput`` 200 ``{"output": "..."}``.

The native API takes the same bodies on ``POST /instances/{instance_id}
/action`` and answers 202 ``{"instance": {...}}`` (its ``task_state``
says what is under way), and serves ``GET /instances/{instance_id}
/console-output[?length=N]`` -> 200 ``{"output": "..."}``.

Errors: 404 for an unknown instance, 409 when its state refuses the
action (Nova's "Cannot 'stop' instance <uuid> while it is in vm_state
stopped") or it never reached a host, 503 when its host is down or its
agent gives no sign of life within ``[api]
compute_call_monitor_timeout`` seconds.
"""

import collections
import re

import webob.exc

from consolehub.api.handlers import guest_input
from consolehub.api.schemas import instance_actions as schema
from consolehub.api import util
from consolehub.api.views import instances as views
from consolehub.policies import instance_actions as action_policies

#: What Nova removes from console output (it once served it as XML).
_NOVA_REMOVED = re.compile('[\x00-\x08\x0b-\x1f]')


def _length(value):
    """The validated ``length`` as an int, or None for all of it."""
    if value is None:
        return None
    length = int(value)
    return None if length < 0 else length


def _power_action(req, instance, name, body):
    """Run a power action; returns the instance in its new task state."""
    compute = util.compute_api(req)
    context = util.request_context(req)
    if name == 'os-stop':
        return compute.stop(context, instance)
    if name == 'os-start':
        return compute.start(context, instance)
    return compute.reboot(context, instance, body['reboot']['type'].upper())


def _console_output(req, instance, body):
    length = _length((body['os-getConsoleOutput'] or {}).get('length'))
    return util.compute_api(req).get_console_output(
        util.request_context(req), instance, length)


def server_power_action(req, instance, name, body):
    """``os-stop``, ``os-start`` or ``reboot`` on a server -> 202."""
    _power_action(req, instance, name, body)
    return util.json_response(req, None, 202)


def server_console_output(req, instance, name, body):
    """``os-getConsoleOutput`` on a server -> 200 ``{"output"}``, with
    the control characters Nova removes removed (tab and newline stay).
    """
    output = _NOVA_REMOVED.sub('', _console_output(req, instance, body))
    return util.json_response(req, {'output': output})


#: name -> (rule, schema) of each action on both APIs.
NativeAction = collections.namedtuple('NativeAction', ['rule', 'schema'])
ACTIONS = {
    'os-stop': NativeAction(action_policies.STOP, schema.STOP),
    'os-start': NativeAction(action_policies.START, schema.START),
    'reboot': NativeAction(action_policies.REBOOT, schema.REBOOT),
    'os-getConsoleOutput': NativeAction(action_policies.CONSOLE_OUTPUT,
                                        schema.CONSOLE_OUTPUT),
}

_ONE_ACTION = {'type': 'object', 'minProperties': 1, 'maxProperties': 1}


def instance_action(req):
    """``POST /instances/{instance_id}/action``: one action of
    :data:`ACTIONS` -> 202 ``{"instance"}`` or 200 ``{"output"}``, or
    of :data:`consolehub.api.handlers.guest_input.ACTIONS` -> 202."""
    context = util.request_context(req)
    instance = util.compute_api(req).get(context,
                                         req.urlvars['instance_id'])
    data = util.extract_json(req, _ONE_ACTION)
    [name] = data
    action = ACTIONS.get(name) or guest_input.ACTIONS.get(name)
    if action is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name[:64])
    util.authorize_for_instance(req, action.rule, instance)
    util.validate(data, action.schema)
    if name in guest_input.ACTIONS:
        return guest_input.run_action(req, instance, name, data)
    if name == 'os-getConsoleOutput':
        return util.json_response(
            req, {'output': _console_output(req, instance, data)})
    instance = _power_action(req, instance, name, data)
    return util.json_response(req, {'instance': views.instance(instance)},
                              202)


def show_console_output(req):
    """``GET /instances/{instance_id}/console-output[?length=N]`` -> 200
    ``{"output"}``: what the guest wrote to its serial port, invalid
    UTF-8 replaced; ``length`` the last N lines (-1 or absent: all)."""
    instance = util.instance_for(req, req.urlvars['instance_id'],
                                 action_policies.CONSOLE_OUTPUT)
    query = dict(req.GET.items())
    util.validate(query, schema.CONSOLE_OUTPUT_QUERY)
    output = util.compute_api(req).get_console_output(
        util.request_context(req), instance, _length(query.get('length')))
    return util.json_response(req, {'output': output})
