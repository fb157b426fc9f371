"""JSON Schema of ``POST /servers/{server_id}/remote-consoles``.

Protocol and type values are those of Nova's API reference ("Create
Console", microversion 2.8); whether we serve a pair is checked after.
``view_only`` is consolehub's own: a console that shows the guest and
relays none of the client's input that acts on it. ``take_over`` too:
a full serial console whose session takes the keyboard from the session
typing now (the guest's serial hub makes that one a viewer). And
``record`` (administrators only): the console proxy records the session.
"""

#: The ``view_only`` member of a ``remote_console`` body.
VIEW_ONLY = {'type': 'boolean'}
#: The ``take_over`` member of a ``remote_console`` body.
TAKE_OVER = {'type': 'boolean'}

#: ``"record": true`` asks for a recorded session.
RECORD = {'type': 'boolean'}

CREATE = {
    'type': 'object',
    'properties': {
        'remote_console': {
            'type': 'object',
            'properties': {
                'protocol': {'type': 'string',
                             'enum': ['vnc', 'spice', 'serial', 'rdp',
                                      'mks']},
                'type': {'type': 'string',
                         'enum': ['novnc', 'xvpvnc', 'spice-html5',
                                  'spice-direct', 'serial', 'rdp-html5',
                                  'webmks']},
                'view_only': VIEW_ONLY,
                'take_over': TAKE_OVER,
                'record': RECORD,
            },
            'required': ['protocol', 'type'],
            'additionalProperties': False,
        },
    },
    'required': ['remote_console'],
    'additionalProperties': False,
}
