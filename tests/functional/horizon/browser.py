"""Headless Chromium on Horizon: log in, open a page, tell what went wrong.

A :class:`Page` is one thing a user opens; :meth:`Browser.visit` opens it
and waits until the page is quiet (the document loaded, no jQuery or
AngularJS request outstanding and no new request in consolehub's access
log for :data:`QUIET_SECONDS`), then returns a :class:`Visit`: the page's HTTP
status, Horizon's error messages (``.alert-danger``: Django messages and
AngularJS toasts), whether Horizon showed its "Server error" page, the
dashboard's own XHRs and consolehub's requests, and a screenshot.
"""

import json
import os
import re
import time
import urllib.parse

from selenium.common import exceptions as selenium_exceptions
from selenium.webdriver.common.by import By

#: Seconds a page may take to load and to become quiet.
PAGE_TIMEOUT = 60
#: Seconds a page must stay quiet to count as done.
QUIET_SECONDS = 0.5
#: What Horizon 27 says in any cloud without Neutron, whatever its
#: settings: Launch Instance always lists security groups through Neutron.
NO_NEUTRON = ('Unable to retrieve the security groups.',)
#: Browser window (pixels): Horizon's tables fit without scrolling.
WINDOW_SIZE = (1400, 1000)

_QUIET_SCRIPT = """
if (document.readyState !== 'complete') { return false; }
if (window.jQuery && window.jQuery.active > 0) { return false; }
if (window.angular) {
  var injector = window.angular.element(document.body).injector();
  if (injector && injector.get('$http').pendingRequests.length > 0) {
    return false;
  }
}
return true;
"""

_XHR_SCRIPT = """
return performance.getEntriesByType('resource').filter(function (e) {
  return e.initiatorType === 'xmlhttprequest' || e.initiatorType === 'fetch';
}).map(function (e) { return [e.name, e.responseStatus]; });
"""

#: The text of a cell of a Horizon table: arguments table name, row object
#: id, column header text.
_CELL_SCRIPT = """
var table = document.getElementById(arguments[0]);
var row = table && table.querySelector(
  'tbody tr[data-object-id="' + arguments[1] + '"]');
if (!row) { return null; }
var headers = table.querySelectorAll('thead tr:last-child th');
for (var i = 0; i < headers.length; i++) {
  if (headers[i].textContent.trim() === arguments[2]) {
    return row.cells[i].textContent.trim();
  }
}
return null;
"""


class Page(object):
    """A page of Horizon, as one user sees it.

    Paths and selectors may hold ``{instance_id}``, filled in by
    :meth:`Browser.visit`.

    :param name: what Horizon's menus call it, e.g. ``Project > Compute >
        Instances``.
    :param path: its URL path.
    :param user: ``demo`` or ``admin``.
    :param click: CSS selector of a button to press once the page is
        quiet; the visit then reports what the press caused.
    :param expect_css: CSS selector of an element the page must show.
    :param expect_frame_text: ``(iframe CSS selector, text)``: the frame's
        ``#status`` element must come to read ``text`` (noVNC's status bar).
    :param error_texts: texts that mean failure when on the page (Horizon
        shows some failures in place, not as a message).
    :param tolerate: substrings of error messages that do not count: what
        Horizon says in any cloud without Neutron, with no setting to stop
        it (see test_horizon).
    """

    def __init__(self, name, path, user, click=None, expect_css=None,
                 expect_frame_text=None, error_texts=(), tolerate=()):
        self.name = name
        self.path = path
        self.user = user
        self.click = click
        self.expect_css = expect_css
        self.expect_frame_text = expect_frame_text
        self.error_texts = tuple(error_texts)
        self.tolerate = tuple(tolerate)

    @property
    def slug(self):
        """``name`` as a file name and test id."""
        return re.sub(r'[^a-z0-9]+', '-', self.name.lower()).strip('-')

    def tolerated(self, message):
        return any(part in message for part in self.tolerate)


class Visit(object):
    """What one :meth:`Browser.visit` saw.

    :ivar url: the URL opened.
    :ivar final_url: the URL shown at the end (after redirects).
    :ivar status: the page's HTTP status (int).
    :ivar title: the document's title.
    :ivar messages: texts of the visible ``.alert-danger`` messages.
    :ivar server_error: whether Horizon's "Server error" page showed.
    :ivar unmet: the page's expectations that failed (str each).
    :ivar api_calls: consolehub's ``(method, path, status)`` requests.
    :ivar dashboard_calls: the page's XHRs, ``(path, status)``.
    :ivar screenshot: the PNG file's path.
    """

    def __init__(self, page, url):
        self.page = page
        self.url = url
        self.final_url = None
        self.status = None
        self.title = None
        self.messages = []
        self.server_error = False
        self.unmet = []
        self.api_calls = []
        self.dashboard_calls = []
        self.screenshot = None

    @property
    def logged_out(self):
        return urllib.parse.urlsplit(self.final_url or '').path.startswith(
            '/auth/login')

    @property
    def errors(self):
        """Error messages that count."""
        return [text for text in self.messages
                if not self.page.tolerated(text)]

    @property
    def tolerated(self):
        """Error messages the page tolerates."""
        return [text for text in self.messages if self.page.tolerated(text)]

    def problems(self):
        """Why this page counts as broken: a list of str, empty if OK."""
        found = []
        if self.server_error:
            found.append('server error page (HTTP %s)' % self.status)
        elif self.status is None or self.status >= 400:
            found.append('HTTP %s' % self.status)
        if self.logged_out:
            found.append('sent back to the login page')
        found.extend('error message: %s' % text for text in self.errors)
        found.extend(self.unmet)
        return found

    def failed_api_calls(self):
        """consolehub's answers of 400 and above."""
        return [call for call in self.api_calls if call[2] >= 400]

    def as_dict(self):
        return {
            'page': self.page.name, 'user': self.page.user,
            'url': self.url, 'final_url': self.final_url,
            'status': self.status, 'title': self.title,
            'messages': self.messages, 'tolerated': self.tolerated,
            'server_error': self.server_error, 'unmet': self.unmet,
            'problems': self.problems(), 'api_calls': self.api_calls,
            'dashboard_calls': self.dashboard_calls,
            'screenshot': self.screenshot,
        }


class Browser(object):
    """A Chromium WebDriver logged into Horizon as one user at a time.

    :param driver: a selenium WebDriver (see
        :func:`tests.functional.servers.chromium`).
    :param cloud: the :class:`harness.Cloud`.
    :param artefacts_dir: where screenshots go.
    """

    def __init__(self, driver, cloud, artefacts_dir):
        self.driver = driver
        self.driver.set_page_load_timeout(PAGE_TIMEOUT)
        self.driver.set_window_size(*WINDOW_SIZE)
        self.cloud = cloud
        self.base_url = cloud.dashboard.url
        self.artefacts_dir = artefacts_dir
        self.user = None

    def login(self, user):
        """Log in as ``user`` (a name in ``cloud.users``), logging out
        whoever is logged in first.

        :raises AssertionError: if Horizon does not let the user in.
        """
        if self.user is not None:
            # Horizon logs out on POST only; a new session does as well.
            self.driver.delete_all_cookies()
            self.user = None
        credentials = self.cloud.users[user]
        self.driver.get(self.base_url + '/auth/login/')
        self.driver.find_element(By.ID, 'id_username').send_keys(
            credentials.name)
        self.driver.find_element(By.ID, 'id_password').send_keys(
            credentials.password)
        self.driver.find_element(By.ID, 'loginBtn').click()
        self.wait_until(
            lambda: not urllib.parse.urlsplit(
                self.driver.current_url).path.startswith('/auth/'),
            'Horizon to let %s in (%s)' % (user, self.alert_texts()))
        self.user = user

    def visit(self, page, instance_id=None):
        """Open ``page`` as its user; returns a :class:`Visit`."""
        if self.user != page.user:
            self.login(page.user)

        def fill(text):
            return text.format(instance_id=instance_id)

        visit = Visit(page, self.base_url + fill(page.path))
        mark = self.cloud.access_log.mark()
        self.driver.get(visit.url)
        self.wait_quiet(mark)
        if page.click:
            mark = self.cloud.access_log.mark()
            self.driver.execute_script('performance.clearResourceTimings()')
            buttons = self.driver.find_elements(By.CSS_SELECTOR,
                                                fill(page.click))
            if buttons:
                buttons[0].click()
                self.wait_quiet(mark)
            else:
                visit.unmet.append('no %s to click' % fill(page.click))
        visit.final_url = self.driver.current_url
        visit.status, visit.title, text = self.driver.execute_script(
            "return [performance.getEntriesByType('navigation')[0]"
            ".responseStatus, document.title, document.body.innerText];")
        visit.server_error = (visit.title.startswith('Server error')
                              or visit.status >= 500)
        visit.messages = self.alert_texts()
        visit.unmet.extend('the page says %r' % error for error in
                           page.error_texts if error in text)
        if page.expect_css and not self.driver.find_elements(
                By.CSS_SELECTOR, fill(page.expect_css)):
            visit.unmet.append('nothing matches %s' % fill(page.expect_css))
        if page.expect_frame_text:
            visit.unmet.extend(self._check_frame(*page.expect_frame_text))
        visit.api_calls = self.cloud.access_log.since(mark)
        visit.dashboard_calls = [
            (urllib.parse.urlsplit(name).path, status)
            for name, status in self.driver.execute_script(_XHR_SCRIPT)]
        visit.screenshot = self.screenshot(page.slug)
        if visit.logged_out:
            self.user = None
        return visit

    def open(self, path, user):
        """Open ``path`` as ``user`` (a name in ``cloud.users``) and wait
        until the page is quiet."""
        if self.user != user:
            self.login(user)
        self.load(lambda: self.driver.get(self.base_url + path))

    def load(self, navigate, tolerate=()):
        """Call ``navigate`` (it leads to a new document: a link, a form
        submitted), wait for the new document to be quiet; returns
        consolehub's requests meanwhile (``(method, path, status)``).

        :raises AssertionError: if an error message other than those
            holding a text of ``tolerate`` shows before the new document.
        """
        mark = self.cloud.access_log.mark()
        old = self.driver.find_element(By.TAG_NAME, 'html')
        navigate()

        def loaded_or_failed():
            if _stale(old):
                return True
            try:
                errors = [text for text in self.alert_texts()
                          if not any(part in text for part in tolerate)]
            except selenium_exceptions.StaleElementReferenceException:
                return True
            assert not errors, 'Horizon says %s; consolehub answered %s' % (
                errors, self.cloud.access_log.since(mark))
            return False

        self.wait_until(loaded_or_failed, 'a new page')
        self.wait_quiet(mark)
        return self.cloud.access_log.since(mark)

    def screenshot(self, name):
        """Save the window as ``<name>.png`` in the artefacts directory;
        returns its path."""
        path = os.path.join(self.artefacts_dir, name + '.png')
        self.driver.save_screenshot(path)
        return path

    def visible(self, selector):
        """The first displayed element matching CSS ``selector``, or
        None."""
        for element in self.driver.find_elements(By.CSS_SELECTOR, selector):
            try:
                if element.is_displayed():
                    return element
            except selenium_exceptions.StaleElementReferenceException:
                continue
        return None

    def table_cell(self, table, object_id, column):
        """The text of the cell of column ``column`` (its header's text)
        in the row of ``object_id`` of Horizon's table ``table`` (its
        ``name``); None if the row is not there."""
        return self.driver.execute_script(_CELL_SCRIPT, table, object_id,
                                          column)

    def row_action(self, table, object_id, action, confirm):
        """Press the row action ``action`` (its ``name``) of ``object_id``
        in Horizon's table ``table``, opening the row's menu first if the
        action is in it; with ``confirm``, confirm in the dialog Horizon
        opens (it asks before the actions it styles as dangerous). Waits
        for the page the form's submission leads to; returns consolehub's
        requests meanwhile.

        :raises AssertionError: if the row offers no such action or no
            confirmation dialog opens.
        """
        button = self.driver.find_elements(
            By.CSS_SELECTOR, 'button[value="%s__%s__%s"]' % (
                table, action, object_id))
        assert button, 'the row of %s offers no %s' % (object_id, action)
        if not button[0].is_displayed():
            self.driver.find_element(
                By.CSS_SELECTOR, '#%s tr[data-object-id="%s"] '
                '.dropdown-toggle' % (table, object_id)).click()
        if not confirm:
            return self.load(button[0].click)
        button[0].click()
        dialog_button = self.wait_until(
            lambda: self.visible('#modal_wrapper .modal .modal-footer '
                                 'a.btn:not(.cancel)'),
            'the dialog confirming %s' % action)
        return self.load(dialog_button.click)

    def _check_frame(self, selector, expected):
        """Wait until the ``#status`` of the frame ``selector`` starts with
        ``expected``; returns what went wrong (a list of str)."""
        frames = self.driver.find_elements(By.CSS_SELECTOR, selector)
        if not frames:
            return ['nothing matches %s' % selector]
        self.driver.switch_to.frame(frames[0])
        state = {'status': None}

        def status_reads_expected():
            state['status'] = self.driver.execute_script(
                "var s = document.getElementById('status');"
                "return s ? s.textContent : null;")
            return (state['status'] or '').startswith(expected)

        try:
            self.wait_until(status_reads_expected,
                            '%r in %s' % (expected, selector))
            return []
        except AssertionError:
            return ['%s says %r, not %r' % (selector, state['status'],
                                            expected)]
        finally:
            self.driver.switch_to.default_content()

    def alert_texts(self):
        """Visible ``.alert-danger`` texts, the collapsed details
        included, whitespace squeezed."""
        texts = []
        for element in self.driver.find_elements(By.CSS_SELECTOR,
                                                 '.alert-danger'):
            try:
                if element.is_displayed():
                    texts.append(' '.join(
                        element.get_attribute('textContent').split()))
            except selenium_exceptions.StaleElementReferenceException:
                continue
        return texts

    def wait_quiet(self, mark):
        """Wait until the page is quiet for :data:`QUIET_SECONDS`: no
        request outstanding in the page and none new in consolehub's access
        log since ``mark``.

        :raises AssertionError: after :data:`PAGE_TIMEOUT` seconds.
        """
        state = {'since': None, 'requests': None}

        def quiet():
            requests = len(self.cloud.access_log.since(mark))
            if (not self.driver.execute_script(_QUIET_SCRIPT)
                    or requests != state['requests']):
                state['since'] = None
                state['requests'] = requests
                return False
            if state['since'] is None:
                state['since'] = time.monotonic()
            return time.monotonic() - state['since'] >= QUIET_SECONDS

        self.wait_until(quiet, 'the page to finish loading')

    def wait_until(self, condition, what, timeout=PAGE_TIMEOUT):
        """Poll ``condition`` (a callable) every tenth of a second until it
        returns something true; returns that.

        :raises AssertionError: after ``timeout`` seconds, naming ``what``
            was awaited.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError('waited %ss for %s (at %s)' % (
                    timeout, what, self.driver.current_url))
            time.sleep(0.1)


def _stale(element):
    """Whether ``element`` is gone with the document it was in."""
    try:
        element.tag_name
    except selenium_exceptions.StaleElementReferenceException:
        return True
    return False


def write_report(visits, directory):
    """``pages.json`` and ``pages.md`` (a table) of ``visits`` in
    ``directory``; returns the Markdown's path."""
    with open(os.path.join(directory, 'pages.json'), 'w') as out:
        json.dump([visit.as_dict() for visit in visits], out, indent=2)

    def cell(lines):
        return '<br>'.join(line.replace('|', '\\|') for line in lines) or '-'

    lines = ['| Page | User | HTTP | Result | consolehub calls that failed '
             '| What the user sees |',
             '|---|---|---|---|---|---|']
    for visit in visits:
        problems = visit.problems()
        seen = problems + ['tolerated: %s' % text
                           for text in visit.tolerated]
        lines.append('| %s | %s | %s | %s | %s | %s |' % (
            visit.page.name, visit.page.user, visit.status,
            'error' if problems else 'OK',
            cell('`%s %s` %s' % call for call in visit.failed_api_calls()),
            cell(seen)))
    path = os.path.join(directory, 'pages.md')
    with open(path, 'w') as out:
        out.write('\n'.join(lines) + '\n')
    return path
