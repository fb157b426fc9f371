"""oslo.messaging plumbing shared by the RPC client and server.

One transport per process: with the in-process ``fake://`` driver (the
default), the API's client and the compute agent's server must share it to
reach each other inside ``consolehub-all``.
"""

import threading

import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts

from consolehub import context as consolehub_context

#: Exceptions that cross RPC as themselves rather than as RemoteError.
ALLOWED_EXMODS = ['consolehub.exception']

_TRANSPORT = None
_LOCK = threading.Lock()


def set_defaults(conf):
    """Default ``transport_url`` to the in-process ``fake://`` driver."""
    messaging.set_transport_defaults(control_exchange='consolehub')
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)
    conf.set_default('transport_url', 'fake://')


def get_transport(conf):
    """The process's RPC transport for ``[DEFAULT] transport_url``."""
    global _TRANSPORT
    with _LOCK:
        if _TRANSPORT is None:
            _TRANSPORT = messaging.get_rpc_transport(
                conf, allowed_remote_exmods=ALLOWED_EXMODS)
        return _TRANSPORT


def cleanup():
    """Close the transport (at shutdown and between tests)."""
    global _TRANSPORT
    with _LOCK:
        if _TRANSPORT is not None:
            _TRANSPORT.cleanup()
            _TRANSPORT = None


class RequestContextSerializer(messaging.NoOpSerializer):
    """Sends a :class:`~consolehub.context.RequestContext` as a dict."""

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return consolehub_context.RequestContext.from_dict(ctxt)
