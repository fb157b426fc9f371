"""Images: create to prompt, upload speed, and the image cache.

Starts ``consolehub-all`` (SQLite, embedded QEMU under TCG, serial
consoles on) in a temporary directory, with an API token for a member.

1. Create -> prompt: imports the default image (built by
   ``tools/build-default-image.sh``, cached in ``.cache/images``), then
   ``--boots`` times: ``POST /v2.1/servers`` (``ch.tiny``), poll until
   ACTIVE, open the serial console through the proxy and press Enter
   every 0.2 s until the shell prompt comes back; reports the seconds
   from the POST to ACTIVE and to the prompt (median, max), then deletes
   the server and waits until it is gone.
2. A large image (``--large-mib``, 1024 by default): the default image as
   a raw disk followed by random bytes (so nothing compresses or is
   sparse), uploaded with ``PUT .../file`` by curl (Content-Length);
   MB/s beside ``cp`` of the same file in the same directory, with and
   without an fsync of the copy (the upload fsyncs before it answers),
   and the CPU seconds per GB ``consolehub-all`` spent on the upload
   (``/proc/PID/stat``): a figure less at the mercy of other load.
   Then two servers of it one after the other: seconds from the POST to
   ACTIVE for the first (the host copies and hashes the image into its
   cache) and the second (only a copy-on-write overlay is made).

Run from the repository root::

    python -m bench.images [--boots 10] [--large-mib 1024]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from tests.functional import guest_shell
from tests.functional import qemu_guest
from tests.functional import servers

MiB = 1024 * 1024


def _deployment_options(serial_port):
    low = 30000 + os.getpid() % 10000
    return {'serial_console': {
        'enabled': 'true', 'serialproxy_port': str(serial_port),
        'base_url': 'ws://127.0.0.1:%d/' % serial_port,
        'port_range': '%d:%d' % (low, low + 100)}}


def _upload(api, name, path, disk_format, min_ram=0):
    """Create and upload an image with curl (a client that does not
    limit the speed, unlike requests' 8 KiB writes); returns (its id,
    upload seconds)."""
    response = api.request('POST', '/image/v2/images', json={
        'name': name, 'disk_format': disk_format,
        'container_format': 'bare', 'min_ram': min_ram})
    assert response.status_code == 201, response.text
    image_id = response.json()['id']
    started = time.monotonic()
    status = subprocess.run(
        ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-T', path,
         '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:',
         '-H', 'X-Auth-Token: ' + api.session.headers['X-Auth-Token'],
         '%s/image/v2/images/%s/file' % (api.base_url, image_id)],
        check=True, capture_output=True, text=True).stdout
    elapsed = time.monotonic() - started
    assert status == '204', status
    return image_id, elapsed


def cpu_seconds(pid):
    """User + system CPU seconds of process ``pid`` and its threads
    (``/proc/PID/stat`` fields 14 and 15, in clock ticks)."""
    with open('/proc/%d/stat' % pid) as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _create(api, name, image_id):
    """POST a ch.tiny server; returns (its id, the monotonic start)."""
    started = time.monotonic()
    response = api.request('POST', '/v2.1/servers', json={'server': {
        'name': name, 'flavorRef': '1', 'imageRef': image_id}})
    assert response.status_code == 202, response.text
    return response.json()['server']['id'], started


def _wait_active(api, server_id, timeout=600):
    api.wait_for_status(server_id, 'ACTIVE', timeout)


def _delete(api, server_id):
    response = api.request('DELETE', '/v2.1/servers/' + server_id)
    assert response.status_code == 204, response.text


def create_to_prompt(api, image_id, boots):
    """Seconds to ACTIVE and to the serial prompt, per boot."""
    to_active, to_prompt = [], []
    for number in range(boots):
        server_id, started = _create(api, 'bench-%d' % number, image_id)
        _wait_active(api, server_id)
        to_active.append(time.monotonic() - started)
        with guest_shell.SerialShell(guest_shell.serial_url(
                api, server_id)) as shell:
            shell.prompt(600, poke_interval=0.2)
        to_prompt.append(time.monotonic() - started)
        _delete(api, server_id)
    return to_active, to_prompt


def make_large_image(default_image, path, size):
    """The default image as a raw disk, then random bytes to ``size``."""
    subprocess.run([qemu_guest.QEMU_IMG, 'convert', '-q', '-f', 'qcow2',
                    '-O', 'raw', default_image, path], check=True)
    with open(path, 'ab') as out:
        while out.tell() < size:
            out.write(os.urandom(min(8 * MiB, size - out.tell())))


def timed_copy(path, target, fsync):
    started = time.monotonic()
    subprocess.run(['cp', path, target], check=True)
    if fsync:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    elapsed = time.monotonic() - started
    os.unlink(target)
    return elapsed


def _summary(values):
    return 'median %.2f s, max %.2f s' % (statistics.median(values),
                                          max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--boots', type=int, default=10)
    parser.add_argument('--large-mib', type=int, default=1024)
    args = parser.parse_args()
    build = qemu_guest.build_default_image()
    assert build.returncode == 0, build.stderr
    with tempfile.TemporaryDirectory(prefix='bench-images-') as work:
        state_path = os.path.join(work, 'state')
        os.mkdir(state_path)
        serial_port = servers.free_port()
        with servers.all_in_one(state_path,
                                _deployment_options(serial_port),
                                (serial_port,)) as deployment:
            api = servers.ApiClient(deployment.api_url,
                                    deployment.create_token('bench', 'b'))
            # A connection idle for the length of a boot outlives the
            # server's keep-alive; a new one per request is never stale.
            api.session.headers['Connection'] = 'close'
            image_id, _ = _upload(api, 'default', qemu_guest.DEFAULT_IMAGE,
                                  'qcow2', 128)
            to_active, to_prompt = create_to_prompt(api, image_id,
                                                    args.boots)
            print('create -> ACTIVE over %d servers: %s'
                  % (args.boots, _summary(to_active)))
            print('create -> serial prompt over %d servers: %s'
                  % (args.boots, _summary(to_prompt)))

            large = os.path.join(work, 'large.raw')
            size = args.large_mib * MiB
            make_large_image(qemu_guest.DEFAULT_IMAGE, large, size)
            copy = timed_copy(large, os.path.join(work, 'copy'), False)
            copy_fsync = timed_copy(large, os.path.join(work, 'copy'), True)
            server_pid = deployment.processes[0].pid
            cpu_before = cpu_seconds(server_pid)
            large_id, upload = _upload(api, 'large', large, 'raw')
            cpu = cpu_seconds(server_pid) - cpu_before
            print('%d MiB: upload %.0f MB/s (%.2f s; the server used %.2f '
                  'CPU s per GB); cp %.0f MB/s, cp + fsync %.0f MB/s' % (
                      args.large_mib, size / upload / 1e6, upload,
                      cpu / (size / 1e9), size / copy / 1e6,
                      size / copy_fsync / 1e6))
            made = []
            for label in ('first', 'second'):
                server_id, started = _create(api, 'large-' + label,
                                             large_id)
                _wait_active(api, server_id)
                print('%d MiB image, %s server: create -> ACTIVE %.2f s'
                      % (args.large_mib, label, time.monotonic() - started))
                made.append(server_id)
            for server_id in made:
                _delete(api, server_id)
        shutil.rmtree(state_path, ignore_errors=True)
    print('load average at the end: %.2f %.2f %.2f' % os.getloadavg())


if __name__ == '__main__':
    main()
