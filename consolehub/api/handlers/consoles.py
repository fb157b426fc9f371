"""Remote consoles: Nova's ``remote-consoles`` and the legacy console
actions.

* ``POST /servers/{server_id}/remote-consoles`` and
  ``/instances/{server_id}/remote-consoles`` (native, any version) and
  ``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+) -> 200
  ``{"remote_console": {"protocol", "type", "url"}}`` (Nova API
  reference, "Create Console"); a body with consolehub's ``"view_only":
  true`` asks for a console that only watches (policy
  ``...:create:view-only``), and the answer says ``"view_only"`` too
  (always on the native routes, on /v2.1 only when asked, so Nova's
  answer stays Nova's); ``"take_over": true`` on a full serial console
  gives a URL whose session takes the keyboard from the session typing
  now (``&take_over=1``; the guest's serial hub makes that one a viewer),
  and is a 400 on any other console;
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
from consolehub import exception
from consolehub.policies import remote_consoles as console_policies


def _remote_console(req, console, always_echo):
    """Authorize and mint the console ``console`` (the body's
    ``remote_console``) of the URL's instance; the 200 answer.

    :param always_echo: whether the answer says ``view_only`` when the
        body did not.
    :raises InstanceNotFound: not the caller's; ``PolicyNotAuthorized``:
        the rule of that kind of console, or of recording it, denies it;
        ``TakeOverInvalid``: a take-over asked of a console other than a
        full serial one.
    """
    context = util.request_context(req)
    view_only = console.get('view_only', False)
    take_over = console.get('take_over', False)
    if take_over and (view_only or console['protocol'] != 'serial'):
        raise exception.TakeOverInvalid()
    record = console.get('record', False)
    instance = util.compute_api(req).get(context, req.urlvars['server_id'])
    util.authorize_for_instance(
        req, console_policies.CREATE_VIEW_ONLY if view_only
        else console_policies.CREATE, instance)
    if record:
        util.authorize_for_instance(req, console_policies.RECORD, instance)
    url = util.compute_api(req).get_console(
        context, instance, console['protocol'], console['type'],
        view_only=view_only, record=record)
    if take_over:
        # The proxy tells the serial hub (consolehub.serialhub.protocol).
        url += '&take_over=1'
    answer = {'protocol': console['protocol'], 'type': console['type'],
              'url': url}
    if always_echo or 'view_only' in console:
        answer['view_only'] = view_only
    return util.json_response(req, {'remote_console': answer})


def create_remote_console(req):
    """``POST /instances/{server_id}/remote-consoles``: a console URL."""
    body = util.extract_json(req, schema.CREATE)
    return _remote_console(req, body['remote_console'], always_echo=True)


@microversion.versioned(minimum='2.6')
def create_server_remote_console(req):
    """``POST /v2.1/servers/{server_id}/remote-consoles`` (2.6+)."""
    body = util.extract_json(
        req, server_schema.remote_console(microversion.request_version(req)))
    return _remote_console(req, body['remote_console'], always_echo=False)


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
