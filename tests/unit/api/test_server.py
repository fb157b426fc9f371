"""The API's HTTP server: serves, bounds headers, stops cleanly."""

import socket
import threading

import requests

from consolehub.api import server


def _app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'pong']


def test_serves_and_stops():
    service = server.WSGIService(_app, '127.0.0.1', 0, 2)
    service.start()
    try:
        response = requests.get('http://127.0.0.1:%d/' % service.port,
                                timeout=10)
        assert response.status_code == 200
        assert response.text == 'pong'
        assert response.headers['Server'] == 'consolehub'
    finally:
        service.stop()
    assert not any(thread.name == 'api-server' and thread.is_alive()
                   for thread in threading.enumerate())
    with socket.socket() as probe:
        assert probe.connect_ex(('127.0.0.1', service.port)) != 0


def test_headers_past_the_limit_are_a_431():
    service = server.WSGIService(_app, '127.0.0.1', 0, 1,
                                 max_header_size=2048)
    service.start()
    try:
        refused = requests.get('http://127.0.0.1:%d/' % service.port,
                               headers={'X-Big': 'a' * 4096}, timeout=10)
        fits = requests.get('http://127.0.0.1:%d/' % service.port,
                            headers={'X-Small': 'a' * 1024}, timeout=10)
    finally:
        service.stop()
    assert refused.status_code == 431
    assert fits.status_code == 200
