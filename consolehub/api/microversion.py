"""Compute API microversions, as Nova negotiates them.

A client asks for a version with ``OpenStack-API-Version: compute X.Y``
(or the legacy ``X-OpenStack-Nova-API-Version: X.Y``); ``latest`` means
our highest. Without either header a request gets ``2.1``. Every
``/v2.1`` response names the version it was served at and says that it
varies with those headers.

:data:`VERSIONS` is the one list of what each version adds to the
resources we serve; versions between two lines change only Nova
resources we do not have, so they behave as the line before them:

* 2.41 (aggregate uuids), 2.64 (server group policy fields): those lists
  are always empty and nothing creates or shows one;
* 2.42 (device tags in ``networks`` and ``block_device_mapping_v2``):
  a listed network is refused anyway, and the one mapping we take (the
  image as boot disk) takes no tag, as no metadata service would show it;
* 2.46: every response has carried ``X-OpenStack-Request-ID`` from 2.1;
* 2.43, 2.44, 2.48 - 2.50, 2.54, 2.56, 2.60, 2.65: os-hosts, network
  actions, diagnostics, interface and volume attach, quota classes,
  rebuild, migrate, multiattach and live migration, none served;
* 2.55 and 2.61 add flavor descriptions and extra specs to
  ``/flavors``; the built-in flavors (:mod:`consolehub.objects.flavor`)
  have neither yet, and these lines come with flavor records.

The highest line is what we advertise. We stop at 2.66, though 2.67 -
2.72 would change little here (2.71's ``server_groups: []`` in a shown
server; the rest concern volume types, down cells, device tags and
Neutron ports): Horizon creates servers at 2.67 once the API offers it
(its features "multiattach" and "bdm2_volume_type" meet there), and
novaclient insists on networks from 2.37, which Horizon's Launch
Instance sends as an empty list in a cloud without Neutron, so every
launch from Horizon would fail before reaching us. Beyond that, 2.73
lets ``lock`` give a ``locked_reason`` that servers show and lists
filter by, which needs a column the database does not have yet.
"""

import functools
import re

import microversion_parse
import webob
import webob.exc

from consolehub.api.middleware import fault

#: (version, what it adds here), one line each, oldest first.
VERSIONS = (
    ('2.1', 'servers, flavors, os-get{VNC,SPICE,Serial,RDP}Console '
            'actions, os-console-auth-tokens (RDP tokens only); os-stop, '
            'os-start, reboot and os-getConsoleOutput actions; server '
            'metadata, ips and os-volume_attachments'),
    ('2.2', 'os-keypairs: key pair "type" (ssh, x509); create answers '
            '201, delete 204'),
    ('2.3', 'admins see OS-EXT-SRV-ATTR reservation_id, launch_index, '
            'hostname, kernel_id, ramdisk_id, root_device_name, user_data'),
    ('2.6', 'POST /servers/{id}/remote-consoles; the console actions go'),
    ('2.8', 'remote console protocol "mks", type "webmks"'),
    ('2.9', 'server views carry "locked"'),
    ('2.10', 'os-keypairs: administrators name another user (user_id)'),
    ('2.11', 'os-services shows "forced_down"'),
    ('2.16', 'admins see server "host_status"'),
    ('2.19', 'servers take and show a "description" (POST, PUT)'),
    ('2.21', 'os-instance-actions of a deleted server stay readable'),
    ('2.26', 'server views carry "tags"'),
    ('2.28', 'os-hypervisors shows cpu_info as an object, not JSON text'),
    ('2.31', 'os-console-auth-tokens shows every console type'),
    ('2.33', 'os-hypervisors lists page with limit and marker'),
    ('2.35', 'os-keypairs list pages with limit and marker'),
    ('2.36', 'os-quota-sets and limits drop the network quotas '
             '(fixed_ips, floating_ips, security_groups, '
             'security_group_rules)'),
    ('2.37', 'POST /servers requires "networks": "none", "auto" or a '
             'list (no network exists, so a listed one is 400)'),
    ('2.38', 'a server list filtered by an unknown status is 400'),
    ('2.39', 'limits drop maxImageMeta'),
    ('2.40', 'os-simple-tenant-usage pages its servers with limit and '
             'marker'),
    ('2.45', 'createImage answers {"image_id"}, no Location'),
    ('2.47', 'server views embed the flavor (vcpus, ram, disk, '
             'ephemeral, swap, original_name, extra_specs)'),
    ('2.51', 'os-instance-actions shows events to every reader'),
    ('2.52', 'POST /servers takes "tags"'),
    ('2.53', 'os-services and os-hypervisors ids (and hypervisors\' '
             'service.id) are uuids; os-hypervisors lists filter by '
             'hypervisor_hostname_pattern and show with_servers'),
    ('2.57', 'limits drop maxPersonality and maxPersonalitySize, '
             'os-quota-sets the injected_file* quotas'),
    ('2.58', 'os-instance-actions show updated_at; the list pages with '
             'limit and marker and filters by changes-since'),
    ('2.59', 'os-migrations pages (limit, marker, changes-since) and '
             'refuses other query parameters'),
    ('2.62', 'os-instance-actions events show hostId, and host to '
             'administrators'),
    ('2.63', 'servers show trusted_image_certificates (null); create '
             'takes it as null only'),
    ('2.66', 'changes-before filters server lists, os-instance-actions '
             'and os-migrations'),
)

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
VARY = '%s, %s' % (HEADER, LEGACY_HEADER)

#: Where the request's :class:`APIVersion` is kept in the WSGI environ.
ENVIRON_KEY = 'consolehub.api_version'

#: The path prefix of the versioned API.
PREFIX = '/v2.1'

_FORMAT = re.compile(r'^([1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$')


class APIVersion(microversion_parse.Version):
    """A ``(major, minor)`` pair that prints as ``"major.minor"``.

    :raises ValueError: for text not of Nova's form ``X.Y`` (no leading
        zeros: ``2.01`` is refused, as Nova refuses it).
    """

    def __new__(cls, text):
        if _FORMAT.match(text) is None:
            raise ValueError(text)
        return super().__new__(cls, *microversion_parse.parse_version_string(
            text))


MIN_VERSION = APIVersion(VERSIONS[0][0])
MAX_VERSION = APIVersion(VERSIONS[-1][0])


def _requested(req):
    """The version text the client asked for, or None."""
    return microversion_parse.get_version(
        req.headers, SERVICE_TYPE, legacy_headers=[LEGACY_HEADER])


def parse(req):
    """The :class:`APIVersion` to serve ``req`` at.

    :raises webob.exc.HTTPBadRequest: the version is not ``X.Y``.
    :raises webob.exc.HTTPNotAcceptable: it is outside our range.
    """
    text = _requested(req)
    if text is None:
        return MIN_VERSION
    text = text.strip()
    if text.lower() == 'latest':
        return MAX_VERSION
    try:
        version = APIVersion(text)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='API version %r is not of the form X.Y, e.g. %s.'
                        % (text[:32], MAX_VERSION))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise webob.exc.HTTPNotAcceptable(
            explanation='Version %s is not supported by the API. Minimum '
                        'is %s and maximum is %s.'
                        % (version, MIN_VERSION, MAX_VERSION))
    return version


def request_version(req):
    """The version ``req`` is served at (2.1 outside ``/v2.1``)."""
    return req.environ.get(ENVIRON_KEY, MIN_VERSION)


def is_at_least(req, text):
    """Whether ``req`` is served at version ``text`` or later."""
    return request_version(req) >= APIVersion(text)


def require(req, minimum=None, maximum=None):
    """Answer 404, as Nova does, when ``req``'s version is out of range."""
    version = request_version(req)
    if ((minimum and version < APIVersion(minimum)) or
            (maximum and version > APIVersion(maximum))):
        raise webob.exc.HTTPNotFound(
            explanation='The resource could not be found.')


def versioned(minimum=None, maximum=None):
    """Declare the microversions a handler serves, next to the handler.

    Outside ``minimum``..``maximum`` (texts like ``'2.6'``; None: no
    bound) the request gets Nova's 404. The OpenAPI document reads the
    bounds from the handler's ``min_version`` and ``max_version``.
    """
    def decorate(handler):
        @functools.wraps(handler)
        def serve(req):
            require(req, minimum, maximum)
            return handler(req)
        serve.min_version = minimum
        serve.max_version = maximum
        return serve
    return decorate


def _set_headers(headers, version):
    headers[HEADER] = '%s %s' % (SERVICE_TYPE, version)
    headers[LEGACY_HEADER] = str(version)
    headers['Vary'] = VARY


class Microversion(object):
    """WSGI filter: negotiates the version of every ``/v2.1`` request.

    Other paths (the unversioned ``/instances`` API) pass untouched.
    """

    def __init__(self, application):
        self.application = application

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        if not (req.path_info == PREFIX or
                req.path_info.startswith(PREFIX + '/')):
            return self.application(environ, start_response)
        try:
            version = parse(req)
        except webob.exc.HTTPException as error:
            # Errors carry our range so a client can retry inside it.
            _set_headers(error.headers, MAX_VERSION)
            raise
        environ[ENVIRON_KEY] = version
        try:
            response = req.get_response(self.application)
        except webob.exc.HTTPException as error:
            _set_headers(error.headers, version)
            raise
        _set_headers(response.headers, version)
        return response(environ, start_response)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls
