"""What an uploaded image file really is, decided while it arrives.

An image file is never trusted: a qcow2 file may name a backing file or
an external data file that the host would then read (CVE-2022-47951 and
CVE-2024-32498, in Glance, Nova and Cinder, came from trusting such
files), claim a virtual size of exabytes, or hide in an upload that says
``raw``. oslo.utils' format inspector (``oslo_utils.imageutils.
format_inspector``, the one Glance and Nova use) reads the stream as it
passes, holding only the few header bytes each format needs, and we
refuse:

* content whose format is not the declared ``disk_format`` (a raw disk
  may carry an MBR or GPT partition table; nothing else counts as raw),
* content matching several formats at once,
* a format's failed safety checks (a qcow2 backing file or data file,
  unknown qcow2 features),
* a virtual size over ``[image] max_virtual_size``.
"""

from oslo_utils.imageutils import format_inspector

from consolehub.conf import CONF
from consolehub import exception

#: Format the inspector detects -> the disk formats it may be stored as.
#: A partitioned raw disk is detected as "gpt" (MBR or GPT).
ACCEPTED_AS = {'qcow2': ('qcow2',), 'raw': ('raw',), 'gpt': ('raw',)}


def inspecting_reader(reader):
    """Wrap ``reader`` (with ``read(size)``) so that every byte read
    through the returned object is inspected; pass it to :func:`verify`
    once it has returned ``b''``."""
    return format_inspector.InspectWrapper(reader)


def _failure_reason(error):
    return '; '.join('%s: %s' % (name, failure)
                     for name, failure in sorted(error.failures.items()))


def verify(wrapper, disk_format):
    """Check the file read through ``wrapper`` against ``disk_format``.

    :param wrapper: the :func:`inspecting_reader` the whole file was read
        through.
    :param disk_format: the image's declared ``disk_format``.
    :returns: the virtual size of the disk, in bytes.
    :raises ImageDataInvalid: any of the refusals of the module docstring.
    """
    wrapper.close()
    try:
        inspector = wrapper.format
    except format_inspector.ImageFormatError as error:
        raise exception.ImageDataInvalid(disk_format=disk_format,
                                         reason=str(error))
    detected = str(inspector)
    if disk_format not in ACCEPTED_AS.get(detected, ()):
        raise exception.ImageDataInvalid(
            disk_format=disk_format,
            reason='its content is %s' % detected)
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as error:
        raise exception.ImageDataInvalid(disk_format=disk_format,
                                         reason=_failure_reason(error))
    except format_inspector.ImageFormatError as error:
        raise exception.ImageDataInvalid(disk_format=disk_format,
                                         reason=str(error))
    # A raw disk is as large as its file; the partition table's own idea
    # of the size is not the disk's.
    virtual_size = (inspector.virtual_size if detected == 'qcow2'
                    else inspector.actual_size)
    if virtual_size > CONF.image.max_virtual_size:
        raise exception.ImageDataInvalid(
            disk_format=disk_format,
            reason='its virtual size of %d bytes exceeds [image] '
                   'max_virtual_size (%d bytes)'
                   % (virtual_size, CONF.image.max_virtual_size))
    return virtual_size
