"""Console types: which (protocol, type) pairs exist and who serves them.

Names follow Nova's remote-consoles API (compute API reference,
"Create Remote Console"): ``protocol`` is the wire protocol spoken by the
guest, ``type`` the client that speaks it in the browser.
"""

import collections

ConsoleType = collections.namedtuple(
    'ConsoleType', ['protocol', 'type', 'base_url_option'])

#: Every pair the API accepts, keyed by (protocol, type). ``base_url_option``
#: is (group, option) of the proxy URL the access_url is built on.
SUPPORTED = {
    ('vnc', 'novnc'): ConsoleType('vnc', 'novnc',
                                  ('vnc', 'novncproxy_base_url')),
}

#: Pairs Nova's API knows; asking for one we do not serve is a 400 that
#: says so, distinct from a malformed request.
KNOWN = {
    ('vnc', 'novnc'), ('vnc', 'xvpvnc'), ('spice', 'spice-html5'),
    ('spice', 'spice-direct'), ('serial', 'serial'), ('rdp', 'rdp-html5'),
    ('mks', 'webmks'),
}
