"""Nova's ``/v2.1/os-hypervisors``: one hypervisor per compute host.

A hypervisor here is a compute host's ``consolehub-compute`` service: its
id is the service's (an integer, as Nova before 2.53), its state and
status the service's, and what is used on it the sum of its live
instances. The agents do not report their hosts' capacity, so the totals
are 0 (:mod:`consolehub.api.views.hypervisors`). Administrators only;
Nova API reference, "Hypervisors".
"""

from consolehub.api import util
from consolehub.api.views import hypervisors as views
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub import policy
from consolehub.policies import hypervisors as hypervisor_policies


def _hypervisors(req, rule):
    """``[(service row, usage of its host)]`` once ``rule`` allows it."""
    context = util.request_context(req)
    policy.authorize(context, rule, {'project_id': context.project_id})
    services = util.compute_api(req).service_get_all(context)
    # Every project's instances count, whoever the administrator is.
    usage = instance_obj.usage_by_host(consolehub_context.get_admin_context())
    return [(service, usage.get(service['host'], views.NO_USAGE))
            for service in services]


def list_hypervisors(req):
    """``GET /v2.1/os-hypervisors`` -> 200 ``{"hypervisors": [{"id",
    "hypervisor_hostname", "state", "status"}]}``."""
    found = _hypervisors(req, hypervisor_policies.LIST)
    return util.json_response(req, {'hypervisors': [
        views.basic(service) for service, _usage in found]})


def list_hypervisors_detail(req):
    """``GET /v2.1/os-hypervisors/detail`` -> 200 ``{"hypervisors":
    [...]}``, each as :func:`show_hypervisor` shows it."""
    found = _hypervisors(req, hypervisor_policies.LIST_DETAIL)
    return util.json_response(req, {'hypervisors': [
        views.detail(req, service, usage) for service, usage in found]})


def show_hypervisor(req):
    """``GET /v2.1/os-hypervisors/{hypervisor_id}`` -> 200
    ``{"hypervisor": {...}}``.

    :raises HypervisorNotFound: no compute service has that id (an
        integer; any other text is not found either, as in Nova).
    """
    hypervisor_id = req.urlvars['hypervisor_id']
    for service, usage in _hypervisors(req, hypervisor_policies.SHOW):
        if str(service['id']) == hypervisor_id:
            return util.json_response(
                req, {'hypervisor': views.detail(req, service, usage)})
    raise exception.HypervisorNotFound(hypervisor_id=hypervisor_id)


def show_hypervisor_statistics(req):
    """``GET /v2.1/os-hypervisors/statistics`` -> 200
    ``{"hypervisor_statistics": {"count", "vcpus", "vcpus_used", ...}}``:
    the sums over every hypervisor (deprecated in Nova 2.88; Horizon
    still calls it)."""
    found = _hypervisors(req, hypervisor_policies.STATISTICS)
    return util.json_response(req, views.statistics(found))
