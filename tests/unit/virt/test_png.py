"""PPM screenshots re-encoded as PNG."""

import struct
import zlib

import pytest

from consolehub import exception
from consolehub.virt import png


def _chunks(data):
    assert data[:8] == png.PNG_SIGNATURE
    offset, chunks = 8, []
    while offset < len(data):
        length, = struct.unpack('>I', data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        end = offset + 8 + length
        crc, = struct.unpack('>I', data[end:end + 4])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_ppm_pixels_survive_as_png_rows():
    pixels = bytes(range(2 * 3 * 3))  # 2 wide, 3 high
    ppm = b'P6\n# made by a test\n2 3\n255\n' + pixels
    chunks = _chunks(png.ppm_to_png(ppm))
    assert [kind for kind, _body in chunks] == [b'IHDR', b'IDAT', b'IEND']
    assert struct.unpack('>IIBBBBB', chunks[0][1]) == (2, 3, 8, 2, 0, 0, 0)
    rows = zlib.decompress(chunks[1][1])
    assert rows == (b'\x00' + pixels[0:6] + b'\x00' + pixels[6:12] +
                    b'\x00' + pixels[12:18])


@pytest.mark.parametrize('ppm', [
    b'P5\n2 2\n255\n' + bytes(4),       # greyscale
    b'P6\n2 2\n65535\n' + bytes(24),    # 16 bits
    b'P6\n2 2\n255\n' + bytes(11),      # short
    b'P6\n0 2\n255\n',                  # empty
    b'\x89PNG',
])
def test_other_input_is_refused(ppm):
    with pytest.raises(exception.HypervisorError):
        png.ppm_to_png(ppm)
