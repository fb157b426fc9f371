"""Quota sets and limits as Nova's API shows them.

Nova's bodies name resources consolehub does not have (key pairs,
server groups, metadata, injected files, and before 2.36 the network
resources). They are shown, as the clients expect them, with the limit
-1 (nothing limits them) and no usage; the resources consolehub enforces
(``consolehub.objects.quota``) show their real limits and usage.
"""

from consolehub.api import microversion
from consolehub.objects import quota

#: Nova's quota-set keys for resources consolehub does not have, each
#: with the microversion that removed it (None: still there).
NOVA_ONLY_QUOTAS = (
    ('fixed_ips', '2.36'), ('floating_ips', '2.36'),
    ('injected_file_content_bytes', '2.57'),
    ('injected_file_path_bytes', '2.57'), ('injected_files', '2.57'),
    ('key_pairs', None), ('metadata_items', None),
    ('security_group_rules', '2.36'), ('security_groups', '2.36'),
    ('server_group_members', None), ('server_groups', None),
)

#: Nova's absolute limits: quota resource -> (limit names, usage name or
#: None), each with the microversion that removed it (None: still there).
ABSOLUTE_LIMITS = (
    ('instances', ('maxTotalInstances',), 'totalInstancesUsed', None),
    ('cores', ('maxTotalCores',), 'totalCoresUsed', None),
    ('ram', ('maxTotalRAMSize',), 'totalRAMUsed', None),
    ('key_pairs', ('maxTotalKeypairs',), None, None),
    ('metadata_items', ('maxServerMeta',), None, None),
    ('metadata_items', ('maxImageMeta',), None, '2.39'),
    ('injected_files', ('maxPersonality',), None, '2.57'),
    ('injected_file_content_bytes', ('maxPersonalitySize',), None, '2.57'),
    ('server_groups', ('maxServerGroups',), 'totalServerGroupsUsed', None),
    ('server_group_members', ('maxServerGroupMembers',), None, None),
    ('floating_ips', ('maxTotalFloatingIps',), 'totalFloatingIpsUsed',
     '2.36'),
    ('security_groups', ('maxSecurityGroups',), 'totalSecurityGroupsUsed',
     '2.36'),
    ('security_group_rules', ('maxSecurityGroupRules',), None, '2.36'),
)


def _shown(req, removed_in):
    return removed_in is None or not microversion.is_at_least(req,
                                                              removed_in)


def _nova_only(req):
    return [name for name, removed_in in NOVA_ONLY_QUOTAS
            if _shown(req, removed_in) and name not in quota.resources()]


def quota_set(req, limits, project_id=None):
    """``{"quota_set": {...}}``: ``limits`` (``{resource: limit}``) and
    Nova's other keys at -1; with ``id`` when ``project_id`` is given."""
    body = {name: quota.UNLIMITED for name in _nova_only(req)}
    body.update(limits)
    if project_id is not None:
        body['id'] = project_id
    return {'quota_set': body}


def quota_set_detail(req, limits, usage, project_id):
    """Nova's ``/detail``: each resource as ``{in_use, limit, reserved}``."""
    body = {name: {'in_use': 0, 'limit': quota.UNLIMITED, 'reserved': 0}
            for name in _nova_only(req)}
    for name, limit in limits.items():
        body[name] = {'in_use': usage[name], 'limit': limit, 'reserved': 0}
    body['id'] = project_id
    return {'quota_set': body}


def limits(req, project_limits, usage):
    """``{"limits": {"absolute": {...}, "rate": []}}`` (no rate limits,
    as Nova since Newton)."""
    absolute = {}
    for resource, limit_names, used_name, removed_in in ABSOLUTE_LIMITS:
        if not _shown(req, removed_in):
            continue
        for name in limit_names:
            absolute[name] = project_limits.get(resource, quota.UNLIMITED)
        if used_name is not None:
            absolute[used_name] = usage.get(resource, 0)
    return {'limits': {'absolute': absolute, 'rate': []}}
