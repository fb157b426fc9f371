"""Compute drivers for tests, chosen with ``[DEFAULT] compute_driver``.

``tests.lifecycle_drivers.FaultDriver`` is the libvirt driver, failing or
hanging at the step a test names in ``$state_path/faults.json``, read at
every step so a test can change it while the agent runs (also from
another process)::

    {"start": "raise"}                          # a RuntimeError there
    {"start": "raise:HypervisorError"}          # a consolehub.exception
    {"destroy": "hang"}                         # until the step is removed
    {"shutdown": "ignore"}                      # a guest deaf to ACPI

Steps: ``before-define`` (the domain XML is built), ``start`` (the domain
is defined, not started), ``after-start`` (the guest runs), ``destroy``,
``after-destroy`` (the guest is gone), ``power_off``, ``power_on``,
``reset``, ``shutdown``. A hanging step first creates
``$state_path/faults/<step>.<instance uuid>``, so the test knows when to
act, and hangs at most ten minutes.

``tests.lifecycle_drivers.DefaultImageDriver`` also gives each guest a
qcow2 overlay of the default image (``CONSOLEHUB_TEST_IMAGE``, built by
``tools/build-default-image.sh``) as its disk, so that lifecycle tests
can boot a real operating system before consolehub has images of its
own. It is a test fixture, not the way consolehub makes disks.
"""

import json
import os
import subprocess
import time
import xml.etree.ElementTree as etree

from consolehub.conf import CONF
from consolehub import exception
from consolehub.virt.libvirt import driver as libvirt_driver

#: Environment variable naming the default image for DefaultImageDriver.
IMAGE_VARIABLE = 'CONSOLEHUB_TEST_IMAGE'
HANG_SECONDS = 600


def faults_path():
    return os.path.join(CONF.state_path, 'faults.json')


def marker_path(step, instance_uuid):
    """The file a hanging ``step`` creates for ``instance_uuid``."""
    return os.path.join(CONF.state_path, 'faults',
                        '%s.%s' % (step, instance_uuid))


def write_faults(state_path, faults):
    """Set the faults of the agent whose ``state_path`` this is."""
    path = os.path.join(state_path, 'faults.json')
    with open(path + '.new', 'w') as out:
        json.dump(faults, out)
    os.replace(path + '.new', path)


def _faults():
    try:
        with open(faults_path()) as faults:
            return json.load(faults)
    except FileNotFoundError:
        return {}


class FaultDriver(libvirt_driver.LibvirtDriver):
    """The libvirt driver with the faults of ``faults.json``."""

    def _step(self, step, instance_uuid):
        fault = _faults().get(step)
        if fault is None:
            return
        if fault == 'hang':
            marker = marker_path(step, instance_uuid)
            os.makedirs(os.path.dirname(marker), exist_ok=True)
            open(marker, 'w').close()
            deadline = time.monotonic() + HANG_SECONDS
            while _faults().get(step) == 'hang':
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            return
        kind = fault.partition(':')[2] or 'RuntimeError'
        message = 'injected fault at %s' % step
        if kind == 'RuntimeError':
            raise RuntimeError(message)
        raise getattr(exception, kind)(reason=message)

    def guest_xml(self, instance, serial, log_path):
        self._step('before-define', instance['uuid'])
        return super().guest_xml(instance, serial, log_path)

    def _start_domain(self, domain):
        self._step('start', domain.UUIDString())
        super()._start_domain(domain)

    def spawn(self, instance, image=None):
        super().spawn(instance, image)
        self._step('after-start', instance['uuid'])

    def destroy(self, instance):
        self._step('destroy', instance['uuid'])
        super().destroy(instance)
        self._step('after-destroy', instance['uuid'])

    def power_off(self, instance):
        self._step('power_off', instance['uuid'])
        super().power_off(instance)

    def power_on(self, instance):
        self._step('power_on', instance['uuid'])
        super().power_on(instance)

    def reset(self, instance):
        self._step('reset', instance['uuid'])
        super().reset(instance)

    def shutdown(self, instance):
        if _faults().get('shutdown') == 'ignore':
            # The button is pressed; the guest does not care.
            return self.get_power_state(instance) == 1
        self._step('shutdown', instance['uuid'])
        return super().shutdown(instance)


def _disk_path(instance_uuid):
    return os.path.join(CONF.state_path, 'test-disks',
                        instance_uuid + '.qcow2')


class DefaultImageDriver(FaultDriver):
    """:class:`FaultDriver` whose guests boot the default image."""

    def _define_and_start(self, instance):
        disk = _disk_path(instance['uuid'])
        if not os.path.exists(disk):
            os.makedirs(os.path.dirname(disk), exist_ok=True)
            subprocess.run(
                ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b',
                 os.environ[IMAGE_VARIABLE], '-F', 'qcow2', disk, '1G'],
                check=True)
        super()._define_and_start(instance)

    def guest_xml(self, instance, serial, log_path):
        domain = etree.fromstring(super().guest_xml(instance, serial,
                                                    log_path))
        disk = etree.SubElement(domain.find('devices'), 'disk',
                                type='file', device='disk')
        etree.SubElement(disk, 'driver', name='qemu', type='qcow2')
        etree.SubElement(disk, 'source', file=_disk_path(instance['uuid']))
        etree.SubElement(disk, 'target', dev='vda', bus='virtio')
        return etree.tostring(domain, encoding='unicode')

    def destroy(self, instance):
        super().destroy(instance)
        try:
            os.unlink(_disk_path(instance['uuid']))
        except FileNotFoundError:
            pass
