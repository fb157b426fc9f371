"""A bare oslo.messaging RPC server, the baseline of bench.production.

It serves one method, ``echo``, that returns its argument, on the same
kind of target and executor as the compute agent (topic + server,
``threading``). Run by the benchmark as::

    python -m bench.rpc_echo TRANSPORT_URL EXCHANGE TOPIC SERVER
"""

import signal
import sys
import threading

from oslo_config import cfg
import oslo_messaging as messaging

from consolehub import rpc


class Echo(object):
    target = messaging.Target(version='1.0')

    def echo(self, context, value):
        return value


def _register_rabbit_opts(conf):
    # The driver registers them only when the transport is made.
    from oslo_messaging import opts as messaging_opts
    for group, opts in messaging_opts.list_opts():
        if group == 'oslo_messaging_rabbit':
            conf.register_opts(opts, group=group)


def main():
    transport_url, exchange, topic, server = sys.argv[1:5]
    # oslo.messaging registers some options (tracing) on the global
    # CONF only; set it up as consolehub's services do.
    conf = cfg.CONF
    rpc.set_defaults(conf)
    conf([], project='bench-rpc-echo', default_config_files=[])
    conf.set_override('control_exchange', exchange)
    _register_rabbit_opts(conf)
    # Reply and fanout queues go a minute after the run.
    conf.set_override('rabbit_transient_queues_ttl', 60,
                      group='oslo_messaging_rabbit')
    transport = messaging.get_rpc_transport(conf, url=transport_url)
    rpc_server = messaging.get_rpc_server(
        transport, messaging.Target(topic=topic, server=server), [Echo()],
        executor='threading')
    rpc_server.start()
    print('ready', flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
    rpc_server.stop()
    rpc_server.wait()
    transport.cleanup()


if __name__ == '__main__':
    main()
