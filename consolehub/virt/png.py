"""PPM (``P6``) screenshots re-encoded as PNG, with zlib only.

QEMU's screendump writes the binary PPM of netpbm
(https://netpbm.sourceforge.net/doc/ppm.html); the API serves PNG
(https://www.w3.org/TR/png/): 8-bit RGB, no interlace, every row with
filter type 0.
"""

import re
import struct
import zlib

from consolehub import exception

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'

#: ``P6``, width, height and maxval, each after whitespace or comments.
_PPM_HEADER = re.compile(
    rb'P6(?:\s+|#[^\n]*\n)+(\d+)(?:\s+|#[^\n]*\n)+(\d+)'
    rb'(?:\s+|#[^\n]*\n)+(\d+)\s')


def _chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def ppm_to_png(ppm):
    """The PNG (bytes) of a binary PPM image with maxval 255.

    :raises HypervisorError: not such a PPM, or its pixels are short.
    """
    header = _PPM_HEADER.match(ppm)
    if header is None or int(header.group(3)) != 255:
        raise exception.HypervisorError(reason='unsupported screenshot '
                                        'format: not an 8-bit P6 PPM')
    width, height = int(header.group(1)), int(header.group(2))
    stride = width * 3
    pixels = memoryview(ppm)[header.end():]
    if width < 1 or height < 1 or len(pixels) < stride * height:
        raise exception.HypervisorError(reason='truncated PPM screenshot')
    rows = b''.join(b'\x00' + pixels[row * stride:(row + 1) * stride]
                    for row in range(height))
    return (PNG_SIGNATURE +
            _chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2,
                                        0, 0, 0)) +
            _chunk(b'IDAT', zlib.compress(rows, 6)) +
            _chunk(b'IEND', b''))
