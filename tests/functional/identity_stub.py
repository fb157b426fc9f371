"""An identity v3 endpoint on 127.0.0.1 that refuses every lookup.

The ``openstack`` CLI resolves a ``--project`` (or a project argument)
through the identity service before it calls compute. These deployments
have no Keystone; this endpoint shows an identity v3 version document
(the shape of Keystone's ``GET /v3``, Identity API v3 reference) and
answers every other request 403, as Keystone refuses a project lookup to
a token that may not make it. The CLI (osc-lib's ``find_resource``) then
takes the project id it was given as it is.

``openstack quota show`` and ``quota set`` are stricter: they call
openstacksdk's ``find_project(..., ignore_missing=False)``, which turns a
refused lookup into an error. For them the endpoint can be told project
ids to show (``GET /v3/projects/{id}``, the id as its name, in domain
``default``); every other request is still refused.
"""

import contextlib
import http.server
import json
import threading


class RefusingIdentity(http.server.BaseHTTPRequestHandler):
    """Serves ``GET /v3`` (the version document), ``GET
    /v3/projects/{id}`` for the server's ``known_projects`` and 403 to the
    rest."""

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip('/') == '/v3':
            self._answer(200, {'version': {
                'id': 'v3.14', 'status': 'stable',
                'links': [{'rel': 'self', 'href': 'http://%s/v3/' %
                           self.headers['Host']}]}})
        elif self._known_project():
            project_id = self._known_project()
            self._answer(200, {'project': {
                'id': project_id, 'name': project_id,
                'domain_id': 'default', 'enabled': True,
                'is_domain': False, 'parent_id': 'default',
                'description': '', 'tags': [], 'options': {},
                'links': {'self': 'http://%s/v3/projects/%s' % (
                    self.headers['Host'], project_id)}}})
        else:
            self._answer(403, {'error': {'code': 403, 'title': 'Forbidden',
                                         'message': 'no lookups'}})

    def _known_project(self):
        """The project id of a ``/v3/projects/{id}`` path if it is one of
        the server's ``known_projects``; else None."""
        prefix = '/v3/projects/'
        if not self.path.startswith(prefix):
            return None
        project_id = self.path[len(prefix):].rstrip('/')
        return project_id if project_id in self.server.known_projects \
            else None

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def refusing_identity(known_projects=()):
    """Serve a :class:`RefusingIdentity` on 127.0.0.1 (a free port) while
    the context lasts; yields its v3 URL (``http://127.0.0.1:PORT/v3``).

    :param known_projects: project ids (strings) it shows; none by
        default, so that every lookup is refused.
    """
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                             RefusingIdentity)
    server.known_projects = frozenset(known_projects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d/v3' % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
