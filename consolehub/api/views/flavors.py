"""A flavor as Nova's ``/v2.1/flavors`` shows it."""

from consolehub.api.views import links


def basic(req, flavor):
    """``{"id", "name", "links"}`` of a :class:`Flavor`."""
    return {'id': flavor.id, 'name': flavor.name,
            'links': links.links(req, 'flavors', flavor.id)}


def detail(req, flavor):
    """Nova's full flavor body (``disk`` in GiB)."""
    return {
        'id': flavor.id, 'name': flavor.name, 'ram': flavor.memory_mb,
        'vcpus': flavor.vcpus, 'disk': flavor.disk, 'swap': '',
        'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': False,
        'os-flavor-access:is_public': True, 'rxtx_factor': 1.0,
        'links': links.links(req, 'flavors', flavor.id),
    }
