"""Errors raised below the API, each knowing the HTTP status it means.

Every error derives from one of the classes of the first block, whose
``code`` is the status the API answers with (``consolehub.api.faults``
applies it where handlers are called); the message is ``msg_fmt`` filled
from keyword arguments. Nothing here imports HTTP code: the compute
agent and the console proxy raise the same errors.
"""


class ConsoleHubException(Exception):
    """Base of our errors; an unexpected one is a 500."""

    msg_fmt = 'An unknown error occurred.'
    code = 500
    #: Extra response headers (``{name: value}``), e.g. ``Retry-After``.
    headers = {}

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        super().__init__(message or self.msg_fmt % kwargs)


# -- the kinds of error, by the HTTP status they mean ----------------------

class Invalid(ConsoleHubException):
    """The request cannot be served as asked (400)."""
    msg_fmt = 'Invalid request.'
    code = 400


class Forbidden(ConsoleHubException):
    """The caller may not do this (403)."""
    msg_fmt = 'Forbidden.'
    code = 403


class NotFound(ConsoleHubException):
    """The resource does not exist or is not visible to the caller (404)."""
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(ConsoleHubException):
    """The resource's state does not allow this now (409)."""
    msg_fmt = 'Conflict.'
    code = 409


class NotImplementedHere(ConsoleHubException):
    """A request Nova knows that no libvirt host implements (501)."""
    msg_fmt = 'Not implemented.'
    code = 501


class ServiceUnavailable(ConsoleHubException):
    """A service behind the API cannot answer now; try again (503)."""
    msg_fmt = 'Service unavailable.'
    code = 503


# -- policy -------------------------------------------------------------------

class PolicyNotAuthorized(Forbidden):
    msg_fmt = 'Policy does not allow %(action)s to be performed.'


# -- instances ----------------------------------------------------------------

class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class MarkerNotFound(Invalid):
    msg_fmt = 'Marker %(marker)s could not be found.'


class InstanceInvalidState(Conflict):
    msg_fmt = ('Instance %(instance_id)s is in status %(status)s; '
               '%(action)s needs %(expected)s.')


class InstanceBeingDeleted(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_id)s is being deleted.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorRefInvalid(Invalid):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class NoValidHost(ConsoleHubException):
    msg_fmt = 'No compute host is up to build the instance: %(reason)s'


class HostUnavailable(Invalid):
    msg_fmt = ('Compute host %(host)s is unknown or down; it cannot take '
               'a new instance.')


class ComputeHostUnavailable(ServiceUnavailable):
    msg_fmt = ('Compute host %(host)s did not answer within %(timeout)s '
               'seconds; try again later.')


class ComputeHostDown(ComputeHostUnavailable):
    msg_fmt = ('Compute host %(host)s is down: it has sent no heartbeat for '
               'more than %(down_time)s seconds; try again when it is back.')


class HypervisorError(ConsoleHubException):
    msg_fmt = 'The hypervisor failed: %(reason)s'


class PortRangeExhausted(ConsoleHubException):
    msg_fmt = 'No free TCP port is left in %(port_range)s on this host.'


# -- quotas -------------------------------------------------------------------

class OverQuota(Forbidden):
    # Nova's TooManyInstances wording, which its API answers with 403.
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but '
               'already used %(used)s of %(allowed)s %(overs)s')


class QuotaResourceUnknown(Invalid):
    msg_fmt = 'Quota resource %(resource)s is not enforced by this service.'


class QuotaLimitInvalid(Invalid):
    msg_fmt = 'Quota limit %(limit)s for %(resource)s %(reason)s.'


class QuotaLimitBelowUsage(Invalid):
    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be greater than '
               'or equal to already used and reserved %(minimum)s.')


# -- consoles -----------------------------------------------------------------

class ConsoleTypeInvalid(Invalid):
    msg_fmt = ('Console type %(console_type)s is not valid for protocol '
               '%(protocol)s.')


class ConsoleTypeUnavailable(Invalid):
    msg_fmt = 'Console of type %(console_type)s is not available.'


class ConsoleTypeNotServed(Invalid):
    msg_fmt = 'Unavailable console type %(console_type)s.'


class ConsoleProtocolNotImplemented(NotImplementedHere):
    msg_fmt = '%(protocol)s consoles are not implemented by this service.'


class InvalidToken(NotFound):
    msg_fmt = 'The console token was not found or has expired.'


class ConsoleSessionNotFound(NotFound):
    msg_fmt = ('Console session %(session_id)s of instance %(instance_id)s '
               'could not be found.')


class DatabaseUnavailable(ServiceUnavailable):
    msg_fmt = 'The database cannot answer now: %(reason)s'
    headers = {'Retry-After': '1'}


# -- TLS ----------------------------------------------------------------------

class TLSConfigInvalid(ConsoleHubException):
    msg_fmt = 'Cannot serve TLS with %(cert)s: %(reason)s'
