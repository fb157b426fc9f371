"""Authentication filters: who is calling.

``TokenAuth`` (``[api] auth_strategy = token``) checks ``X-Auth-Token``
against the tokens made by ``consolehub-manage token create``;
``KeystoneContext`` (``keystone``) trusts the headers that
keystonemiddleware's ``auth_token`` filter set before it.
"""

import threading

import cachetools
import webob
import webob.exc

from consolehub.api.middleware import fault
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.objects import api_token
from consolehub.objects import secret

#: Longest X-Auth-Token accepted; Keystone's Fernet tokens stay well under.
MAX_TOKEN_LENGTH = 1024

#: Most token hashes one API server keeps in its cache.
TOKEN_CACHE_SIZE = 10000


class TokenAuth(object):
    """Maps ``X-Auth-Token`` to a RequestContext or answers 401.

    Tokens found are remembered by hash for ``[api] token_cache_seconds``,
    as keystonemiddleware caches validated tokens; unknown ones are not.
    """

    def __init__(self, application):
        self.application = application
        self._cache = None
        if CONF.api.token_cache_seconds:
            self._cache = cachetools.TTLCache(
                maxsize=TOKEN_CACHE_SIZE, ttl=CONF.api.token_cache_seconds)
        self._cache_lock = threading.Lock()

    def _lookup(self, token_hash):
        if self._cache is not None:
            with self._cache_lock:
                row = self._cache.get(token_hash)
            if row is not None:
                return row
        admin = consolehub_context.get_admin_context()
        row = api_token.get_by_digest(admin, token_hash)
        if row is not None and self._cache is not None:
            with self._cache_lock:
                self._cache[token_hash] = row
        return row

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        raw_token = req.headers.get('X-Auth-Token')
        if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
            raise webob.exc.HTTPUnauthorized(
                explanation='Authentication required: send X-Auth-Token.')
        row = self._lookup(secret.hash_secret(raw_token))
        if row is None:
            raise webob.exc.HTTPUnauthorized(
                explanation='The X-Auth-Token is not valid.')
        req.environ['consolehub.context'] = consolehub_context.RequestContext(
            user_id=row['user_id'], project_id=row['project_id'],
            roles=[role for role in row['roles'].split(',') if role],
            request_id=req.environ.get('openstack.request_id'))
        return self.application(environ, start_response)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls


class KeystoneContext(object):
    """Builds the RequestContext from keystonemiddleware's headers."""

    def __init__(self, application):
        self.application = application

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            raise webob.exc.HTTPUnauthorized(
                explanation='Authentication required.')
        req.environ['consolehub.context'] = (
            consolehub_context.RequestContext.from_environ(req.environ))
        return self.application(environ, start_response)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls
