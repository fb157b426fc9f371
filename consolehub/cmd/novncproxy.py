"""consolehub-novncproxy: the websocket console proxy."""

import sys

from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.conf import CONF
from consolehub.console import service as proxy_service
from consolehub import context
from consolehub import process


def console_port_checker():
    """The proxy's check of a token's port: the compute agent's
    ``validate_console_port`` for the instance's host, over RPC; None
    when ``[console] validate_console_port`` is off."""
    if not CONF.console.validate_console_port:
        return None
    compute = compute_rpcapi.ComputeAPI()
    admin = context.get_admin_context()

    def check(instance_uuid, instance_host, port, console_type):
        return compute.validate_console_port(
            admin, {'uuid': instance_uuid, 'host': instance_host}, port,
            console_type)

    return check


def main():
    process.prepare(sys.argv[1:])
    proxy_service.main_loop(console_port_checker())
