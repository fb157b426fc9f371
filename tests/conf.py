"""consolehub's options for one test: oslo.config's ``Config`` fixture.

    conf_fixture.config(group='api', auth_strategy='token')

Every override and default a test sets is undone when the fixture is
cleaned up (``CONF.reset()``). That reset also drops the defaults code
sets at start-up (``set_default``) and the parsed (empty) command line,
so :meth:`ConfFixture.setUp` puts back what a consolehub process does in
:func:`consolehub.process.prepare`, without reading any configuration
file of the machine.
"""

from oslo_config import fixture as config_fixture
from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub.conf import database as database_conf
from consolehub import rpc


class ConfFixture(config_fixture.Config):
    """``oslo_config.fixture.Config`` on ``consolehub.conf.CONF``, parsed
    with no arguments and no configuration files."""

    def __init__(self):
        super().__init__(CONF)

    def setUp(self):
        super().setUp()
        # Forget a command line parsed outside any fixture (a test that
        # calls CONF(...) itself): CLI options register only before it.
        self.conf.clear()
        logging.register_options(self.conf)
        rpc.set_defaults(self.conf)
        database_conf.register_opts(self.conf)
        self.conf([], project='consolehub', default_config_files=[],
                  default_config_dirs=[])
