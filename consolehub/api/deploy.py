"""PasteDeploy factories: the pipeline in ``etc/api-paste.ini``.

The ``consolehub`` composite picks the pipeline named by
``[api] auth_strategy`` (``token`` or ``keystone``), as Nova's
``pipeline_factory_v21`` does.
"""

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
