"""Headless Chromium on consolehub's own dashboard (``/dashboard/``).

A :class:`Dashboard` does what a user does (sign in, fill a form, press
a button, confirm, open a console) and reads what the page shows (table
rows, alerts, notes), each wait bounded by a deadline; screenshots go to
the artefacts directory. :meth:`Dashboard.page_errors` tells what the
browser complained about other than the expected 404s of the probes.
"""

import io
import os

from selenium.common import exceptions as selenium_exceptions
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests import waiting

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

#: Seconds a page change may take to show.
UI_TIMEOUT = 30
#: Browser window (pixels): the instance table and a console fit.
WINDOW_SIZE = (1280, 1000)

#: Records every status each instance row shows, in order, whatever the
#: poll interval of the test: a MutationObserver on the table shown now
#: (a new one after each visit to the page).
_STATUS_RECORDER = """
if (window.statusObserver) { window.statusObserver.disconnect(); }
window.statusLog = {};
const note = (row) => {
  const name = row.querySelector('th').textContent;
  const seen = window.statusLog[name] = window.statusLog[name] || [];
  const busy = row.querySelector('progress.busy') !== null;
  const entry = row.dataset.status + (busy ? '+progress' : '');
  if (seen[seen.length - 1] !== entry) { seen.push(entry); }
};
const table = document.getElementById('instances');
document.querySelectorAll('#instances tbody tr[data-status]').forEach(note);
window.statusObserver = new MutationObserver((changes) => {
  for (const change of changes) {
    const row = change.target.closest && change.target.closest('tr');
    if (row && row.dataset.status) { note(row); }
    for (const added of change.addedNodes) {
      if (added.dataset && added.dataset.status) { note(added); }
    }
  }
}).observe(table, {subtree: true, childList: true, characterData: true,
                   attributes: true, attributeFilter: ['data-status']});
"""


def artefacts_dir():
    """``$CONSOLEHUB_TEST_ARTEFACTS/dashboard``, by default
    ``artefacts/dashboard`` in the repository (git-ignored)."""
    path = os.path.join(os.environ.get('CONSOLEHUB_TEST_ARTEFACTS',
                                       os.path.join(REPO, 'artefacts')),
                        'dashboard')
    os.makedirs(path, exist_ok=True)
    return path


def bright_fraction(png_bytes, box):
    """Share (0-1) of pixels brighter than mid-grey in ``box`` (left, top,
    right, bottom) of a PNG screenshot."""
    from PIL import Image
    image = Image.open(io.BytesIO(png_bytes)).convert('L').crop(box)
    histogram = image.histogram()
    return sum(histogram[128:]) / float(sum(histogram))


class Dashboard(object):
    """One browser on the dashboard of ``api_url``.

    :param driver: a selenium WebDriver
        (:func:`tests.functional.servers.chromium`).
    """

    def __init__(self, driver, api_url, artefacts):
        self.driver = driver
        self.url = api_url + '/dashboard/'
        self.artefacts = artefacts
        driver.set_window_size(*WINDOW_SIZE)

    # -- waiting and reading ------------------------------------------------

    def wait(self, condition, what, timeout=UI_TIMEOUT):
        """``condition()``'s first true value within ``timeout`` s; stale
        elements (the page redrew them) count as "not yet"."""
        def attempt():
            try:
                return condition()
            except (selenium_exceptions.StaleElementReferenceException,
                    selenium_exceptions.NoSuchElementException):
                return None
        return waiting.wait_for(attempt, timeout, interval=0.1,
                                message=lambda: '%s (page: %s; alerts: %s)'
                                % (what, self.driver.current_url,
                                   self.alerts()))

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        """The first displayed element matching ``css``, or None."""
        for element in self.find_all(css):
            if element.is_displayed():
                return element
        return None

    def alerts(self):
        """Texts of the visible alerts (``role=alert``)."""
        texts = []
        for element in self.find_all('[role=alert]'):
            try:
                if element.is_displayed() and element.text.strip():
                    texts.append(element.text.strip())
            except selenium_exceptions.StaleElementReferenceException:
                continue
        return texts

    def wait_alert(self, text):
        """Wait for a visible alert holding ``text``; returns its text."""
        return self.wait(lambda: next((alert for alert in self.alerts()
                                       if text in alert), None),
                         'an alert saying %r' % text)

    def heading(self):
        return self.find('main h1').text

    def screenshot(self, name):
        """Save the window as ``<name>.png`` in the artefacts; returns
        the PNG's bytes."""
        png = self.driver.get_screenshot_as_png()
        with open(os.path.join(self.artefacts, name + '.png'), 'wb') as out:
            out.write(png)
        return png

    def page_errors(self):
        """The browser's console errors since the last call: script
        errors, CSP violations, server errors. The API's 4xx answers are
        left out: the page shows those itself (and probes with 404s)."""
        return [entry['message'] for entry in self.driver.get_log('browser')
                if entry['level'] == 'SEVERE' and not (
                    entry['source'] == 'network' and
                    'with a status of 4' in entry['message'])]

    # -- doing ---------------------------------------------------------------

    def open(self):
        self.driver.get(self.url)
        self.wait(lambda: self.visible('main h1'), 'the dashboard to load')

    def sign_in(self, token):
        """Sign in with an API token; waits for the instance table."""
        self.open()
        field = self.wait(lambda: self.visible('#api-token'),
                          'the sign-in form')
        field.clear()
        field.send_keys(token, Keys.ENTER)

    def signed_in(self):
        self.wait(lambda: self.visible('#nav') and self.visible(
            '#instances'), 'the instance table after signing in')

    def sign_out(self):
        self.find('#sign-out').click()
        self.wait(lambda: self.visible('.sign-in'), 'the sign-in page')

    def go(self, fragment, ready_css):
        """Open ``#/<fragment>`` and wait until ``ready_css`` shows."""
        self.driver.execute_script('window.location.hash = arguments[0];',
                                   fragment)
        return self.wait(lambda: self.visible(ready_css),
                         '%s on %s' % (ready_css, fragment))

    def record_statuses(self):
        """Start recording the statuses every instance row shows."""
        self.driver.execute_script(_STATUS_RECORDER)

    def recorded_statuses(self, name):
        """What :meth:`record_statuses` saw of row ``name``, e.g.
        ``['BUILD+progress', 'ACTIVE']``."""
        return self.driver.execute_script(
            'return (window.statusLog || {})[arguments[0]] || [];', name)

    def row(self, name):
        """The instance table's row of ``name``, or None."""
        for row in self.find_all('#instances tbody tr[data-server-id]'):
            if row.find_element(By.CSS_SELECTOR, 'th').text == name:
                return row
        return None

    def row_status(self, name):
        row = self.row(name)
        return row.get_attribute('data-status') if row is not None else None

    def wait_row_status(self, name, status, timeout=120):
        return self.wait(lambda: self.row_status(name) == status,
                         'row %s showing %s (shows %s)' % (
                             name, status, self.row_status(name)), timeout)

    def action_button(self, key, scope='main', enabled=False):
        """The button of action ``key`` in ``scope``, once it shows (the
        tables are drawn from the API's answers, after the page opens);
        with ``enabled``, once it may be pressed (no task running)."""
        css = '%s button[data-action=%s]' % (scope, key)

        def ready():
            button = self.visible(css)
            if button is not None and (button.is_enabled() or not enabled):
                return button
            return None
        return self.wait(ready, 'the %s button%s' % (
            key, ' enabled' if enabled else ''))

    def confirm(self, accept=True):
        """Answer the confirmation dialog; returns its text."""
        dialog = self.wait(lambda: self.visible('#confirm[open]'),
                           'the confirmation dialog')
        text = dialog.find_element(By.ID, 'confirm-text').text
        self.find('#confirm-ok' if accept else '#confirm-cancel').click()
        self.wait(lambda: not self.find_all('#confirm[open]'),
                  'the dialog to close')
        return text

    def console_frame_box(self):
        """``(frame, box)``: the console iframe, scrolled to the top of
        the window, and the window box (left, top, right, bottom) of the
        guest's screen inside it (noVNC's canvas)."""
        frame = self.find('#console-frame')
        self.driver.execute_script(
            'arguments[0].scrollIntoView({block: "start"});', frame)
        outer = self.driver.execute_script(
            'const r = arguments[0].getBoundingClientRect();'
            'return [r.left + arguments[0].clientLeft,'
            ' r.top + arguments[0].clientTop];', frame)
        self.driver.switch_to.frame(frame)
        try:
            inner = self.driver.execute_script(
                "const c = document.querySelector('#screen canvas');"
                'if (!c) { return null; }'
                'const r = c.getBoundingClientRect();'
                'return [r.left, r.top, r.right, r.bottom];')
        finally:
            self.driver.switch_to.default_content()
        if inner is None:
            return frame, None
        return frame, (int(outer[0] + inner[0]), int(outer[1] + inner[1]),
                       int(outer[0] + inner[2]), int(outer[1] + inner[3]))

    def in_console_frame(self, script):
        """Run ``script`` in the console iframe; returns its value."""
        self.driver.switch_to.frame(self.find('#console-frame'))
        try:
            return self.driver.execute_script(script)
        finally:
            self.driver.switch_to.default_content()
