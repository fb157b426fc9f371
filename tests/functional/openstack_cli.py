"""The ``openstack`` command line against a test deployment of consolehub.

Shared by the OpenStack client tests (test_openstack_clients*.py).
"""

import json
import os
import subprocess

from tests.functional import servers


def compute_endpoint(deployment):
    """The deployment's Nova-compatible endpoint (``.../v2.1``)."""
    return deployment.api_url + '/v2.1'


def run(deployment, *args, token=None, identity_endpoint=None, timeout=120):
    """Run ``openstack ARGS`` with admin_token auth (the deployment's
    member token unless ``token``); returns the completed process.

    :param identity_endpoint: for commands that look a project up, the
        URL of an identity endpoint (tests/functional/identity_stub.py);
        by default the compute endpoint, since "server list" insists on
        an identity v3 proxy though it calls no identity API (without it
        the SDK would take our compute endpoint for identity v2).
    :param timeout: seconds the command may take.
    """
    endpoint = compute_endpoint(deployment)
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'HOME': deployment.state_path,
           'OS_IDENTITY_API_VERSION': '3',
           'OS_IDENTITY_ENDPOINT_OVERRIDE': identity_endpoint or endpoint}
    return subprocess.run(
        [os.path.join(servers.BIN_DIR, 'openstack'),
         '--os-auth-type', 'admin_token', '--os-endpoint', endpoint,
         '--os-token=' + (token or deployment.member_token)] + list(args),
        env=env, capture_output=True, text=True, timeout=timeout)


def run_ok(deployment, *args, **kwargs):
    """:func:`run`, asserting it succeeded; returns its standard output."""
    process = run(deployment, *args, **kwargs)
    assert process.returncode == 0, process.stderr
    return process.stdout


def run_json(deployment, *args, **kwargs):
    """:func:`run_ok` with ``-f json``; returns the decoded output."""
    return json.loads(run_ok(deployment, *(list(args) + ['-f', 'json']),
                             **kwargs))
