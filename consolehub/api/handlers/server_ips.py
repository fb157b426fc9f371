"""What a server is attached to, as Nova shows it: its addresses
(``/v2.1/servers/{server_id}/ips``, Nova's "Servers IPs") and its volume
attachments (``.../os-volume_attachments``, Nova's "Servers with volume
attachments").

Both are honestly empty: no networks or volumes exist here (guests have
no network; their one disk is the image's overlay). Dashboards such as
Horizon's instance page read them all the same.
"""

from consolehub.api import util
from consolehub import exception
from consolehub.policies import servers as server_policies


def list_ips(req):
    """``GET .../ips`` -> 200 ``{"addresses": {}}``: no networks."""
    util.instance_for(req, req.urlvars['server_id'],
                      server_policies.IPS_INDEX)
    return util.json_response(req, {'addresses': {}})


def show_ips_of_network(req):
    """``GET .../ips/{network_label}`` -> 404 (itemNotFound): the server
    is on no network, so not on this one."""
    util.instance_for(req, req.urlvars['server_id'],
                      server_policies.IPS_SHOW)
    raise exception.NetworkNotAttached()


def list_volume_attachments(req):
    """``GET .../os-volume_attachments`` -> 200 ``{"volumeAttachments":
    []}``: no volumes. Nova's ``limit``/``offset`` are accepted and, on
    an empty list, change nothing."""
    util.instance_for(req, req.urlvars['server_id'],
                      server_policies.VOLUME_ATTACHMENTS_INDEX)
    return util.json_response(req, {'volumeAttachments': []})
