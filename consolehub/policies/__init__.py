"""Default oslo.policy rules, one module per resource."""

import itertools

from consolehub.policies import admin_actions
from consolehub.policies import availability_zones
from consolehub.policies import base
from consolehub.policies import console_sessions
from consolehub.policies import empty_collections
from consolehub.policies import flavors
from consolehub.policies import flavors_access
from consolehub.policies import flavors_extra_specs
from consolehub.policies import guest_input
from consolehub.policies import hypervisors
from consolehub.policies import images
from consolehub.policies import instance_actions
from consolehub.policies import instances
from consolehub.policies import keypairs
from consolehub.policies import lock_server
from consolehub.policies import quotas
from consolehub.policies import remote_consoles
from consolehub.policies import server_action_log
from consolehub.policies import server_metadata
from consolehub.policies import server_tags
from consolehub.policies import servers
from consolehub.policies import services
from consolehub.policies import tenant_usage


def list_rules():
    """Every default rule, for the enforcer and oslopolicy-sample-generator."""
    return list(itertools.chain(base.list_rules(), instances.list_rules(),
                                remote_consoles.list_rules(),
                                console_sessions.list_rules(),
                                services.list_rules(),
                                servers.list_rules(),
                                flavors.list_rules(),
                                flavors_access.list_rules(),
                                flavors_extra_specs.list_rules(),
                                server_metadata.list_rules(),
                                server_tags.list_rules(),
                                lock_server.list_rules(),
                                admin_actions.list_rules(),
                                quotas.list_rules(), images.list_rules(),
                                instance_actions.list_rules(),
                                guest_input.list_rules(),
                                availability_zones.list_rules(),
                                hypervisors.list_rules(),
                                tenant_usage.list_rules(),
                                empty_collections.list_rules(),
                                keypairs.list_rules(),
                                server_action_log.list_rules()))
