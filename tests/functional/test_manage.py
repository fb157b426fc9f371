"""consolehub-manage as operators run it: schema, API tokens, images."""

import hashlib
import os
import re
import sqlite3
import subprocess

from tests.functional import servers

QEMU_IMG = '/usr/bin/qemu-img'


def test_db_sync_version_and_token_create(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    assert 'Database is at revision' in deployment.manage('db', 'sync')
    head = deployment.manage('db', 'version').strip()
    assert re.fullmatch(r'[0-9a-z_]+', head), head

    raw_tokens = [deployment.create_token('demo', 'alice', roles=['reader'])
                  for _ in range(3)]
    for raw_token in raw_tokens:
        # 64 hex digits: never a leading "-" that a command line would
        # take for an option.
        assert re.fullmatch(r'[0-9a-f]{64}', raw_token), raw_token
    assert len(set(raw_tokens)) == 3
    database = sqlite3.connect(os.path.join(str(tmp_path),
                                            'consolehub.sqlite'))
    try:
        rows = database.execute(
            'SELECT token_hash, project_id, user_id, roles '
            'FROM api_tokens').fetchall()
    finally:
        database.close()
    # Only hashes are stored.
    assert sorted(rows) == sorted(
        (hashlib.sha256(raw.encode()).hexdigest(), 'demo', 'alice', 'reader')
        for raw in raw_tokens)


def _images(tmp_path):
    database = sqlite3.connect(os.path.join(str(tmp_path),
                                            'consolehub.sqlite'))
    try:
        return database.execute(
            'SELECT uuid, name, status, visibility, owner, min_ram, '
            'deleted_at IS NULL FROM images ORDER BY id').fetchall()
    finally:
        database.close()


def test_image_import_is_idempotent_and_replaces_older_content(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    first_file = str(tmp_path / 'first.qcow2')
    subprocess.run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', first_file,
                    '64M'], check=True)
    args = ('image', 'import', '--name', 'default', '--min-ram', '128',
            '--replace')

    output = deployment.manage(*(args + (first_file,))).splitlines()
    first_id = output[-1]
    assert output[0].startswith('Imported %s as image default' % first_file)
    assert _images(tmp_path) == [
        (first_id, 'default', 'active', 'public', None, 128, 1)]
    assert os.path.exists(os.path.join(str(tmp_path), 'images', first_id))

    # The same content again: nothing changes.
    output = deployment.manage(*(args + (first_file,))).splitlines()
    assert output == ['Image default is up to date: its content is %s'
                      % first_file, first_id]
    assert len(_images(tmp_path)) == 1

    # New content: a new image, and the older one is deleted.
    second_file = str(tmp_path / 'second.qcow2')
    subprocess.run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', second_file,
                    '128M'], check=True)
    output = deployment.manage(*(args + (second_file,))).splitlines()
    second_id = output[-1]
    assert output[0] == 'Deleted the older image %s of that name' % first_id
    assert [row[1:] for row in _images(tmp_path)] == [
        ('default', 'deleted', 'public', None, 128, 0),
        ('default', 'active', 'public', None, 128, 1)]
    assert sorted(os.listdir(os.path.join(str(tmp_path), 'images'))) == [
        second_id]


def test_image_import_refuses_what_an_upload_would(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    raw_file = str(tmp_path / 'zeros.raw')
    with open(raw_file, 'wb') as out:
        out.truncate(1024 * 1024)
    process = subprocess.run(
        [os.path.join(servers.BIN_DIR, 'consolehub-manage'), '--config-file',
         deployment.config_file, 'image', 'import', '--name', 'liar',
         raw_file], capture_output=True, text=True)
    assert process.returncode == 1
    assert ('Cannot import %s: Image data is not a valid qcow2 image: its '
            'content is raw' % raw_file) in process.stderr
    assert [row[1:3] for row in _images(tmp_path)] == [('liar', 'deleted')]


def test_image_import_is_not_held_to_the_owners_image_quotas(tmp_path):
    """An administrator's import registers the image even for a project
    that may own no image and store no byte."""
    deployment = servers.Deployment(str(tmp_path), options={
        'quota': {'image_count_total': '0', 'image_size_total': '0'}})
    deployment.manage('db', 'sync')
    image_file = str(tmp_path / 'disk.qcow2')
    subprocess.run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', image_file,
                    '64M'], check=True)
    image_id = deployment.manage(
        'image', 'import', '--name', 'theirs', '--owner', 'project-a',
        '--visibility', 'private', image_file).splitlines()[-1]
    assert _images(tmp_path) == [
        (image_id, 'theirs', 'active', 'private', 'project-a', 0, 1)]
