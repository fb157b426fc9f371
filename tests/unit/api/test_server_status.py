"""Nova's server status while an instance is in a task."""

import pytest

from consolehub.api.views import servers as server_views


@pytest.mark.parametrize('status, task, shown', [
    ('ACTIVE', None, 'ACTIVE'),
    ('ACTIVE', 'rebooting', 'REBOOT'),
    ('ACTIVE', 'reboot_started', 'REBOOT'),
    ('ACTIVE', 'reboot_pending_hard', 'HARD_REBOOT'),
    ('ACTIVE', 'powering-off', 'ACTIVE'),
    ('SHUTOFF', 'powering-on', 'SHUTOFF'),
    ('SHUTOFF', 'rebooting_hard', 'SHUTOFF'),
    ('ERROR', 'rebooting_hard', 'ERROR'),
])
def test_nova_server_status(status, task, shown):
    assert server_views.server_status(
        {'status': status, 'task_state': task}) == shown
