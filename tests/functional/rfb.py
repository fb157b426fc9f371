"""The start of an RFB (VNC) session through the console proxy.

A websocket client goes through the RFB 3.8 handshake (RFC 6143,
sections 7.1-7.3) up to ServerInit, whose desktop name QEMU sets to the
guest's libvirt domain name (``instance-<uuid>``): that tells which guest
a console token reached.
"""

import struct

from websockets.sync import client as ws_client

#: The ProtocolVersion message of RFB 3.8 (RFC 6143, 7.1.1).
RFB_BANNER = b'RFB 003.008\n'

#: Seconds to wait for the websocket to open and for each message.
TIMEOUT = 10


class RfbStream(object):
    """Reads exact byte counts from websocket messages of any size."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.buffer = b''

    def read(self, count):
        while len(self.buffer) < count:
            self.buffer += self.websocket.recv(timeout=TIMEOUT)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def desktop_name(ws_url):
    """Open the console at ``ws_url``; return the desktop name (str).

    Checks the banner, chooses security type None (QEMU offers it when
    no VNC password is set), asks for a shared session and checks that
    ServerInit reports a non-empty framebuffer.
    """
    with ws_client.connect(ws_url, open_timeout=TIMEOUT,
                           proxy=None) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == RFB_BANNER
        stream = RfbStream(websocket)
        websocket.send(RFB_BANNER)
        count = stream.read(1)[0]
        assert count > 0, 'the guest refused the RFB handshake'
        assert 1 in stream.read(count), 'security type None not offered'
        websocket.send(b'\x01')
        assert struct.unpack('>I', stream.read(4))[0] == 0  # SecurityResult
        websocket.send(b'\x01')  # ClientInit: shared session
        server_init = stream.read(24)
        width, height = struct.unpack('>HH', server_init[:4])
        assert width > 0 and height > 0
        name_length = struct.unpack('>I', server_init[20:24])[0]
        return stream.read(name_length).decode('utf-8', 'replace')


# -- a minimal RFB client: handshake, raw framebuffer, key and pointer ------

#: SetPixelFormat's pixel format: 32 bits per pixel, depth 24,
#: little-endian true colour, 8 bits of red, green and blue (RFC 6143,
#: 7.4).
PIXEL_FORMAT = struct.pack('>BBBBHHHBBBxxx', 32, 24, 0, 1, 255, 255, 255,
                           16, 8, 0)
#: X11 keysyms (RFC 6143, 7.5.4) of the keys that are not characters.
KEYSYM_RETURN = 0xff0d
KEYSYM_SHIFT = 0xffe1
KEYSYM_CONTROL = 0xffe3
#: Characters typed with Shift on a US keyboard, QEMU's default layout:
#: QEMU maps a keysym to a key and needs the client to hold Shift, as a
#: real keyboard's client does.
_SHIFTED = set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ')


class RfbClient(object):
    """An RFB 3.8 session through the proxy at ``ws_url``, past
    ServerInit, receiving raw 32-bit pixels.

    :param shared: ClientInit's shared flag (bool); the proxy forces it
        to shared whatever the client asks.
    """

    def __init__(self, ws_url, shared=False):
        self.websocket = ws_client.connect(ws_url, open_timeout=TIMEOUT,
                                           proxy=None, max_size=None)
        try:
            self._handshake(shared)
        except BaseException:
            self.websocket.close()
            raise

    def _handshake(self, shared):
        websocket = self.websocket
        self.stream = stream = RfbStream(websocket)
        assert stream.read(12) == RFB_BANNER
        websocket.send(RFB_BANNER)
        count = stream.read(1)[0]
        assert 1 in stream.read(count), 'security type None not offered'
        websocket.send(b'\x01')
        assert struct.unpack('>I', stream.read(4))[0] == 0
        websocket.send(b'\x01' if shared else b'\x00')
        server_init = stream.read(24)
        self.width, self.height = struct.unpack('>HH', server_init[:4])
        name_length = struct.unpack('>I', server_init[20:24])[0]
        self.name = stream.read(name_length).decode('utf-8', 'replace')
        self.pixels = bytearray(self.width * self.height * 4)
        websocket.send(b'\x00\x00\x00\x00' + PIXEL_FORMAT)
        # SetEncodings: Raw only.
        websocket.send(struct.pack('>BxHi', 2, 1, 0))

    def request_update(self, incremental):
        """Send a FramebufferUpdateRequest for the whole screen."""
        self.websocket.send(struct.pack('>BBHHHH', 3, int(incremental), 0,
                                        0, self.width, self.height))

    def read_update(self):
        """Read server messages up to and including one FramebufferUpdate
        and apply its raw rectangles to :attr:`pixels`.

        :returns: the rectangles ``(x, y, width, height)`` it updated.
        """
        stream = self.stream
        while True:
            kind = stream.read(1)[0]
            if kind == 2:  # Bell
                continue
            if kind == 3:  # ServerCutText
                stream.read(3)
                stream.read(struct.unpack('>I', stream.read(4))[0])
                continue
            assert kind == 0, 'unexpected server message %d' % kind
            stream.read(1)
            count = struct.unpack('>H', stream.read(2))[0]
            rectangles = []
            for _number in range(count):
                x, y, width, height, encoding = struct.unpack(
                    '>HHHHi', stream.read(12))
                assert encoding == 0, 'not raw: %d' % encoding
                data = stream.read(width * height * 4)
                for row in range(height):
                    start = ((y + row) * self.width + x) * 4
                    self.pixels[start:start + width * 4] = (
                        data[row * width * 4:(row + 1) * width * 4])
                rectangles.append((x, y, width, height))
            return rectangles

    def screen(self):
        """A whole fresh screen (bytes, 4 per pixel, row by row)."""
        self.request_update(incremental=False)
        self.read_update()
        return bytes(self.pixels)

    def key(self, keysym, down):
        """Send one KeyEvent (RFC 6143, 7.5.4)."""
        self.websocket.send(struct.pack('>BBxxI', 4, int(down), keysym))

    def press(self, keysym, *modifiers):
        for modifier in modifiers:
            self.key(modifier, True)
        self.key(keysym, True)
        self.key(keysym, False)
        for modifier in reversed(modifiers):
            self.key(modifier, False)

    def type_text(self, text):
        """Type ``text`` (ASCII; ``\\n`` is Return) as key presses."""
        for char in text:
            if char == '\n':
                self.press(KEYSYM_RETURN)
            elif char in _SHIFTED:
                self.press(ord(char), KEYSYM_SHIFT)
            else:
                self.press(ord(char))

    def pointer(self, x, y, buttons=0):
        """Send one PointerEvent (RFC 6143, 7.5.5)."""
        self.websocket.send(struct.pack('>BBHH', 5, buttons, x, y))

    def close(self):
        self.websocket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
