"""The RFB client's byte stream, parsed: what a session may send a guest.

RFB is the remote framebuffer protocol of VNC (RFC 6143). A client sends
its handshake (ProtocolVersion, the security type it picks, the VNC
authentication response, ClientInit) and then a stream of messages, each
a type byte and a body whose length the type (and for some types a length
field) gives (RFC 6143 section 7.5; the extensions of QEMU and others are
in the RFB community's "rfbproto" document). Messages carry no framing of
their own: a proxy that loses its place cannot find the next message, so
a message of a type not known here ends a view-only session.

:class:`ClientStream` is a parser without I/O: :meth:`ClientStream.feed`
takes the bytes the client sent, however they were cut into reads, and
returns those to forward to the guest. For every session it forces
ClientInit's shared flag to 1, so that no client can ask the guest's VNC
server to disconnect the others (section 7.3.1). A full session is
passed through untouched after ClientInit. A view-only session's
messages are parsed to the end: SetPixelFormat, SetEncodings and
FramebufferUpdateRequest go to the guest (they only shape what the
client is sent); KeyEvent, PointerEvent, ClientCutText and every known
extension that acts on the guest (QEMU's extended key events and audio,
xvp, SetDesktopSize, fences, continuous updates) are dropped.
"""

import struct

#: ``RFB 003.00x\\n``: the ProtocolVersion message (12 bytes).
VERSION_SIZE = 12
#: What every ProtocolVersion message starts with.
_VERSION_PREFIX = b'RFB 003.00'
#: RFC 6143 security types a client may pick (section 7.2).
SECURITY_NONE = 1
SECURITY_VNC_AUTH = 2
#: The VNC authentication response: the 16-byte challenge, encrypted.
VNC_AUTH_RESPONSE_SIZE = 16

# Client to server message types (RFC 6143 section 7.5, rfbproto).
SET_PIXEL_FORMAT = 0
SET_ENCODINGS = 2
FRAMEBUFFER_UPDATE_REQUEST = 3
KEY_EVENT = 4
POINTER_EVENT = 5
CLIENT_CUT_TEXT = 6
ENABLE_CONTINUOUS_UPDATES = 150
CLIENT_FENCE = 248
XVP = 250
SET_DESKTOP_SIZE = 251
QEMU_CLIENT_MESSAGE = 255

#: The message types a view-only session forwards: none acts on the guest.
VIEW_ONLY_FORWARDED = frozenset((SET_PIXEL_FORMAT, SET_ENCODINGS,
                                 FRAMEBUFFER_UPDATE_REQUEST))

_U16 = struct.Struct('!H')
_S32 = struct.Struct('!i')

# QEMU client message subtypes (rfbproto "QEMU Client Message").
_QEMU_EXTENDED_KEY_EVENT = 0
_QEMU_AUDIO = 1
#: QEMU audio operations: enable, disable (4 bytes), set format (10).
_QEMU_AUDIO_SIZES = {0: 4, 1: 4, 2: 10}


class ProtocolError(Exception):
    """The client sent what the parser cannot follow (a message type it
    does not know, a version or security type it cannot parse past)."""


def _qemu_message_size(head):
    if head[1] == _QEMU_EXTENDED_KEY_EVENT:
        return 12
    if head[1] == _QEMU_AUDIO:
        size = _QEMU_AUDIO_SIZES.get(_U16.unpack_from(head, 2)[0])
        if size is not None:
            return size
        raise ProtocolError('unknown QEMU audio operation')
    raise ProtocolError('unknown QEMU client message subtype %d' % head[1])


#: ``{type: (bytes of its head, size of the whole message from its head,
#: or None when the head is the whole message)}``.
MESSAGES = {
    SET_PIXEL_FORMAT: (20, None),
    SET_ENCODINGS: (4, lambda head: 4 + 4 * _U16.unpack_from(head, 2)[0]),
    FRAMEBUFFER_UPDATE_REQUEST: (10, None),
    KEY_EVENT: (8, None),
    POINTER_EVENT: (6, None),
    # A negative length announces an extended clipboard message of that
    # many bytes (rfbproto "Extended Clipboard Pseudo-Encoding").
    CLIENT_CUT_TEXT: (8, lambda head: 8 + abs(_S32.unpack_from(head, 4)[0])),
    ENABLE_CONTINUOUS_UPDATES: (10, None),
    CLIENT_FENCE: (9, lambda head: 9 + head[8]),
    XVP: (4, None),
    SET_DESKTOP_SIZE: (8, lambda head: 8 + 16 * head[6]),
    QEMU_CLIENT_MESSAGE: (4, _qemu_message_size),
}

# Parser states.
_VERSION = 'version'
_SECURITY = 'security'
_VNC_AUTH = 'vnc-auth'
_CLIENT_INIT = 'client-init'
_MESSAGES = 'messages'
_PASS = 'pass'
_BROKEN = 'broken'


class ClientStream(object):
    """The bytes an RFB client sends its server, filtered.

    :param view_only: bool; True parses every message and forwards only
        :data:`VIEW_ONLY_FORWARDED`; False passes everything after
        ClientInit.

    Memory is bounded: at most a message head (20 bytes) is kept between
    two calls; bodies are forwarded or skipped as they come.
    """

    __slots__ = ('view_only', '_state', '_head', '_need', '_left',
                 '_forward', 'dropped')

    def __init__(self, view_only):
        self.view_only = view_only
        self._state = _VERSION
        self._head = b''
        #: Bytes of head the current state waits for.
        self._need = VERSION_SIZE
        #: Bytes still to come of the current message's body, and whether
        #: they go to the guest.
        self._left = 0
        self._forward = True
        #: Messages dropped so far (int).
        self.dropped = 0

    @property
    def passing(self):
        """Whether everything from now on goes through untouched."""
        return self._state is _PASS

    def feed(self, data):
        """The part of ``data`` (bytes-like) to forward to the guest.

        :returns: bytes, possibly empty.
        :raises ProtocolError: the stream cannot be followed; every later
            call raises it too.
        """
        if self._state is _PASS:
            return bytes(data)
        if self._state is _BROKEN:
            raise ProtocolError('the client stream was broken before')
        out = []
        position, size = 0, len(data)
        try:
            while position < size:
                if self._left:
                    take = min(self._left, size - position)
                    if self._forward:
                        out.append(data[position:position + take])
                    self._left -= take
                    position += take
                    continue
                if self._state is _PASS:
                    out.append(data[position:])
                    break
                take = min(self._need - len(self._head), size - position)
                self._head += bytes(data[position:position + take])
                position += take
                if len(self._head) == self._need:
                    self._step(out)
                elif (self._state is _VERSION and not
                        _VERSION_PREFIX.startswith(self._head[:10])):
                    # Not RFB at all: nothing to wait for.
                    self._step(out)
        except ProtocolError:
            self._state = _BROKEN
            raise
        return b''.join(out)

    def _step(self, out):
        """Act on a complete head of ``self._need`` bytes."""
        head = self._head
        state = self._state
        if state is _MESSAGES:
            self._message(head, out)
            return
        self._head = b''
        if state is _VERSION:
            out.append(head)
            self._version(head)
        elif state is _SECURITY:
            out.append(head)
            if head[0] == SECURITY_NONE:
                self._expect(_CLIENT_INIT, 1)
            elif head[0] == SECURITY_VNC_AUTH:
                self._expect(_VNC_AUTH, VNC_AUTH_RESPONSE_SIZE)
            else:
                self._cannot_follow('security type %d' % head[0])
        elif state is _VNC_AUTH:
            out.append(head)
            self._expect(_CLIENT_INIT, 1)
        elif state is _CLIENT_INIT:
            # Shared: the server keeps its other clients connected.
            out.append(b'\x01')
            if self.view_only:
                self._expect(_MESSAGES, 1)
            else:
                self._state = _PASS

    def _version(self, head):
        """After ProtocolVersion: 3.7 and 3.8 clients pick a security type.

        A 3.3 client (and any other version, which RFC 6143 section 7.1.1
        says to take as 3.3) lets the server pick one, which the client's
        stream does not show.
        """
        if head in (b'RFB 003.007\n', b'RFB 003.008\n'):
            self._expect(_SECURITY, 1)
        else:
            self._cannot_follow('protocol version %r' % head[:11])

    def _cannot_follow(self, what):
        """A handshake the parser cannot follow: a full session passes
        the rest untouched, a view-only one ends."""
        if not self.view_only:
            self._state = _PASS
            return
        raise ProtocolError('cannot follow the RFB handshake past a %s'
                            % what)

    def _expect(self, state, need):
        self._state = state
        self._need = need

    def _message(self, head, out):
        """A message's head so far: ask for more of it, or settle it."""
        kind = MESSAGES.get(head[0])
        if kind is None:
            raise ProtocolError('unknown RFB client message type %d'
                                % head[0])
        head_size, size_of = kind
        if len(head) < head_size:
            self._need = head_size
            return
        total = head_size if size_of is None else size_of(head)
        self._forward = head[0] in VIEW_ONLY_FORWARDED
        if self._forward:
            out.append(head)
        else:
            self.dropped += 1
        self._left = total - head_size
        self._head = b''
        self._need = 1
