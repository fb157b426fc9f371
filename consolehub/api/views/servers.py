"""A server as Nova's ``/v2.1/servers`` shows it (compute API reference,
"Servers"); what each microversion adds is in
:data:`consolehub.api.microversion.VERSIONS`."""

import hashlib

from consolehub.api import microversion
from consolehub.api import util
from consolehub.api.views import links
from consolehub.api.views import services as service_views
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import flavor as flavor_obj
from consolehub.objects import instance as instance_obj
from consolehub import policy
from consolehub.policies import flavors_extra_specs as spec_policies
from consolehub.policies import servers as server_policies

#: Our status -> Nova's OS-EXT-STS:vm_state.
VM_STATES = instance_obj.VM_STATES

#: The server status of an ACTIVE instance in these task states, as
#: Nova's (``nova.api.openstack.common``'s state map).
_ACTIVE_STATUS_BY_TASK = dict(
    [(task, 'REBOOT') for task in instance_obj.SOFT_REBOOT_TASKS] +
    [(task, 'HARD_REBOOT') for task in instance_obj.HARD_REBOOT_TASKS])


def server_status(instance):
    """Nova's server ``status`` of an instance dict: its status, or
    ``REBOOT`` / ``HARD_REBOOT`` while an ACTIVE one reboots."""
    if instance['status'] == instance_obj.ACTIVE:
        return _ACTIVE_STATUS_BY_TASK.get(instance['task_state'],
                                          instance_obj.ACTIVE)
    return instance['status']


def _host_status(host, services):
    if not host:
        return ''
    if host not in services:
        return 'UNKNOWN'
    return 'UP' if services[host] else 'DOWN'


class ServerViewBuilder(object):
    """Builds server views for one request; policy is checked once."""

    def __init__(self, req):
        self.req = req
        context = util.request_context(req)
        target = {'project_id': context.project_id}
        self.extended = policy.allowed(
            context, server_policies.EXTENDED_ATTRIBUTES, target)
        self.extra_specs_shown = (
            microversion.is_at_least(req, '2.47') and policy.allowed(
                context, spec_policies.INDEX, target))
        self._flavors = {}
        self.services = None
        if (microversion.is_at_least(req, '2.16') and policy.allowed(
                context, server_policies.HOST_STATUS, target)):
            self.services = {
                row['host']: row['is_up'] for row in
                util.compute_api(req).service_get_all(
                    consolehub_context.get_admin_context())}

    def _image(self, instance):
        """Nova's ``image``: its id and bookmark link, or "" for a guest
        booted from no image (Nova's volume-backed server)."""
        if not instance['image_ref']:
            return ''
        return {'id': instance['image_ref'], 'links': [{
            'rel': 'bookmark',
            'href': '%s/images/%s' % (self.req.application_url,
                                      instance['image_ref'])}]}

    def basic(self, instance):
        """``{"id", "name", "links"}``."""
        return {'id': instance['uuid'], 'name': instance['name'],
                'links': links.links(self.req, 'servers', instance['uuid'])}

    def _extra_specs(self, instance):
        """The extra specs of the flavor ``instance`` was made from, as
        that flavor has them now: ``{}`` once it is deleted (a newer
        flavor that took its id is not it), or for an instance made by
        size. Each flavor is read once per request."""
        flavor_id = instance.get('flavor_id')
        if not flavor_id:
            return {}
        if flavor_id not in self._flavors:
            context = consolehub_context.get_admin_context()
            try:
                flavor = flavor_obj.get(context, flavor_id)
            except exception.FlavorNotFound:
                self._flavors[flavor_id] = None, {}
            else:
                self._flavors[flavor_id] = flavor, flavor_obj.extra_specs_of(
                    context, [flavor])[flavor['id']]
        flavor, specs = self._flavors[flavor_id]
        if flavor is None or flavor['id'] != instance.get('flavor_row_id'):
            return {}
        return specs

    def _flavor(self, instance):
        """The server's ``flavor``: its id and bookmark link; from 2.47
        the flavor itself as the server was made with it, which stays
        when the flavor is deleted: ``original_name``, ``ram`` (MiB),
        ``vcpus``, ``disk`` (GiB), ``ephemeral`` and ``swap`` (none: no
        guest gets them), and ``extra_specs`` for callers the extra specs
        index policy allows, as Nova's."""
        if not microversion.is_at_least(self.req, '2.47'):
            flavor_id = flavor_obj.flavor_id_of(instance)
            return {'id': flavor_id, 'links': [{
                'rel': 'bookmark',
                'href': '%s/flavors/%s' % (self.req.application_url,
                                           flavor_id)}]}
        body = {'original_name': flavor_obj.flavor_name_of(instance),
                'ram': instance['memory_mb'],
                'vcpus': instance['vcpus'],
                'disk': instance.get('root_gb') or 0,
                'ephemeral': 0, 'swap': 0}
        if self.extra_specs_shown:
            body['extra_specs'] = self._extra_specs(instance)
        return body

    def detail(self, instance):
        """The full server body at the request's microversion."""
        req = self.req
        status = instance['status']
        host_id = ''
        if instance['host']:
            host_id = hashlib.sha224(
                (instance['project_id'] + instance['host']).encode(
                    'utf-8')).hexdigest()
        body = dict(self.basic(instance), **{
            'status': server_status(instance),
            'tenant_id': instance['project_id'],
            'user_id': instance['user_id'],
            'created': util.isotime(instance['created_at']),
            'updated': util.isotime(instance['updated_at'] or
                                    instance['created_at']),
            'hostId': host_id,
            'image': self._image(instance),
            'flavor': self._flavor(instance),
            'addresses': {},
            'metadata': instance.get('metadata', {}),
            'accessIPv4': instance.get('access_ip_v4') or '',
            'accessIPv6': instance.get('access_ip_v6') or '',
            'key_name': None,
            # No config drive is ever attached, whatever was asked for.
            'config_drive': '',
            'OS-DCF:diskConfig': instance.get('disk_config') or 'MANUAL',
            # Every host is in the one zone; Nova says '' until scheduled.
            'OS-EXT-AZ:availability_zone': (
                service_views.ZONE if instance['host'] else ''),
            'OS-EXT-STS:vm_state': VM_STATES.get(status, 'error'),
            'OS-EXT-STS:power_state': instance['power_state'],
            'OS-EXT-STS:task_state': instance['task_state'],
            'os-extended-volumes:volumes_attached': [],
        })
        if status in ('ACTIVE', 'BUILD'):
            body['progress'] = 100 if status == 'ACTIVE' else 0
        if instance['fault'] and status == 'ERROR':
            body['fault'] = {'code': 500, 'message': instance['fault'],
                             'created': body['updated']}
        if self.extended:
            body['OS-EXT-SRV-ATTR:host'] = instance['host']
            body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = instance['host']
            body['OS-EXT-SRV-ATTR:instance_name'] = (
                'instance-%s' % instance['uuid'])
            if microversion.is_at_least(req, '2.3'):
                body.update({
                    'OS-EXT-SRV-ATTR:reservation_id': instance.get(
                        'reservation_id'),
                    'OS-EXT-SRV-ATTR:launch_index': instance.get(
                        'launch_index') or 0,
                    'OS-EXT-SRV-ATTR:hostname': instance['name'],
                    'OS-EXT-SRV-ATTR:kernel_id': '',
                    'OS-EXT-SRV-ATTR:ramdisk_id': '',
                    'OS-EXT-SRV-ATTR:root_device_name': None,
                    'OS-EXT-SRV-ATTR:user_data': instance.get('user_data'),
                })
        if microversion.is_at_least(req, '2.9'):
            body['locked'] = bool(instance.get('locked'))
        if self.services is not None:
            body['host_status'] = _host_status(instance['host'],
                                               self.services)
        if microversion.is_at_least(req, '2.19'):
            body['description'] = instance.get('description')
        if microversion.is_at_least(req, '2.26'):
            body['tags'] = instance.get('tags', [])
        if microversion.is_at_least(req, '2.63'):
            # No certificate is ever taken (servers.create_server).
            body['trusted_image_certificates'] = None
        return body
