"""The request context: who is calling, and their database session."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context, able to carry an oslo.db transaction.

    ``is_admin`` is true when ``roles`` holds ``admin``; admins see every
    project's instances, everybody else only their ``project_id``'s.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if 'admin' in (self.roles or []):
            self.is_admin = True

    @classmethod
    def from_dict(cls, values, **kwargs):
        """Rebuild a context sent over RPC by :meth:`to_dict`."""
        kwargs.setdefault('request_id', values.get('request_id'))
        return super().from_dict(values, **kwargs)


def get_admin_context():
    """A context for the services' own work (heartbeats, token checks)."""
    return RequestContext(is_admin=True, overwrite=False)
