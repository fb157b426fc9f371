"""The smallest useful WSGI application: the baseline of API throughput.

bench.production serves it under the same uwsgi settings as the API
(``etc/uwsgi/consolehub-api.ini`` with only ``module`` changed) to show
what uwsgi itself costs on this machine.
"""

BODY = b'{"instance": {"id": "00000000-0000-0000-0000-000000000000"}}'


def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(BODY)))])
    return [BODY]
