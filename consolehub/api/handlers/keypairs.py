"""Nova's ``/v2.1/os-keypairs``: a user's key pairs.

List, create (import a public key, or generate a pair and return its
private key once), show and delete, as Nova's compute API reference
("Keypairs (keypairs)") says. Key pairs belong to the calling user; from
2.10 an administrator names another user with ``user_id`` (a query
parameter, or a field of the created key pair). From 2.2 a key pair has
a ``type``, create answers 201 instead of 200 and delete 204 instead of
202; from 2.35 the list pages with ``limit`` and ``marker`` (a name).
"""

import urllib.parse

from consolehub.api import microversion
from consolehub.api.schemas import keypairs as schema
from consolehub.api import util
from consolehub.api.views import keypairs as views
from consolehub.conf import CONF
from consolehub.objects import keypair
from consolehub import policy
from consolehub.policies import keypairs as keypair_policies


def _authorized_user(req, rule, query_schema):
    """``(context, user_id)``: the user the request is about (the caller,
    or ``user_id`` from 2.10), once ``rule`` allows it."""
    context = util.request_context(req)
    version = microversion.request_version(req)
    query = dict(req.GET.items())
    util.validate(query, query_schema(version))
    user_id = context.user_id
    if microversion.is_at_least(req, '2.10'):
        user_id = query.get('user_id', user_id)
    policy.authorize(context, rule, {'user_id': user_id})
    return context, user_id, query


def _next_link(req, entries, limit, query):
    """Nova's ``keypairs_links``: a "next" link after a full page."""
    if not entries or len(entries) < limit:
        return None
    params = dict(query, limit=str(limit),
                  marker=entries[-1]['keypair']['name'])
    return [{'rel': 'next', 'href': '%s%s/os-keypairs?%s' % (
        req.application_url, microversion.PREFIX,
        urllib.parse.urlencode(sorted(params.items())))}]


def list_keypairs(req):
    """``GET /v2.1/os-keypairs`` -> 200 ``{"keypairs": [{"keypair":
    {name, public_key, fingerprint, type}}]}``, by name; from 2.35 at
    most ``limit`` (and ``[api] max_limit``) after ``marker``, with a
    ``keypairs_links`` "next" link after a full page.

    :raises MarkerNotFound: 400, the user has no key pair ``marker``.
    """
    context, user_id, query = _authorized_user(
        req, keypair_policies.INDEX, schema.list_query)
    if not microversion.is_at_least(req, '2.35'):
        rows = keypair.get_all(context, user_id)
        return util.json_response(
            req, {'keypairs': [views.summary(req, row) for row in rows]})
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    rows = keypair.get_all(context, user_id, limit, query.get('marker'))
    body = {'keypairs': [views.summary(req, row) for row in rows]}
    next_link = _next_link(req, body['keypairs'], limit, query)
    if next_link:
        body['keypairs_links'] = next_link
    return util.json_response(req, body)


def create_keypair(req):
    """``POST /v2.1/os-keypairs`` -> 200 (201 from 2.2) ``{"keypair":
    {name, public_key, fingerprint, user_id, type, private_key}}``;
    ``private_key`` only when no ``public_key`` was given.

    :raises InvalidKeypair: 400, a name of unsafe characters or a key
        that does not parse.
    :raises KeyPairExists: 409, the user has a key pair of that name.
    :raises KeypairLimitExceeded: 403, the user is at ``key_pairs``.
    """
    context = util.request_context(req)
    version = microversion.request_version(req)
    body = util.extract_json(req, schema.create(version))['keypair']
    user_id = body.get('user_id', context.user_id)
    policy.authorize(context, keypair_policies.CREATE, {'user_id': user_id})
    row, private_key = keypair.create(
        context, user_id, body['name'], body.get('type', keypair.SSH),
        body.get('public_key'))
    status = 201 if microversion.is_at_least(req, '2.2') else 200
    return util.json_response(req, views.created(req, row, private_key),
                              status)


def show_keypair(req):
    """``GET /v2.1/os-keypairs/{keypair_name}`` -> 200 ``{"keypair":
    {id, name, public_key, fingerprint, user_id, type, created_at,
    updated_at, deleted, deleted_at}}``.

    :raises KeypairNotFound: 404.
    """
    context, user_id, _query = _authorized_user(
        req, keypair_policies.SHOW, schema.show_query)
    row = keypair.get(context, user_id, req.urlvars['keypair_name'])
    return util.json_response(req, views.detail(req, row))


def delete_keypair(req):
    """``DELETE /v2.1/os-keypairs/{keypair_name}`` -> 202 (204 from 2.2).

    :raises KeypairNotFound: 404.
    """
    context, user_id, _query = _authorized_user(
        req, keypair_policies.DELETE, schema.show_query)
    keypair.destroy(context, user_id, req.urlvars['keypair_name'])
    status = 204 if microversion.is_at_least(req, '2.2') else 202
    return util.json_response(req, None, status)
