"""PasteDeploy factories: the pipeline in ``etc/api-paste.ini``.

The ``consolehub`` composite picks the pipeline named by
``[api] auth_strategy`` (``token`` or ``keystone``), as Nova's
``pipeline_factory_v21`` does.
"""

import os
import sys

from paste import deploy

from consolehub.api import router
from consolehub.conf import CONF


def pipeline_by_auth_strategy(loader, global_conf, **local_conf):
    """Build the pipeline whose name is ``[api] auth_strategy``.

    ``local_conf`` maps each strategy to a space-separated list of filter
    names ending with the app's name.
    """
    names = local_conf[CONF.api.auth_strategy].split()
    app = loader.get_app(names[-1])
    for name in reversed(names[:-1]):
        app = loader.get_filter(name)(app)
    return app


def router_factory(global_conf, **local_conf):
    """The Routes dispatcher at the end of every pipeline."""
    return router.Router()


def find_paste_config():
    """Absolute path of ``[api] api_paste_config``.

    Looked up as given, next to the config files, then in the installed
    ``<prefix>/etc/consolehub``.

    :raises RuntimeError: if it is nowhere.
    """
    name = CONF.api.api_paste_config
    candidates = [name, CONF.find_file(name),
                  os.path.join(sys.prefix, 'etc', 'consolehub', name),
                  os.path.join(os.path.dirname(__file__), '..', '..', 'etc',
                               name)]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return os.path.abspath(candidate)
    raise RuntimeError('Cannot find the paste config %s' % name)


def load_api_app():
    """The API's WSGI application as the paste pipeline defines it."""
    return deploy.loadapp('config:%s' % find_paste_config(),
                          name='consolehub')
