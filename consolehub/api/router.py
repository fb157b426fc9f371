"""Every route of the API, declared as data in one place.

Paths map HTTP methods to handler functions taking a ``webob.Request`` and
returning a ``webob.Response``. An unknown path is a 404; a known path
with another method is a 405 whose ``Allow`` header lists the methods.
:data:`PUBLIC_ROUTES` and the dashboard's :data:`DASHBOARD_ROUTES` answer
before authentication (GET and HEAD only).
A handler's microversions are declared on it
(:func:`consolehub.api.microversion.versioned`); a domain error it raises
becomes the HTTP fault its ``code`` says (``middleware.fault``).
"""

import routes
import webob
import webob.exc

from consolehub.api.handlers import availability_zones
from consolehub.api.handlers import console_auth_tokens
from consolehub.api.handlers import console_sessions
from consolehub.api.handlers import consoles
from consolehub.api.handlers import dashboard
from consolehub.api.handlers import empty_collections
from consolehub.api.handlers import flavor_access
from consolehub.api.handlers import flavor_extra_specs
from consolehub.api.handlers import flavors
from consolehub.api.handlers import guest_input
from consolehub.api.handlers import hypervisors
from consolehub.api.handlers import image_data
from consolehub.api.handlers import images
from consolehub.api.handlers import instance_actions
from consolehub.api.handlers import instances
from consolehub.api.handlers import keypairs
from consolehub.api.handlers import limits
from consolehub.api.handlers import quotas
from consolehub.api.handlers import server_action_log
from consolehub.api.handlers import server_actions
from consolehub.api.handlers import server_ips
from consolehub.api.handlers import server_metadata
from consolehub.api.handlers import server_tags
from consolehub.api.handlers import servers
from consolehub.api.handlers import services
from consolehub.api.handlers import tenant_usage
from consolehub.api.handlers import versions
from consolehub.api import microversion
from consolehub.api.middleware import fault
from consolehub.api import openapi
from consolehub.api import util
from consolehub.compute import api as compute_api

ROUTE_DECLARATIONS = {
    '/instances': {
        'GET': instances.list_instances,
        'POST': instances.create_instance,
    },
    '/instances/{instance_id}': {
        'GET': instances.show_instance,
        'PUT': instances.update_instance,
        'DELETE': instances.delete_instance,
    },
    '/instances/{instance_id}/action': {
        'POST': instance_actions.instance_action,
    },
    '/instances/{instance_id}/console-output': {
        'GET': instance_actions.show_console_output,
    },
    '/instances/{instance_id}/screenshot': {
        'GET': guest_input.show_screenshot,
    },
    '/instances/{server_id}/remote-consoles': {
        'POST': consoles.create_remote_console,
    },
    '/servers/{server_id}/remote-consoles': {
        'POST': consoles.create_remote_console,
    },
    '/instances/{server_id}/console-sessions': {
        'GET': console_sessions.list_console_sessions,
    },
    '/instances/{server_id}/console-sessions/{session_id}': {
        'DELETE': console_sessions.delete_console_session,
    },
    '/instances/{server_id}/console-sessions/{session_id}/recording': {
        'GET': console_sessions.show_console_session_recording,
    },
    '/servers/{server_id}/console-sessions': {
        'GET': console_sessions.list_console_sessions,
    },
    '/servers/{server_id}/console-sessions/{session_id}': {
        'DELETE': console_sessions.delete_console_session,
    },
    '/servers/{server_id}/console-sessions/{session_id}/recording': {
        'GET': console_sessions.show_console_session_recording,
    },
    '/os-services': {
        'GET': services.list_services,
    },
    # Nova's compute API (microversions: consolehub/api/microversion.py).
    '/v2.1/servers': {
        'GET': servers.list_servers,
        'POST': servers.create_server,
    },
    '/v2.1/servers/detail': {'GET': servers.list_servers_detail},
    '/v2.1/servers/{server_id}': {
        'GET': servers.show_server,
        'PUT': servers.update_server,
        'DELETE': servers.delete_server,
    },
    '/v2.1/servers/{server_id}/metadata': {
        'GET': server_metadata.list_metadata,
        'POST': server_metadata.create_metadata,
        'PUT': server_metadata.update_all_metadata,
    },
    '/v2.1/servers/{server_id}/metadata/{key}': {
        'GET': server_metadata.show_metadata_item,
        'PUT': server_metadata.update_metadata_item,
        'DELETE': server_metadata.delete_metadata_item,
    },
    '/v2.1/servers/{server_id}/tags': {
        'GET': server_tags.list_tags,
        'PUT': server_tags.replace_tags,
        'DELETE': server_tags.delete_all_tags,
    },
    '/v2.1/servers/{server_id}/tags/{tag}': {
        'GET': server_tags.show_tag,
        'PUT': server_tags.add_tag,
        'DELETE': server_tags.delete_tag,
    },
    '/v2.1/servers/{server_id}/action': {
        'POST': server_actions.server_action,
    },
    '/v2.1/servers/{server_id}/ips': {'GET': server_ips.list_ips},
    '/v2.1/servers/{server_id}/ips/{network_label}': {
        'GET': server_ips.show_ips_of_network,
    },
    '/v2.1/servers/{server_id}/os-volume_attachments': {
        'GET': server_ips.list_volume_attachments,
    },
    '/v2.1/servers/{server_id}/remote-consoles': {
        'POST': consoles.create_server_remote_console,
    },
    '/v2.1/servers/{server_id}/os-instance-actions': {
        'GET': server_action_log.list_server_actions,
    },
    '/v2.1/servers/{server_id}/os-instance-actions/{request_id}': {
        'GET': server_action_log.show_server_action,
    },
    '/v2.1/flavors': {
        'GET': flavors.list_flavors,
        'POST': flavors.create_flavor,
    },
    # detail before {flavor_id}: routes match in order.
    '/v2.1/flavors/detail': {'GET': flavors.list_flavors_detail},
    '/v2.1/flavors/{flavor_id}': {
        'GET': flavors.show_flavor,
        'PUT': flavors.update_flavor,
        'DELETE': flavors.delete_flavor,
    },
    '/v2.1/flavors/{flavor_id}/action': {
        'POST': flavor_access.flavor_action,
    },
    '/v2.1/flavors/{flavor_id}/os-flavor-access': {
        'GET': flavor_access.list_flavor_access,
    },
    '/v2.1/flavors/{flavor_id}/os-extra_specs': {
        'GET': flavor_extra_specs.list_extra_specs,
        'POST': flavor_extra_specs.create_extra_specs,
    },
    '/v2.1/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}': {
        'GET': flavor_extra_specs.show_extra_spec,
        'PUT': flavor_extra_specs.update_extra_spec,
        'DELETE': flavor_extra_specs.delete_extra_spec,
    },
    '/v2.1/os-console-auth-tokens/{console_token}': {
        'GET': console_auth_tokens.show_console_auth_token,
    },
    '/v2.1/os-quota-sets/{project_id}': {
        'GET': quotas.show_quota_set,
        'PUT': quotas.update_quota_set,
        'DELETE': quotas.delete_quota_set,
    },
    '/v2.1/os-quota-sets/{project_id}/detail': {
        'GET': quotas.show_quota_set_detail,
    },
    '/v2.1/os-quota-sets/{project_id}/defaults': {
        'GET': quotas.show_quota_set_defaults,
    },
    '/v2.1/limits': {'GET': limits.show_limits},
    '/v2.1/os-services': {'GET': services.list_compute_services},
    '/v2.1/os-availability-zone': {
        'GET': availability_zones.list_availability_zones,
    },
    '/v2.1/os-availability-zone/detail': {
        'GET': availability_zones.list_availability_zones_detail,
    },
    # detail and statistics before {hypervisor_id}: routes match in order.
    '/v2.1/os-hypervisors': {'GET': hypervisors.list_hypervisors},
    '/v2.1/os-hypervisors/detail': {
        'GET': hypervisors.list_hypervisors_detail,
    },
    '/v2.1/os-hypervisors/statistics': {
        'GET': hypervisors.show_hypervisor_statistics,
    },
    '/v2.1/os-hypervisors/{hypervisor_id}': {
        'GET': hypervisors.show_hypervisor,
    },
    '/v2.1/os-simple-tenant-usage': {
        'GET': tenant_usage.list_tenant_usages,
    },
    '/v2.1/os-simple-tenant-usage/{project_id}': {
        'GET': tenant_usage.show_tenant_usage,
    },
    '/v2.1/os-aggregates': {'GET': empty_collections.list_aggregates},
    '/v2.1/os-server-groups': {
        'GET': empty_collections.list_server_groups,
    },
    '/v2.1/os-server-groups/{server_group_id}': {
        'GET': empty_collections.show_server_group,
    },
    '/v2.1/os-migrations': {'GET': empty_collections.list_migrations},
    '/v2.1/os-keypairs': {
        'GET': keypairs.list_keypairs,
        'POST': keypairs.create_keypair,
    },
    '/v2.1/os-keypairs/{keypair_name}': {
        'GET': keypairs.show_keypair,
        'DELETE': keypairs.delete_keypair,
    },
    # Glance's image API v2 (consolehub/api/handlers/images.py).
    '/image/v2/images': {
        'GET': images.list_images,
        'POST': images.create_image,
    },
    '/image/v2/images/{image_id}': {
        'GET': images.show_image,
        'PATCH': images.update_image,
        'DELETE': images.delete_image,
    },
    '/image/v2/images/{image_id}/file': {
        'GET': image_data.download_image_data,
        'PUT': image_data.upload_image_data,
    },
    '/image/v2/images/{image_id}/tags/{tag}': {
        'PUT': images.add_image_tag,
        'DELETE': images.delete_image_tag,
    },
    '/image/v2/info/usage': {
        'GET': images.show_usage,
    },
}


def show_openapi(req):
    """``GET /v2.1/openapi.json``: the OpenAPI 3.1 document of the API."""
    return util.json_response(req, openapi.document(
        req.application_url, ROUTE_DECLARATIONS, PUBLIC_ROUTES))


#: Paths answered without a token: version discovery (compute and image),
#: the OpenAPI document and the image schemas (``middleware.discovery``).
PUBLIC_ROUTES = {
    '/': versions.show_versions,
    versions.LEGACY_PREFIX: versions.show_legacy_version,
    versions.LEGACY_PREFIX + '/': versions.show_legacy_version,
    microversion.PREFIX: versions.show_version,
    microversion.PREFIX + '/': versions.show_version,
    openapi.PATH: show_openapi,
    images.PREFIX: images.show_versions,
    images.PREFIX + '/': images.show_versions,
    images.PREFIX + '/versions': images.list_versions,
    images.PREFIX + '/v2/schemas/image': images.show_image_schema,
    images.PREFIX + '/v2/schemas/images': images.show_images_schema,
}

#: The dashboard's files, answered without a token too but left out of the
#: OpenAPI document, which describes the API (``handlers/dashboard.py``).
DASHBOARD_ROUTES = dashboard.ROUTES


def _method_not_allowed(allowed):
    def handler(req):
        raise webob.exc.HTTPMethodNotAllowed(
            explanation='The method %s is not allowed here; use %s.' % (
                req.method, ', '.join(allowed)),
            headers={'Allow': ', '.join(allowed)})
    return handler


def make_map(declarations):
    """A ``routes.Mapper`` for ``declarations`` (path -> {method: func})."""
    mapper = routes.Mapper()
    for path, methods in declarations.items():
        for method, handler in methods.items():
            mapper.connect(path, action=handler,
                           conditions={'method': [method]})
        mapper.connect(path, action=_method_not_allowed(sorted(methods)))
    return mapper


class Router(object):
    """WSGI app dispatching to the handler ``ROUTE_DECLARATIONS`` names.

    It owns the compute API the handlers call (``util.compute_api``).
    """

    def __init__(self, declarations=None):
        self._map = make_map(declarations or ROUTE_DECLARATIONS)
        self._compute_api = compute_api.API()

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        environ[util.COMPUTE_API_KEY] = self._compute_api
        req = webob.Request(environ)
        # Match the decoded path (the decoding filter vouches that it
        # decodes), so that path parameters are text, not raw octets.
        match = self._map.match(req.path_info, environ=environ)
        if match is None:
            raise webob.exc.HTTPNotFound(
                explanation='The resource could not be found.')
        handler = match.pop('action')
        req.urlvars = match
        return handler(req)(environ, start_response)
