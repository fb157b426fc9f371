"""Console types: which (protocol, type) pairs exist and who serves them.

Names follow Nova's remote-consoles API (compute API reference,
"Create Remote Console"): ``protocol`` is the wire protocol spoken by the
guest, ``type`` the client that speaks it in the browser.
"""

import collections

from consolehub import exception

ConsoleType = collections.namedtuple(
    'ConsoleType', ['protocol', 'type', 'base_url_option', 'token_in_path'])

#: Every pair the API accepts, keyed by (protocol, type). ``base_url_option``
#: is (group, option) of the proxy URL the access_url is built on;
#: ``token_in_path``: the token rides in noVNC's ``path`` parameter rather
#: than in ``?token=`` (as Nova builds each URL).
SUPPORTED = {
    ('vnc', 'novnc'): ConsoleType('vnc', 'novnc',
                                  ('vnc', 'novncproxy_base_url'), True),
    ('spice', 'spice-html5'): ConsoleType(
        'spice', 'spice-html5', ('spice', 'html5proxy_base_url'), False),
    ('serial', 'serial'): ConsoleType(
        'serial', 'serial', ('serial_console', 'base_url'), False),
}

#: The pair of each token ``console_type`` (the token stores the type).
BY_TYPE = {pair[1]: pair for pair in SUPPORTED}

#: Pairs Nova's API knows; asking for one we do not serve is a 400 that
#: says so, distinct from a malformed request.
KNOWN = {
    ('vnc', 'novnc'), ('vnc', 'xvpvnc'), ('spice', 'spice-html5'),
    ('spice', 'spice-direct'), ('serial', 'serial'), ('rdp', 'rdp-html5'),
    ('mks', 'webmks'),
}

#: Protocols that libvirt, hence consolehub, never implements.
NOT_IMPLEMENTED = ('rdp', 'mks')


def check_requested(protocol, console_type):
    """Whether the API can serve a console of ``(protocol, console_type)``.

    Errors as Nova's (compute API reference, "Server Consoles"):

    :raises ConsoleTypeInvalid: a pair Nova does not know (400).
    :raises ConsoleProtocolNotImplemented: RDP and MKS (501).
    :raises ConsoleTypeNotServed: a pair we do not serve (400).
    """
    pair = (protocol, console_type)
    if pair not in KNOWN:
        raise exception.ConsoleTypeInvalid(console_type=console_type,
                                           protocol=protocol)
    if protocol in NOT_IMPLEMENTED:
        raise exception.ConsoleProtocolNotImplemented(
            protocol=protocol.upper())
    if pair not in SUPPORTED:
        raise exception.ConsoleTypeNotServed(console_type=console_type)
