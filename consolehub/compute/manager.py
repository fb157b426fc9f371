"""The compute agent's RPC endpoint: owns the guests of one host."""

from oslo_concurrency import lockutils
from oslo_log import log as logging
import oslo_messaging as messaging

from consolehub.console import tokens
from consolehub.db import api as db_api
from consolehub import exception

LOG = logging.getLogger(__name__)

VNC_CONSOLE = ('vnc', 'novnc')


def _instance_lock(instance_uuid):
    # Build, delete and console requests for one instance run one at a
    # time, so a delete that lands mid-build never orphans a guest.
    return lockutils.lock('instance-%s' % instance_uuid)


class ComputeManager(object):
    """Serves :mod:`consolehub.compute.rpcapi` calls with a virt driver."""

    target = messaging.Target(version='1.0')

    def __init__(self, host, driver):
        """``host``: this node's name; ``driver``: a ComputeDriver."""
        self.host = host
        self.driver = driver

    def init_host(self, context):
        """Connect the driver and mark instances whose guest vanished.

        A guest can be gone after the agent restarts (an embedded QEMU
        driver takes its guests down with it); such instances become
        SHUTOFF rather than claim to be ACTIVE.
        """
        self.driver.init_host(self.host)
        for instance in db_api.instance_get_all_by_host(context, self.host):
            if (instance['status'] == db_api.STATUS_ACTIVE and
                    not self.driver.instance_exists(instance)):
                LOG.warning('Guest of instance %s is gone; marking it '
                            'SHUTOFF', instance['uuid'])
                db_api.instance_update(context, instance['uuid'],
                                       {'status': db_api.STATUS_SHUTOFF})

    def cleanup_host(self):
        self.driver.cleanup_host()

    def build_instance(self, context, instance_uuid):
        """Start the guest; the instance ends ACTIVE, or ERROR with a fault."""
        with _instance_lock(instance_uuid):
            try:
                instance = db_api.instance_get(context, instance_uuid)
            except exception.InstanceNotFound:
                LOG.info('Instance %s was deleted before it was built',
                         instance_uuid)
                return
            try:
                self.driver.spawn(instance)
            except exception.HypervisorError as error:
                LOG.error('Build of instance %s failed: %s',
                          instance_uuid, error)
                db_api.instance_update(context, instance_uuid,
                                       {'status': db_api.STATUS_ERROR,
                                        'fault': str(error)})
                return
            db_api.instance_update(context, instance_uuid,
                                   {'status': db_api.STATUS_ACTIVE})
            LOG.info('Instance %s is ACTIVE', instance_uuid)

    @messaging.expected_exceptions(exception.InstanceNotFound)
    def terminate_instance(self, context, instance_uuid):
        """Destroy the guest, then the instance row and its tokens."""
        with _instance_lock(instance_uuid):
            instance = db_api.instance_get(context, instance_uuid)
            self.driver.destroy(instance)
            db_api.instance_destroy(context, instance_uuid)
            LOG.info('Instance %s deleted', instance_uuid)

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.ConsoleTypeUnavailable)
    def get_vnc_console(self, context, instance_uuid):
        """Mint a noVNC console token; returns ``{'access_url': str}``."""
        instance = db_api.instance_get(context, instance_uuid)
        endpoint = self.driver.get_vnc_console(instance)
        raw_token, _row = tokens.mint(
            context, VNC_CONSOLE, endpoint.host, endpoint.port,
            instance_uuid, endpoint.internal_access_path)
        return {'access_url': tokens.access_url(VNC_CONSOLE, raw_token)}
