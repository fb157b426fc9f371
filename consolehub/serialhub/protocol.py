"""The serial hub's wire format: the session preamble and notice lines.

A console proxy that connects to a serial hub (:mod:`consolehub.
serialhub.hub`) first sends one line naming the session's role, ASCII,
at most :data:`MAX_PREAMBLE` bytes with its newline::

    consolehub-serial/1 read\\n        a viewer: sees the output; its
                                        input is dropped
    consolehub-serial/1 write\\n       the writer if no session is; else
                                        a viewer that becomes the writer
                                        when the writer leaves
    consolehub-serial/1 takeover\\n    the writer now; the writer before
                                        it becomes a viewer

Everything the client sends after that line is the guest's input (a
writer's) or dropped (a viewer's). The hub answers with the guest's last
output (at most ``[serial_console] hub_scrollback_bytes``), then one
notice line, then the guest's output as it comes. Notice lines are plain
text that a terminal shows, framed as::

    \\r\\n[serial console: <state> - <words for a person>]\\r\\n

with ``<state>`` one of :data:`WRITER`, :data:`VIEWER` (the session's
role now; a later notice announces a change), :data:`ENDED` (the hub
closes the connection after it) or :data:`REFUSED` (a bad preamble or
too many sessions; closed after it). A page can read the role from the
last notice it saw (:data:`NOTICE_PATTERN`).
"""

import re

#: The preamble's first word: the protocol and its version.
MAGIC = b'consolehub-serial/1'
#: Roles a preamble may ask for.
READ, WRITE, TAKEOVER = 'read', 'write', 'takeover'
ROLES = (READ, WRITE, TAKEOVER)
#: Longest preamble line (bytes, newline included).
MAX_PREAMBLE = 64

#: States a notice line announces.
WRITER, VIEWER, ENDED, REFUSED = 'writer', 'viewer', 'ended', 'refused'

#: Matches a notice line's state and words (bytes).
NOTICE_PATTERN = re.compile(
    rb'\[serial console: (writer|viewer|ended|refused) - ([^\]\r\n]*)\]')


class BadPreamble(ValueError):
    """A preamble line that is not ``consolehub-serial/1 <role>``."""


def preamble(role):
    """The preamble line (bytes) asking for ``role`` (one of ROLES).

    :raises ValueError: for an unknown role.
    """
    if role not in ROLES:
        raise ValueError('unknown serial hub role %r' % (role,))
    return b'%s %s\n' % (MAGIC, role.encode('ascii'))


def parse_preamble(line):
    """The role (str) a preamble line (bytes, newline included) asks for.

    A carriage return before the newline is allowed (a person typing it
    through a terminal).

    :raises BadPreamble: if the line is not a preamble of this version.
    """
    words = line.rstrip(b'\r\n').split(b' ')
    if len(words) != 2 or words[0] != MAGIC:
        raise BadPreamble('not a %s preamble' % MAGIC.decode('ascii'))
    role = words[1].decode('ascii', 'replace')
    if role not in ROLES:
        raise BadPreamble('unknown role %r' % role)
    return role


def notice(state, words):
    """A notice line (bytes) announcing ``state`` with ``words`` (str)."""
    return ('\r\n[serial console: %s - %s]\r\n' % (state, words)).encode(
        'utf-8')
