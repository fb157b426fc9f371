"""Remote consoles: Nova's ``remote-consoles`` and the legacy console
actions.

* ``POST /servers/{server_id}/remote-consoles`` and
  ``/instances/{server_id}/remote-consoles`` (native, any version) and
  ``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+) -> 200
  ``{"remote_console": {"protocol", "type", "url"}}`` (Nova API
  reference, "Create Console");
* the ``os-getVNCConsole``, ``os-getSPICEConsole``,
  ``os-getSerialConsole`` and ``os-getRDPConsole`` server actions
  (2.1 - 2.5) -> 200 ``{"console": {"type", "url"}}``.

Errors as Nova's (compute API reference, "Server Consoles"): 400 for a
pair Nova does not know or one we do not serve, 404 for an unknown
server, 409 when it is not ACTIVE, 501 for protocols no libvirt host
implements (RDP, MKS); see ``compute.api.API.get_console``.

``"record": true`` in ``remote_console`` (a consolehub extension, policy
``consolehub:remote-consoles:record``, administrators only) has the
console proxy record the session (:mod:`consolehub.console.recorder`).
"""

from consolehub.api import microversion
from consolehub.api.schemas import remote_console as schema
from consolehub.api.schemas import servers as server_schema
from consolehub.api import util
from consolehub.policies import remote_consoles as console_policies


def _remote_console(req, instance, console):
    record = console.get('record', False)
    if record:
        util.authorize_for_instance(req, console_policies.RECORD, instance)
    url = util.compute_api(req).get_console(
        util.request_context(req), instance, console['protocol'],
        console['type'], record)
    return util.json_response(req, {'remote_console': {
        'protocol': console['protocol'], 'type': console['type'],
        'url': url}})


def create_remote_console(req):
    """``POST /instances/{server_id}/remote-consoles``: a console URL."""
    instance = util.instance_for(req, req.urlvars['server_id'],
                                 console_policies.CREATE)
    body = util.extract_json(req, schema.CREATE)
    return _remote_console(req, instance, body['remote_console'])


@microversion.versioned(minimum='2.6')
def create_server_remote_console(req):
    """``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+)."""
    instance = util.instance_for(req, req.urlvars['server_id'],
                                 console_policies.CREATE)
    body = util.extract_json(
        req, server_schema.remote_console(microversion.request_version(req)))
    return _remote_console(req, instance, body['remote_console'])


def console_action(req, instance, name, body):
    """A legacy console action (``os-get*Console``) on ``instance``.

    :param body: the action's validated body, ``{name: {"type": ...}}``.
    """
    protocol = server_schema.CONSOLE_ACTIONS[name][0]
    console_type = body[name]['type']
    url = util.compute_api(req).get_console(
        util.request_context(req), instance, protocol, console_type)
    return util.json_response(req, {'console': {'type': console_type,
                                                'url': url}})
