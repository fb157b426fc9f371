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
