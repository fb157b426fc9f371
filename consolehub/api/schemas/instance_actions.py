"""JSON Schemas of the power actions and of the console output, as
Nova's compute API reference gives them ("Servers - run an action":
Start Server, Stop Server, Reboot Server, Show Console Output).

The same bodies serve ``POST /v2.1/servers/{id}/action`` and the native
``POST /instances/{id}/action``.
"""


def action(name, value):
    """The schema of an action body ``{name: value}``."""
    return {
        'type': 'object',
        'properties': {name: value},
        'required': [name],
        'additionalProperties': False,
    }


#: Clients send ``null``; ``{}`` is taken as well.
_NO_ARGUMENTS = {'oneOf': [{'type': 'null'},
                           {'type': 'object', 'maxProperties': 0}]}

STOP = action('os-stop', _NO_ARGUMENTS)
START = action('os-start', _NO_ARGUMENTS)

REBOOT_TYPES = ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']
REBOOT = action('reboot', {
    'type': 'object',
    'properties': {'type': {'type': 'string', 'enum': REBOOT_TYPES}},
    'required': ['type'],
    'additionalProperties': False,
})

#: ``length``: the number of last lines; -1 or absent: all. Nova takes
#: it as an integer or a string of one.
LENGTH = {'oneOf': [
    {'type': 'integer', 'minimum': -1, 'maximum': 2 ** 31 - 1},
    {'type': 'string', 'pattern': r'^(-1|[0-9]{1,10})\Z'},
    {'type': 'null'},
]}

CONSOLE_OUTPUT = action('os-getConsoleOutput', {
    'type': 'object',
    'properties': {'length': LENGTH},
    'additionalProperties': False,
})

#: ``GET /instances/{instance_id}/console-output?length=N``.
CONSOLE_OUTPUT_QUERY = {
    'type': 'object',
    'properties': {
        'length': {'type': 'string', 'pattern': r'^(-1|[0-9]{1,10})\Z'},
    },
    'additionalProperties': False,
}
