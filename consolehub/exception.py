"""Errors raised below the API; handlers turn them into ``webob.exc``."""


class ConsoleHubException(Exception):
    """Base of our errors; ``msg_fmt`` is filled from keyword arguments."""

    msg_fmt = 'An unknown error occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        super().__init__(message or self.msg_fmt % kwargs)


class NotFound(ConsoleHubException):
    msg_fmt = 'Resource could not be found.'


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class InstanceInvalidState(ConsoleHubException):
    msg_fmt = ('Instance %(instance_id)s is in status %(status)s; '
               '%(action)s needs %(expected)s.')


class InstanceBeingDeleted(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_id)s is being deleted.'


class ConsoleTypeUnavailable(ConsoleHubException):
    msg_fmt = 'Console of type %(console_type)s is not available.'


class ConsoleTypeInvalid(ConsoleHubException):
    msg_fmt = 'Invalid console type %(console_type)s.'


class NoValidHost(ConsoleHubException):
    msg_fmt = 'No compute host is up to build the instance: %(reason)s'


class HostUnavailable(ConsoleHubException):
    msg_fmt = ('Compute host %(host)s is unknown or down; it cannot take '
               'a new instance.')


class ComputeHostUnavailable(ConsoleHubException):
    msg_fmt = ('Compute host %(host)s did not answer within %(timeout)s '
               'seconds; try again later.')


class ComputeHostDown(ComputeHostUnavailable):
    msg_fmt = ('Compute host %(host)s is down: it has sent no heartbeat for '
               'more than %(down_time)s seconds; try again when it is back.')


class InvalidToken(ConsoleHubException):
    msg_fmt = 'The console token is invalid or has expired.'


class HypervisorError(ConsoleHubException):
    msg_fmt = 'The hypervisor failed: %(reason)s'


class ConsoleSessionNotFound(NotFound):
    msg_fmt = ('Console session %(session_id)s of instance %(instance_id)s '
               'could not be found.')


class PortRangeExhausted(ConsoleHubException):
    msg_fmt = 'No free TCP port is left in %(port_range)s on this host.'


class DatabaseUnavailable(ConsoleHubException):
    msg_fmt = 'The database cannot answer now: %(reason)s'
