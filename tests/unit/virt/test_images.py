"""Instance disks from images: the verified cache, overlays, flattening.

Real files and the real qemu-img; no hypervisor.
"""

import hashlib
import json
import os
import subprocess

import pytest

from consolehub import exception
from consolehub.virt import driver
from consolehub.virt import images

QEMU_IMG = '/usr/bin/qemu-img'
IMAGE_ID = '0b7e7a52-3a3c-4b7e-9a57-6f1c2f3e4d5a'

pytestmark = pytest.mark.skipif(not os.path.exists(QEMU_IMG),
                                reason='qemu-img is not installed')


@pytest.fixture
def paths(conf_fixture, tmp_path):
    conf_fixture.config(cache_path=str(tmp_path / '_base'), group='image')
    conf_fixture.config(instances_path=str(tmp_path / 'instances'),
                        group='compute')
    return tmp_path


def _image(tmp_path, os_hash_value=None, size_mb=64):
    path = str(tmp_path / 'store-file')
    subprocess.run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', path,
                    '%dM' % size_mb], check=True)
    with open(path, 'rb') as stored:
        data = stored.read()
    return driver.ImageSource(
        id=IMAGE_ID, path=path, disk_format='qcow2', os_hash_algo='sha512',
        os_hash_value=os_hash_value or hashlib.sha512(data).hexdigest(),
        size=len(data))


def _info(path):
    return json.loads(subprocess.run(
        [QEMU_IMG, 'info', '-U', '--output=json', path], check=True,
        capture_output=True, text=True).stdout)


def test_an_image_is_copied_once_and_verified(paths):
    image = _image(paths)
    cached = images.fetch_to_cache(image)
    assert cached == str(paths / '_base' / IMAGE_ID)
    with open(cached, 'rb') as copy, open(image.path, 'rb') as original:
        assert copy.read() == original.read()
    inode = os.stat(cached).st_ino
    assert images.fetch_to_cache(image) == cached
    assert os.stat(cached).st_ino == inode
    # The copy and the lock file of the image, no temporary file.
    assert sorted(os.listdir(str(paths / '_base'))) == [
        IMAGE_ID, 'cache-image-' + IMAGE_ID]


def test_a_copy_that_does_not_match_the_hash_is_not_cached(paths):
    image = _image(paths, os_hash_value='0' * 128)
    with pytest.raises(exception.ImageCacheError) as refused:
        images.fetch_to_cache(image)
    assert 'does not match the image' in str(refused.value)
    assert [name for name in os.listdir(str(paths / '_base'))
            if not name.startswith('cache-')] == []


def test_an_unknown_hash_algorithm_is_refused(paths):
    image = _image(paths)._replace(os_hash_algo='md5')
    with pytest.raises(exception.ImageCacheError):
        images.fetch_to_cache(image)


def test_an_instance_disk_is_an_overlay_of_the_cached_copy(paths):
    image = _image(paths)
    disk = images.create_instance_disk('instance-1', image, 2)
    assert disk == str(paths / 'instances' / 'instance-1' / 'disk')
    info = _info(disk)
    assert info['format'] == 'qcow2'
    assert info['virtual-size'] == 2 * 1024 ** 3
    assert info['backing-filename'] == str(paths / '_base' / IMAGE_ID)
    assert info['backing-filename-format'] == 'qcow2'

    flat = str(paths / 'flat.qcow2')
    images.flatten(disk, flat)
    info = _info(flat)
    assert 'backing-filename' not in info
    assert info['virtual-size'] == 2 * 1024 ** 3

    images.remove_instance_files('instance-1')
    assert not os.path.exists(str(paths / 'instances' / 'instance-1'))
    # The cached copy stays for the next instance.
    assert os.path.exists(str(paths / '_base' / IMAGE_ID))


def test_a_failed_flatten_leaves_nothing(paths):
    with pytest.raises(exception.HypervisorError):
        images.flatten(str(paths / 'missing'), str(paths / 'flat.qcow2'))
    assert not os.path.exists(str(paths / 'flat.qcow2'))
