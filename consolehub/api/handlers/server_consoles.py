"""Remote consoles the way Nova's ``/v2.1`` serves them.

* ``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+) ->
  200 ``{"remote_console": {"protocol", "type", "url"}}``;
* ``POST /v2.1/servers/{server_id}/action`` with ``os-getVNCConsole``,
  ``os-getSPICEConsole``, ``os-getSerialConsole`` or ``os-getRDPConsole``
  (2.1 - 2.5) -> 200 ``{"console": {"type", "url"}}``.

Errors as Nova's (compute API reference, "Server Consoles"): 400 for a
pair Nova does not know or one we do not serve, 404 for an unknown
server, 409 when it is not ACTIVE, 501 for protocols no libvirt host
implements (RDP, MKS); see ``remote_console.console_url``.
"""

import webob.exc

from consolehub.api.handlers import remote_console
from consolehub.api.handlers import servers
from consolehub.api import microversion
from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.policies import remote_consoles as console_policies


def create_remote_console(req):
    """``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+)."""
    microversion.require(req, minimum='2.6')
    instance = servers.get_server(req, console_policies.CREATE)
    body = util.extract_json(
        req, schema.remote_console(microversion.request_version(req)))
    console = body['remote_console']
    url = remote_console.console_url(req, instance, console['protocol'],
                                     console['type'])
    return util.json_response(req, {'remote_console': {
        'protocol': console['protocol'], 'type': console['type'],
        'url': url}})


def server_action(req):
    """``POST /v2.1/servers/{server_id}/action``: the console actions.

    An action Nova has but we do not is a 400 "no such action"; a console
    action at 2.6 or later is a 404, as in Nova.
    """
    data = util.extract_json(req, {'type': 'object', 'minProperties': 1,
                                   'maxProperties': 1})
    [name] = data
    if name not in schema.CONSOLE_ACTIONS:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name[:64])
    microversion.require(req, maximum='2.5')
    instance = servers.get_server(req, console_policies.CREATE)
    protocol, action_schema = schema.CONSOLE_ACTIONS[name]
    util.validate(data, action_schema)
    console_type = data[name]['type']
    url = remote_console.console_url(req, instance, protocol, console_type)
    return util.json_response(req, {'console': {'type': console_type,
                                                'url': url}})
