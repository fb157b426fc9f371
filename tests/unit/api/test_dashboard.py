"""The dashboard's files through the API's paste pipeline: served without
a token on both auth strategies, each with the Content-Security-Policy and
the hardening headers; and its sources hold nothing that policy would
have to allow (inline scripts or styles, markup built from strings)."""

import html.parser
import os
import re

import pytest
import webob

from consolehub.api.handlers import dashboard

INDEX = os.path.join(dashboard.STATIC_DIR, 'index.html')

#: The policy with the default console proxy URLs and token sign-in.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; "
    "frame-src http://127.0.0.1:6080 http://127.0.0.1:6082 "
    "http://127.0.0.1:6083; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'")

HARDENING = {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
}

FILES = [
    ('/dashboard/', 'text/html'),
    ('/dashboard/index.html', 'text/html'),
    ('/dashboard/css/dashboard.css', 'text/css'),
    ('/dashboard/js/main.js', 'text/javascript'),
    ('/dashboard/js/views/instances.js', 'text/javascript'),
    ('/dashboard/img/icon.svg', 'image/svg+xml'),
    ('/dashboard/settings.json', 'application/json'),
]


def _get(app, path, **kwargs):
    return webob.Request.blank(path, base_url='http://10.0.0.5:8774',
                               **kwargs).get_response(app)


@pytest.mark.parametrize('strategy', ['token', 'keystone'])
@pytest.mark.parametrize('path,media_type', FILES)
def test_files_need_no_token_and_carry_the_policy(load_app, strategy, path,
                                                  media_type):
    response = _get(load_app(strategy), path)
    assert response.status_int == 200
    assert response.content_type == media_type
    assert response.headers['Content-Security-Policy'] == DEFAULT_CSP
    for name, value in HARDENING.items():
        assert response.headers[name] == value
    assert 'camera=()' in response.headers['Permissions-Policy']
    assert response.headers['Cache-Control'] == 'no-cache'
    assert response.headers['x-openstack-request-id'].startswith('req-')


def test_every_file_of_the_dashboard_is_served():
    served = set()
    for directory, _dirs, files in os.walk(dashboard.STATIC_DIR):
        for name in files:
            relative = os.path.relpath(os.path.join(directory, name),
                                       dashboard.STATIC_DIR)
            served.add('/dashboard/' + relative.replace(os.sep, '/'))
    assert served <= set(dashboard.ROUTES)


def test_index_is_the_page_and_head_has_no_body(load_app):
    app = load_app('token')
    page = _get(app, '/dashboard/')
    assert '<script type="module" src="js/main.js">' in page.text
    head = _get(app, '/dashboard/', method='HEAD')
    assert head.status_int == 200
    assert head.body == b''
    assert head.headers['Content-Security-Policy'] == DEFAULT_CSP


def test_unchanged_file_is_not_sent_again(load_app):
    app = load_app('token')
    first = _get(app, '/dashboard/js/api.js')
    again = _get(app, '/dashboard/js/api.js',
                 headers={'If-None-Match': first.headers['ETag']})
    assert again.status_int == 304
    assert again.body == b''


def test_without_slash_redirects_below(load_app):
    response = _get(load_app('token'), '/dashboard')
    assert response.status_int == 301
    assert response.location == 'http://10.0.0.5:8774/dashboard/'
    assert response.headers['X-Frame-Options'] == 'DENY'


def test_other_methods_are_405(load_app):
    response = _get(load_app('token'), '/dashboard/', method='POST')
    assert response.status_int == 405
    assert response.json['badMethod']['code'] == 405


@pytest.mark.parametrize('path', ['/dashboard/js/../index.html',
                                  '/dashboard/js/nothing.js',
                                  '/dashboard/%2e%2e/etc/api-paste.ini'])
def test_other_paths_below_need_a_token(load_app, path):
    # Only declared files are public; anything else reaches the API.
    assert _get(load_app('token'), path).status_int == 401


def test_settings_say_how_to_sign_in(load_app, conf_fixture):
    app = load_app('token')
    assert _get(app, '/dashboard/settings.json').json == {
        'auth_strategy': 'token', 'keystone_url': None,
        'poll_interval': 2.0,
        'replay_url': 'http://127.0.0.1:6080/consolehub/replay.html'}
    conf_fixture.config(keystone_url='https://id.example.org:5000/v3',
                        poll_interval=5, group='dashboard')
    response = _get(load_app('keystone'), '/dashboard/settings.json')
    assert response.json == {
        'auth_strategy': 'keystone',
        'keystone_url': 'https://id.example.org:5000/v3',
        'poll_interval': 5.0,
        'replay_url': 'http://127.0.0.1:6080/consolehub/replay.html'}
    # The page may talk to Keystone's origin, and only then.
    assert ("connect-src 'self' https://id.example.org:5000;"
            in response.headers['Content-Security-Policy'])


def test_frame_sources_follow_the_proxies(load_app, conf_fixture):
    conf_fixture.config(novncproxy_base_url='https://vnc.example.org/'
                        'vnc_lite.html', group='vnc')
    conf_fixture.config(base_url='wss://serial.example.org:6083/',
                        group='serial_console')
    policy = _get(load_app('token'), '/dashboard/').headers[
        'Content-Security-Policy']
    assert ('frame-src http://127.0.0.1:6082 https://serial.example.org:6083'
            ' https://vnc.example.org;' in policy)
    conf_fixture.config(console_origins=['https://consoles.example.org'],
                        group='dashboard')
    policy = _get(load_app('token'), '/dashboard/').headers[
        'Content-Security-Policy']
    assert 'frame-src https://consoles.example.org;' in policy


def test_disabled_dashboard_is_404(load_app, conf_fixture):
    conf_fixture.config(enabled=False, group='dashboard')
    app = load_app('token')
    for path in ('/dashboard', '/dashboard/', '/dashboard/js/main.js'):
        response = _get(app, path)
        assert response.status_int == 404
        assert 'disabled' in response.json['itemNotFound']['message']


class _InlineFinder(html.parser.HTMLParser):
    """Collects what a strict CSP would block in an HTML page."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == 'style':
            self.found.append('<style> element')
        if tag == 'script' and 'src' not in names:
            self.found.append('inline <script>')
        self._in_script = tag == 'script'
        for name in names:
            if name == 'style' or name.startswith('on'):
                self.found.append('%s attribute on <%s>' % (name, tag))

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append('script text')

    def handle_endtag(self, tag):
        self._in_script = False


def test_page_has_no_inline_script_or_style():
    finder = _InlineFinder()
    with open(INDEX) as page:
        finder.feed(page.read())
    assert finder.found == []


#: JavaScript that turns strings into markup or code.
_SINKS = re.compile(r'\.innerHTML|\.outerHTML|insertAdjacentHTML|'
                    r'document\.write|\beval\(|new Function\(|'
                    r'setAttribute\(\s*[\'"](style|on)')


def test_scripts_never_build_markup_from_strings():
    found = []
    for directory, _dirs, files in os.walk(dashboard.STATIC_DIR):
        for name in files:
            if name.endswith('.js'):
                path = os.path.join(directory, name)
                with open(path) as script:
                    for number, line in enumerate(script, 1):
                        if _SINKS.search(line):
                            found.append('%s:%d' % (name, number))
    assert found == []
