"""``POST /v2.1/servers/{server_id}/action``: every server action.

The body names one action (``{"<action>": {...}}``), as in Nova's compute
API reference ("Servers - run an action"). :data:`ACTIONS` is the one
table of the actions we serve: the function that runs it, the policy
rule, the body's schema and the microversions it exists in. The server
is looked up first, for every action and before the body is read: a
server that does not exist or is another project's is a 404
(itemNotFound), whatever the body says. Then the action: a name we do
not serve is a 400, an action outside its microversions is Nova's 404,
then its policy (403) and its schema (400).
"""

import collections

import webob.exc

from consolehub.api import microversion
from consolehub.api.handlers import consoles
from consolehub.api.handlers import server_admin_actions
from consolehub.api.handlers import server_images
from consolehub.api.handlers import server_lock
from consolehub.api.handlers import instance_actions
from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.policies import admin_actions as admin_policies
from consolehub.policies import images as image_policies
from consolehub.policies import lock_server as lock_policies
from consolehub.policies import remote_consoles as console_policies

#: ``run(req, instance, name, body)`` returns the response; ``rule`` is
#: checked on the server's project; ``minimum``/``maximum`` are texts like
#: ``'2.5'`` or None.
Action = collections.namedtuple('Action', ['run', 'rule', 'schema',
                                           'minimum', 'maximum'])

ACTIONS = {
    name: Action(consoles.console_action, console_policies.CREATE,
                 action_schema, None, '2.5')
    for name, (_protocol, action_schema) in schema.CONSOLE_ACTIONS.items()
}
ACTIONS['createImage'] = Action(server_images.create_image,
                                image_policies.CREATE_SNAPSHOT,
                                schema.CREATE_IMAGE, None, None)
ACTIONS['lock'] = Action(server_lock.lock_server, lock_policies.LOCK,
                         schema.LOCK, None, None)
ACTIONS['unlock'] = Action(server_lock.unlock_server, lock_policies.UNLOCK,
                           schema.UNLOCK, None, None)
ACTIONS['os-resetState'] = Action(server_admin_actions.reset_state,
                                  admin_policies.RESET_STATE,
                                  schema.RESET_STATE, None, None)
# Power actions and the console output (all microversions).
ACTIONS.update({
    name: Action(instance_actions.server_console_output
                 if name == 'os-getConsoleOutput'
                 else instance_actions.server_power_action,
                 native.rule, native.schema, None, None)
    for name, native in instance_actions.ACTIONS.items()
})

#: The body before the action is known: one member.
_ONE_ACTION = {'type': 'object', 'minProperties': 1, 'maxProperties': 1}


def server_action(req):
    """Run the action the body names on the server in the path."""
    context = util.request_context(req)
    instance = util.compute_api(req).get(context, req.urlvars['server_id'])
    data = util.extract_json(req, _ONE_ACTION)
    [name] = data
    action = ACTIONS.get(name)
    if action is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name[:64])
    microversion.require(req, action.minimum, action.maximum)
    util.authorize_for_instance(req, action.rule, instance)
    util.validate(data, action.schema)
    return action.run(req, instance, name, data)


def body_schema():
    """The body of ``POST .../action``: one of :data:`ACTIONS`."""
    return {'oneOf': [action.schema for action in ACTIONS.values()]}
