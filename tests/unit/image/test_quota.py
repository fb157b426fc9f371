"""Image quotas: ``image_count_total`` at create, ``image_size_total``
before, during and at the end of an upload (consolehub.image.api)."""

import os
import threading

import pytest

from consolehub.conf import CONF
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import quota

MiB = 1024 * 1024
#: Seconds a test waits for the upload it runs in a thread.
JOIN_TIMEOUT = 30


class Chunks(object):
    """A chunked request body: ``read(size)`` gives ``total`` zero bytes
    in pieces of at most ``size``, and counts what was read."""

    def __init__(self, total):
        self.left = total
        self.read_bytes = 0

    def read(self, size):
        size = min(size, self.left)
        self.left -= size
        self.read_bytes += size
        return b'\0' * size


class HeldChunks(Chunks):
    """Like :class:`Chunks`, but the read of the last bytes waits until
    ``release`` is set, after setting ``reached_end``: an upload held
    before it ends."""

    def __init__(self, total):
        super().__init__(total)
        self.reached_end = threading.Event()
        self.release = threading.Event()

    def read(self, size):
        if size >= self.left:
            self.reached_end.set()
            assert self.release.wait(JOIN_TIMEOUT)
        return super().read(size)


def _raw_image(context, name='disk'):
    return image_api.create(context, {
        'name': name, 'disk_format': 'raw', 'container_format': 'bare'}, {})


def _store_files():
    if not os.path.isdir(CONF.image.store_path):
        return []
    return sorted(os.listdir(CONF.image.store_path))


def test_count_total_refuses_the_image_over_the_limit(
        database, project_a, project_b, conf_fixture):
    conf_fixture.config(image_count_total=2, group='quota')
    first = _raw_image(project_a, 'first')
    _raw_image(project_a, 'second')
    with pytest.raises(exception.ImageQuotaExceeded) as raised:
        _raw_image(project_a, 'third')
    assert raised.value.code == 413
    assert str(raised.value).endswith(
        'Project project-a is over a limit for [Resource '
        'image_count_total is over limit of 2 due to current usage 2 and '
        'delta 1]')
    # Another project has its own count; a deleted image counts no more.
    _raw_image(project_b)
    image_api.delete(project_a, first['uuid'])
    assert _raw_image(project_a, 'third')['status'] == 'queued'


def test_an_administrators_tool_is_not_limited(database, admin, conf_fixture):
    conf_fixture.config(image_count_total=0, image_size_total=0,
                        group='quota')
    image = image_api.create(admin, {
        'name': 'default', 'disk_format': 'raw', 'container_format': 'bare',
        'owner': 'project-a'}, {}, enforce_quota=False)
    image = image_api.upload(admin, image['uuid'], Chunks(MiB), MiB,
                             enforce_quota=False)
    assert image['status'] == 'active'
    assert quota.get_usage(admin, 'project-a', [
        'image_count_total', 'image_size_total']) == {
            'image_count_total': 1, 'image_size_total': 1}


def test_unlimited_is_never_exceeded(database, project_a, conf_fixture):
    conf_fixture.config(image_count_total=-1, image_size_total=-1,
                        group='quota')
    for number in range(3):
        image = _raw_image(project_a, 'image-%d' % number)
        image_api.upload(project_a, image['uuid'], Chunks(2 * MiB), None)
    assert image_api.usage(project_a, 'project-a')['image_size_total'] == (
        -1, 6)


def test_a_known_length_over_the_limit_is_refused_before_reading(
        database, project_a, conf_fixture):
    conf_fixture.config(image_size_total=1, group='quota')
    image = _raw_image(project_a)
    body = Chunks(MiB + 1)
    with pytest.raises(exception.ImageQuotaExceeded) as raised:
        image_api.upload(project_a, image['uuid'], body, MiB + 1)
    assert str(raised.value).endswith(
        '[Resource image_size_total is over limit of 1 due to current '
        'usage 0 and delta 2]')
    assert body.read_bytes == 0
    assert image_api.get(project_a, image['uuid'])['status'] == 'queued'
    assert _store_files() == []


def test_a_chunked_upload_stops_once_it_passes_the_limit(
        database, project_a, conf_fixture):
    conf_fixture.config(image_size_total=2, group='quota')
    stored = _raw_image(project_a, 'stored')
    image_api.upload(project_a, stored['uuid'], Chunks(MiB), MiB)
    image = _raw_image(project_a)
    body = Chunks(100 * MiB)
    with pytest.raises(exception.ImageQuotaExceeded):
        image_api.upload(project_a, image['uuid'], body, None)
    # Stopped soon after the room (1 MiB) was passed, not at the end.
    assert MiB < body.read_bytes <= 3 * MiB
    assert image_api.get(project_a, image['uuid'])['status'] == 'queued'
    assert _store_files() == [stored['uuid']]
    # What fits the room exactly is accepted.
    image = image_api.upload(project_a, image['uuid'], Chunks(MiB), None)
    assert image['status'] == 'active' and image['size'] == MiB


def test_uploads_that_together_pass_the_limit_store_only_one(
        database, project_a, conf_fixture):
    """Both uploads fit when they start; the one that ends second would
    pass the limit and is refused at its end, leaving nothing stored."""
    conf_fixture.config(image_size_total=1, group='quota')
    held_image = _raw_image(project_a, 'held')
    other_image = _raw_image(project_a, 'other')
    held = HeldChunks(MiB * 3 // 4)
    outcome = []

    def upload_held():
        try:
            image_api.upload(project_a, held_image['uuid'], held,
                             MiB * 3 // 4)
            outcome.append('stored')
        except exception.ImageQuotaExceeded as error:
            outcome.append(str(error))

    thread = threading.Thread(target=upload_held)
    thread.start()
    try:
        assert held.reached_end.wait(JOIN_TIMEOUT)
        image_api.upload(project_a, other_image['uuid'],
                         Chunks(MiB * 3 // 4), MiB * 3 // 4)
    finally:
        held.release.set()
        thread.join(JOIN_TIMEOUT)
    assert len(outcome) == 1 and outcome[0].endswith(
        '[Resource image_size_total is over limit of 1 due to current '
        'usage 1 and delta 1]')
    assert image_api.get(project_a, held_image['uuid'])['status'] == 'queued'
    assert _store_files() == [other_image['uuid']]


def test_usage_shows_glances_four_names(database, project_a, conf_fixture):
    conf_fixture.config(image_count_total=5, group='quota')
    image = _raw_image(project_a)
    image_api.upload(project_a, image['uuid'], Chunks(3 * MiB // 2), None)
    _raw_image(project_a, 'queued')
    assert image_api.usage(project_a, 'project-a') == {
        'image_size_total': (10240, 1),
        'image_count_total': (5, 2),
        'image_stage_total': (-1, 0),
        'image_count_uploading': (-1, 0),
    }
