"""The compute agent's RPC endpoint: owns the guests of one host."""

import os

from oslo_concurrency import lockutils
from oslo_log import log as logging
import oslo_messaging as messaging

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj
from consolehub.virt import driver as virt_driver
from consolehub.virt import images as virt_images

LOG = logging.getLogger(__name__)

VNC_CONSOLE = ('vnc', 'novnc')
SPICE_CONSOLE = ('spice', 'spice-html5')
SERIAL_CONSOLE = ('serial', 'serial')

#: The driver method giving the endpoint of each console type.
_ENDPOINT_METHODS = {
    'novnc': 'get_vnc_console',
    'spice-html5': 'get_spice_console',
    'serial': 'get_serial_console',
}


def _instance_lock(instance_uuid):
    # Build, delete and console requests for one instance run one at a
    # time, so a delete that lands mid-build never orphans a guest.
    return lockutils.lock('instance-%s' % instance_uuid)


class ComputeManager(object):
    """Serves :mod:`consolehub.compute.rpcapi` calls with a virt driver."""

    target = messaging.Target(version='1.3')

    def __init__(self, host, driver):
        """``host``: this node's name; ``driver``: a ComputeDriver."""
        self.host = host
        self.driver = driver

    def init_host(self, context):
        """Connect the driver and mark instances whose guest vanished.

        A guest can be gone after the agent restarts (an embedded QEMU
        driver takes its guests down with it); such instances become
        SHUTOFF rather than claim to be ACTIVE, and their console tokens
        are destroyed.
        """
        self.driver.init_host(self.host)
        for instance in instance_obj.get_all_by_host(context, self.host):
            if (instance['status'] == instance_obj.ACTIVE and
                    not self.driver.instance_exists(instance)):
                LOG.warning('Guest of instance %s is gone; marking it '
                            'SHUTOFF', instance['uuid'])
                instance_obj.update(context, instance['uuid'],
                                    {'status': instance_obj.SHUTOFF})
                # Its console ports may go to the next guest started here.
                console_auth_token.destroy_for_instance(context,
                                                        instance['uuid'])

    def cleanup_host(self):
        self.driver.cleanup_host()

    @staticmethod
    def _image_source(instance):
        """The :class:`ImageSource` of the image ``instance`` boots, or
        None for a diskless one. Read with an admin context: the image
        may have become private since the API checked it.

        :raises ImageNotFound: the image was deleted meanwhile.
        """
        if not instance['image_ref']:
            return None
        image = image_api.get(consolehub_context.get_admin_context(),
                              instance['image_ref'])
        return virt_driver.ImageSource(
            id=image['uuid'], path=image_api.file_path(image),
            disk_format=image['disk_format'],
            os_hash_algo=image['os_hash_algo'],
            os_hash_value=image['os_hash_value'], size=image['size'])

    def build_instance(self, context, instance_uuid):
        """Start the guest; the instance ends ACTIVE, or ERROR with a fault."""
        with _instance_lock(instance_uuid):
            try:
                instance = instance_obj.get(context, instance_uuid)
            except exception.InstanceNotFound:
                LOG.info('Instance %s was deleted before it was built',
                         instance_uuid)
                return
            try:
                self.driver.spawn(instance, self._image_source(instance))
            except (exception.HypervisorError,
                    exception.ImageNotFound) as error:
                LOG.error('Build of instance %s failed: %s',
                          instance_uuid, error)
                instance_obj.update(context, instance_uuid,
                                    {'status': instance_obj.ERROR,
                                        'fault': str(error)})
                return
            instance_obj.update(context, instance_uuid,
                                {'status': instance_obj.ACTIVE})
            LOG.info('Instance %s is ACTIVE', instance_uuid)

    @messaging.expected_exceptions(exception.InstanceNotFound)
    def terminate_instance(self, context, instance_uuid):
        """Destroy the guest, then the instance row and its tokens."""
        with _instance_lock(instance_uuid):
            instance = instance_obj.get(context, instance_uuid)
            self.driver.destroy(instance)
            instance_obj.destroy(context, instance_uuid)
            LOG.info('Instance %s deleted', instance_uuid)

    def snapshot_instance(self, context, instance_uuid, image_id):
        """Copy the guest's disk, flattened, into queued image
        ``image_id``, which becomes active (Nova's createImage).

        The API set the instance's task_state to ``image_snapshot``; it
        is cleared here whatever happens. On failure the image is deleted,
        as Nova deletes a snapshot that failed.
        """
        with _instance_lock(instance_uuid):
            target = os.path.join(virt_images.instance_dir(instance_uuid),
                                  'snapshot-%s.qcow2' % image_id)
            try:
                instance = instance_obj.get(context, instance_uuid)
                self.driver.snapshot(instance, target)
                image_api.upload_file(context, image_id, target)
                LOG.info('Snapshot %s of instance %s is active', image_id,
                         instance_uuid)
            except Exception as error:
                LOG.error('Snapshot %s of instance %s failed: %s', image_id,
                          instance_uuid, error)
                self._delete_failed_snapshot(context, image_id)
            finally:
                if os.path.exists(target):
                    os.unlink(target)
                self._clear_task(context, instance_uuid)

    @staticmethod
    def _delete_failed_snapshot(context, image_id):
        try:
            image_api.delete(context, image_id)
        except exception.ImageNotFound:
            pass

    @staticmethod
    def _clear_task(context, instance_uuid):
        try:
            instance_obj.update(context, instance_uuid, {'task_state': None})
        except exception.InstanceNotFound:
            pass

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.ConsoleTypeUnavailable)
    def get_vnc_console(self, context, instance_uuid):
        """Mint a noVNC console token; returns ``{'access_url': str}``."""
        return self._get_console(context, instance_uuid, VNC_CONSOLE)

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.ConsoleTypeUnavailable)
    def get_console(self, context, instance_uuid, protocol, console_type):
        """Mint a console token of ``(protocol, console_type)``.

        :returns: ``{'access_url': str}``.
        :raises ConsoleTypeUnavailable: the pair is unknown, disabled on
            this host or the guest has no such console.
        """
        pair = (protocol, console_type)
        if pair not in (VNC_CONSOLE, SPICE_CONSOLE, SERIAL_CONSOLE):
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        return self._get_console(context, instance_uuid, pair)

    def validate_console_port(self, context, instance_uuid, port,
                              console_type):
        """Whether ``port`` (int) is the running guest's ``console_type``
        console (``novnc``, ``spice-html5``, ``serial``), as Nova's method
        of that name: the proxy asks it before connecting, since a token
        may outlive its guest and the port pass to another guest.

        :returns: bool (False for a guest that is gone or stopped).
        """
        return self.driver.validate_console_port(
            {'uuid': instance_uuid}, console_type, port)

    def _get_console(self, context, instance_uuid, pair):
        # No second read of the instance: the API checked it a moment ago,
        # the driver finds the guest by UUID, and the proxy refuses tokens
        # of an instance deleted since.
        instance = {'uuid': instance_uuid}
        endpoint = getattr(self.driver, _ENDPOINT_METHODS[pair[1]])(instance)
        host, port, path = endpoint
        relay = CONF.console.compute_relay
        if relay and not path:
            # The proxy reaches the guest through the relay, asking it
            # with HTTP CONNECT for the console's own address.
            path = '%s:%d' % ('[%s]' % host if ':' in host else host, port)
            host, _sep, relay_port = relay.rpartition(':')
            host, port = host.strip('[]'), int(relay_port)
        raw_token, _row = console_auth_token.mint(context, pair, host, port,
                                                  instance_uuid, path)
        return {'access_url': console_auth_token.access_url(pair, raw_token)}
