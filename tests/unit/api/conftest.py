"""Fixtures shared by the API unit tests."""

import os

import pytest

from consolehub import rpc
from consolehub.api import deploy

PASTE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'etc',
                     'api-paste.ini')

#: The Keystone a ``keystone`` pipeline names in WWW-Authenticate.
KEYSTONE_URI = 'http://127.0.0.1:5000/v3'


@pytest.fixture
def load_app(database, conf_fixture):
    """``load(strategy)``: the paste app of ``etc/api-paste.ini`` for
    ``[api] auth_strategy`` ``token`` or ``keystone``, on the test
    database and the in-process RPC transport."""
    import keystonemiddleware.auth_token  # noqa: registers its options
    conf_fixture.config(api_paste_config=os.path.abspath(PASTE), group='api')
    conf_fixture.config(transport_url='fake://')
    conf_fixture.config(www_authenticate_uri=KEYSTONE_URI,
                        group='keystone_authtoken')

    def load(strategy):
        conf_fixture.config(auth_strategy=strategy, group='api')
        return deploy.load_api_app()
    yield load
    rpc.cleanup()
