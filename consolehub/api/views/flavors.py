"""A flavor as Nova's ``/v2.1/flavors`` shows it (compute API reference,
"Flavors"): ``description`` from 2.55, ``extra_specs`` from 2.61 (to
callers the extra specs index policy allows)."""

from consolehub.api import microversion
from consolehub.api.views import links


def basic(req, flavor):
    """``{"id", "name", "links"}`` of a flavor dict (and
    ``description`` from 2.55)."""
    body = {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': links.links(req, 'flavors', flavor['flavorid'])}
    if microversion.is_at_least(req, '2.55'):
        body['description'] = flavor['description']
    return body


def _swap(flavor):
    """``swap`` in MiB, or ``""`` for none, as Nova's before 2.75."""
    return flavor['swap'] or ''


def detail(req, flavor, extra_specs=None):
    """Nova's full flavor body (``ram`` MiB, ``disk`` and ephemeral GiB,
    ``swap`` MiB).

    :param extra_specs: its ``{key: value}`` to show (2.61+); None: the
        caller may not see them and the body has none.
    """
    body = dict(basic(req, flavor), **{
        'ram': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
        'disk': flavor['root_gb'], 'swap': _swap(flavor),
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'OS-FLV-DISABLED:disabled': flavor['disabled'],
        'os-flavor-access:is_public': flavor['is_public'],
        'rxtx_factor': flavor['rxtx_factor'],
    })
    if extra_specs is not None and microversion.is_at_least(req, '2.61'):
        body['extra_specs'] = extra_specs
    return body


def access(flavor_id, project_ids):
    """Nova's ``{"flavor_access": [{"flavor_id", "tenant_id"}]}``."""
    return {'flavor_access': [{'flavor_id': flavor_id, 'tenant_id': project}
                              for project in project_ids]}
