"""A libvirt guest's screen and keyboard, without a console session.

Screenshots come from ``virDomainScreenshot`` (QEMU's ``screendump``)
through a libvirt stream; keys go through ``virDomainSendKey`` in the
``VIR_KEYCODE_SET_LINUX`` code set (QEMU's ``send-key``), which reaches
the guest as from its own keyboard, whichever console is connected.
"""

import libvirt

from consolehub import exception
from consolehub.virt import png

#: MIME types libvirt gives for QEMU's screendump.
_PPM_TYPES = ('image/x-portable-pixmap', 'image/x-portable-anymap')
_PNG_TYPE = 'image/png'

_CHUNK_BYTES = 256 * 1024


def screenshot(conn, domain, instance_uuid, max_bytes):
    """The PNG (bytes) of ``domain``'s screen 0.

    :raises ScreenshotTooLarge: the image is over ``max_bytes``.
    :raises HypervisorError: libvirt failed, or gave another format.
    """
    stream = conn.newStream(0)
    try:
        mime_type = domain.screenshot(stream, 0, 0)
        data = bytearray()
        while True:
            chunk = stream.recv(_CHUNK_BYTES)
            if not chunk:
                break
            if isinstance(chunk, int):  # -2: would block; not with 0
                raise exception.HypervisorError(
                    reason='screenshot stream returned %d' % chunk)
            data += chunk
            if len(data) > max_bytes:
                raise exception.ScreenshotTooLarge(
                    instance_id=instance_uuid, max_bytes=max_bytes)
        stream.finish()
    except BaseException as error:
        try:
            stream.abort()
        except libvirt.libvirtError:
            pass
        if isinstance(error, libvirt.libvirtError):
            raise exception.HypervisorError(reason=str(error))
        raise
    if mime_type in _PPM_TYPES:
        return png.ppm_to_png(bytes(data))
    if mime_type != _PNG_TYPE:
        raise exception.HypervisorError(
            reason='unsupported screenshot format %s' % mime_type)
    return bytes(data)


def send_keys(domain, keycodes, hold_ms):
    """Press ``keycodes`` (Linux input codes) together for ``hold_ms``.

    :raises HypervisorError: libvirt refused them.
    """
    try:
        domain.sendKey(libvirt.VIR_KEYCODE_SET_LINUX, hold_ms,
                       list(keycodes), len(keycodes), 0)
    except libvirt.libvirtError as error:
        raise exception.HypervisorError(reason=str(error))
