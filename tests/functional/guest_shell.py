"""A shell on a guest's serial console, through the console proxy.

For guests of the default image (tools/build-default-image.sh), whose
serial port carries a root shell: :class:`SerialShell` connects a
websocket client to the serial console URL the API hands out and waits
for prompts and command output, each wait with a deadline.
"""

import re
import time

from websockets.sync import client as ws_client

from tests.functional import qemu_guest


def serial_url(api, server_id):
    """A new serial console URL of a server (``ws://...?token=...``).

    :param api: a :class:`tests.functional.servers.ApiClient`.
    """
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % server_id,
        json={'remote_console': {'protocol': 'serial', 'type': 'serial'}})
    assert response.status_code == 200, response.text
    return response.json()['remote_console']['url']


class SerialShell(object):
    """A websocket client on a serial console URL."""

    def __init__(self, url):
        self.websocket = ws_client.connect(url, open_timeout=30, proxy=None)
        self.received = bytearray()

    def text(self, start=0):
        """What the console sent from offset ``start``, decoded."""
        return self.received[start:].decode('utf-8', 'replace')

    def read_until(self, pattern, timeout, start=0, poke=None,
                   poke_interval=1.0):
        """Read until ``pattern`` (a regular expression) matches the
        output from ``start``, sending ``poke`` (bytes) every
        ``poke_interval`` seconds meanwhile if given.

        :returns: the ``re.Match`` on :meth:`text`.
        :raises AssertionError: after ``timeout`` seconds, with the end of
            the output.
        """
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        next_poke = time.monotonic()
        while True:
            match = regex.search(self.text(), start)
            if match:
                return match
            now = time.monotonic()
            assert now < deadline, (
                'no %r within %s s; the console shows:\n%s'
                % (pattern, timeout, self.text()[-2000:]))
            if poke is not None and now >= next_poke:
                self.websocket.send(poke)
                next_poke = now + poke_interval
            try:
                self.received += self.websocket.recv(
                    timeout=min(0.25, poke_interval))
            except TimeoutError:
                pass

    def prompt(self, timeout, poke_interval=1.0):
        """Wait for a new shell prompt, pressing Enter (the guest printed
        earlier ones before we connected); returns the offset after it."""
        start = len(self.received)
        return self.read_until(re.escape(qemu_guest.PROMPT), timeout, start,
                               poke=b'\r', poke_interval=poke_interval).end()

    def echo(self, word, timeout=60):
        """Run ``echo WORD`` at a prompt; returns the offset after its
        output."""
        start = self.prompt(timeout)
        self.websocket.send(('echo %s\r' % word).encode())
        # The typed line's echo, then the command's output on its own line.
        return self.read_until(r'echo %s\r?\n%s\r?\n' % (word, word), 30,
                               start).end()

    def close(self):
        self.websocket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
