"""Usage reports as Nova's ``os-simple-tenant-usage`` shows them (Nova
API reference, "Usage reports"): times as Nova writes its datetimes,
``2012-10-08T21:10:44.587336``, naive UTC."""

#: How Nova's JSON writes a datetime (oslo.utils' PERFECT_TIME_FORMAT).
TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'

_TIMES = ('start', 'stop', 'started_at', 'ended_at')


def _with_times(usage):
    return {key: (value.strftime(TIME_FORMAT)
                  if key in _TIMES and value is not None else value)
            for key, value in usage.items()}


def tenant_usage(usage):
    """One project's usage (``objects.tenant_usage`` dict), its server
    usages too, with the times as text."""
    body = _with_times(usage)
    if 'server_usages' in body:
        body['server_usages'] = [_with_times(server)
                                 for server in usage['server_usages']]
    return body
