"""The OpenAPI 3.1 document of the whole API, served at
``/v2.1/openapi.json``.

Paths and methods come from the router's declarations (given to
:func:`document`); request bodies and query parameters are the very JSON
Schemas (draft 2020-12, which OpenAPI 3.1 uses) that the handlers
validate with. Version-dependent schemas are given at our highest
microversion, and ``x-openstack-microversion`` says from which (and
until which) version an operation exists, as its handler declares
(:func:`consolehub.api.microversion.versioned`).
"""

import inspect
import re

from consolehub.api.handlers import console_sessions
from consolehub.api.handlers import consoles
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
from consolehub.api.handlers import server_metadata
from consolehub.api.handlers import server_tags
from consolehub.api.handlers import servers
from consolehub.api.handlers import services
from consolehub.api.handlers import tenant_usage
from consolehub.api import microversion
from consolehub.api.schemas import empty_collections as empty_schema
from consolehub.api.schemas import flavors as flavor_schema
from consolehub.api.schemas import images as image_schema
from consolehub.api.schemas import instance as instance_schema
from consolehub.api.schemas import keypairs as keypair_schema
from consolehub.api.schemas import quotas as quota_schema
from consolehub.api.schemas import instance_actions as action_schema
from consolehub.api.schemas import remote_console as remote_console_schema
from consolehub.api.schemas import server_action_log as action_log_schema
from consolehub.api.schemas import server_tags as tag_schema
from consolehub.api.schemas import servers as server_schema
from consolehub.api.schemas import services as service_schema
from consolehub.api.schemas import tenant_usage as usage_schema

TITLE = 'consolehub API'

#: Where the document is served.
PATH = microversion.PREFIX + '/openapi.json'


def _latest(schema_function):
    return lambda: schema_function(microversion.MAX_VERSION)


#: handler -> what its docstring cannot say: ``body`` and ``query``
#: (a schema or a function returning one), ``status`` (success code),
#: ``no_content`` (true: the success has no body) and ``earlier_status``
#: (``(code, microversion)``: the success code before that version),
#: ``media_type`` (a success body other than JSON).
#: Handlers missing here are documented from their docstring alone.
OPERATIONS = {
    instances.list_instances: {'query': instance_schema.list_query},
    instances.create_instance: {'body': instance_schema.create,
                                'status': 202},
    instances.update_instance: {'body': instance_schema.UPDATE},
    instances.delete_instance: {'status': 204},
    consoles.create_remote_console: {'body': remote_console_schema.CREATE},
    servers.list_servers: {'query': server_schema.LIST_QUERY},
    servers.list_servers_detail: {'query': server_schema.LIST_QUERY},
    servers.create_server: {'body': _latest(server_schema.create),
                            'status': 202},
    servers.update_server: {'body': _latest(server_schema.update)},
    servers.delete_server: {'status': 204},
    server_metadata.create_metadata: {'body': server_schema.METADATA_BODY},
    server_metadata.update_all_metadata: {
        'body': server_schema.METADATA_BODY},
    server_metadata.update_metadata_item: {
        'body': server_schema.METADATA_ITEM_BODY},
    server_metadata.delete_metadata_item: {'status': 204},
    server_tags.replace_tags: {'body': tag_schema.REPLACE},
    server_tags.delete_all_tags: {'status': 204},
    server_tags.show_tag: {'status': 204},
    server_tags.add_tag: {'status': 201, 'no_content': True},
    server_tags.delete_tag: {'status': 204},
    server_actions.server_action: {'body': server_actions.body_schema},
    consoles.create_server_remote_console: {
        'body': _latest(server_schema.remote_console)},
    instance_actions.instance_action: {
        'body': lambda: {'oneOf': [
            action.schema for action in
            list(instance_actions.ACTIONS.values()) +
            list(guest_input.ACTIONS.values())]},
        'status': 202},
    guest_input.show_screenshot: {'media_type': 'image/png'},
    console_sessions.show_console_session_recording: {
        'media_type': 'application/octet-stream'},
    instance_actions.show_console_output: {
        'query': action_schema.CONSOLE_OUTPUT_QUERY},
    flavors.list_flavors: {'query': flavor_schema.LIST_QUERY},
    flavors.list_flavors_detail: {'query': flavor_schema.LIST_QUERY},
    flavors.create_flavor: {'body': _latest(flavor_schema.create)},
    flavors.update_flavor: {'body': flavor_schema.UPDATE},
    flavors.delete_flavor: {'status': 202, 'no_content': True},
    flavor_access.flavor_action: {'body': flavor_schema.ACTION},
    flavor_extra_specs.create_extra_specs: {
        'body': flavor_schema.EXTRA_SPECS_CREATE},
    flavor_extra_specs.update_extra_spec: {
        'body': flavor_schema.EXTRA_SPEC_UPDATE},
    flavor_extra_specs.delete_extra_spec: {'no_content': True},
    quotas.show_quota_set: {'query': quota_schema.QUOTA_SET_QUERY},
    quotas.show_quota_set_detail: {'query': quota_schema.QUOTA_SET_QUERY},
    quotas.show_quota_set_defaults: {'query': quota_schema.QUOTA_SET_QUERY},
    quotas.update_quota_set: {'body': quota_schema.update,
                              'query': quota_schema.QUOTA_SET_QUERY},
    quotas.delete_quota_set: {'status': 202, 'no_content': True,
                              'query': quota_schema.QUOTA_SET_QUERY},
    limits.show_limits: {'query': quota_schema.LIMITS_QUERY},
    services.list_services: {'query': service_schema.LIST_QUERY},
    services.list_compute_services: {'query': service_schema.LIST_QUERY},
    hypervisors.list_hypervisors: {
        'query': _latest(service_schema.hypervisors_query)},
    hypervisors.list_hypervisors_detail: {
        'query': _latest(service_schema.hypervisors_query)},
    hypervisors.show_hypervisor: {
        'query': _latest(service_schema.hypervisor_query)},
    tenant_usage.list_tenant_usages: {
        'query': _latest(usage_schema.list_query)},
    tenant_usage.show_tenant_usage: {
        'query': _latest(usage_schema.list_query)},
    empty_collections.list_migrations: {
        'query': _latest(empty_schema.migrations_query)},
    server_action_log.list_server_actions: {
        'query': _latest(action_log_schema.list_query)},
    empty_collections.list_server_groups: {
        'query': empty_schema.SERVER_GROUPS_QUERY},
    keypairs.list_keypairs: {'query': _latest(keypair_schema.list_query)},
    keypairs.create_keypair: {'body': _latest(keypair_schema.create),
                              'status': 201, 'earlier_status': (200, '2.2')},
    keypairs.show_keypair: {'query': _latest(keypair_schema.show_query)},
    keypairs.delete_keypair: {'status': 204, 'earlier_status': (202, '2.2'),
                              'query': _latest(keypair_schema.show_query)},
    images.show_versions: {'status': 300},
    images.list_images: {'query': image_schema.LIST_QUERY},
    images.create_image: {'body': image_schema.create, 'status': 201},
    images.delete_image: {'status': 204},
    images.add_image_tag: {'status': 204},
    images.delete_image_tag: {'status': 204},
    image_data.upload_image_data: {'status': 204},
}

_PATH_PARAMETER = re.compile(r'\{([^}]+)\}')

_FAULT = {
    'type': 'object',
    'description': "Nova's fault body: one key naming the fault "
                   '(badRequest, itemNotFound, ...).',
    'minProperties': 1, 'maxProperties': 1,
    'additionalProperties': {
        'type': 'object',
        'properties': {'code': {'type': 'integer'},
                       'message': {'type': 'string'}},
        'required': ['code', 'message'],
    },
}


def _resolve(schema):
    return schema() if callable(schema) else schema


def _summary(handler):
    doc = inspect.getdoc(handler) or handler.__name__
    return doc.split('\n\n')[0].replace('\n', ' ')


def _operation(path, method, handler, public=False):
    extra = OPERATIONS.get(handler, {})
    status = str(extra.get('status', 200))
    operation = {
        'operationId': '%s.%s' % (handler.__module__.rsplit('.', 1)[-1],
                                  handler.__name__),
        'summary': _summary(handler),
        'responses': {
            status: {'description': 'Success.'},
            'default': {'description': 'An error, as a Nova fault.',
                        'content': {'application/json': {'schema': {
                            '$ref': '#/components/schemas/Fault'}}}},
        },
    }
    successes = [status]
    if 'earlier_status' in extra:
        code, version = extra['earlier_status']
        successes.append(str(code))
        operation['responses'][str(code)] = {
            'description': 'Success, before microversion %s.' % version}
    if status != '204' and not extra.get('no_content'):
        content = ({extra['media_type']: {'schema': {'type': 'string'}}}
                   if 'media_type' in extra else
                   {'application/json': {'schema': {'type': 'object'}}})
        for code in successes:
            operation['responses'][code]['content'] = content
    parameters = [{'name': name, 'in': 'path', 'required': True,
                   'schema': {'type': 'string'}}
                  for name in _PATH_PARAMETER.findall(path)]
    query = _resolve(extra.get('query'))
    if query:
        parameters += [{'name': name, 'in': 'query', 'required': False,
                        'schema': schema}
                       for name, schema in query['properties'].items()]
    if path.startswith(microversion.PREFIX + '/') and not public:
        parameters.append({'$ref': '#/components/parameters/'
                                   'OpenStackAPIVersion'})
        operation['x-openstack-microversion'] = {
            'min': (getattr(handler, 'min_version', None) or
                    str(microversion.MIN_VERSION)),
            'max': (getattr(handler, 'max_version', None) or
                    str(microversion.MAX_VERSION))}
    if parameters:
        operation['parameters'] = parameters
    body = _resolve(extra.get('body'))
    if body is not None:
        operation['requestBody'] = {
            'required': True,
            'content': {'application/json': {'schema': body}}}
    if public:
        operation['security'] = []
    return operation


def document(server_url, routes, public_routes):
    """The OpenAPI 3.1 document (a dict) with ``server_url`` as server.

    :param routes: ``{path: {method: handler}}``, the router's routes.
    :param public_routes: ``{path: handler}`` answered to GET without a
        token.
    """
    paths = {}
    for path, handler in public_routes.items():
        paths.setdefault(path, {})['get'] = _operation(path, 'GET', handler,
                                                       public=True)
    for path, methods in routes.items():
        for method, handler in sorted(methods.items()):
            paths.setdefault(path, {})[method.lower()] = (
                _operation(path, method, handler))
    # One handler may serve two paths; operation ids must stay unique.
    seen = set()
    for path, operations in paths.items():
        for operation in operations.values():
            if operation['operationId'] in seen:
                operation['operationId'] += '@' + path
            seen.add(operation['operationId'])
    return {
        'openapi': '3.1.0',
        'info': {
            'title': TITLE,
            'version': str(microversion.MAX_VERSION),
            'description': 'Instances and their remote consoles; /v2.1 '
                           "follows Nova's compute API.",
        },
        'servers': [{'url': server_url or '/'}],
        'security': [{'token': []}],
        'paths': paths,
        'components': {
            'securitySchemes': {'token': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token'}},
            'parameters': {'OpenStackAPIVersion': {
                'name': microversion.HEADER, 'in': 'header',
                'required': False,
                'description': 'compute X.Y or compute latest; %s to %s.'
                               % (microversion.MIN_VERSION,
                                  microversion.MAX_VERSION),
                'schema': {'type': 'string'}}},
            'schemas': {'Fault': _FAULT},
        },
    }
