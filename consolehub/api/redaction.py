"""Paths as log lines may show them: secrets masked, never an error.

Some paths carry a bearer secret: ``GET /v2.1/os-console-auth-tokens/
{console_token}`` names a raw console token, which opens a guest's
console to whoever holds it. :func:`loggable_path` is the one way API
code puts a request's path into a log line.
"""

import re

#: Routes with a secret segment; the parameter in braces is masked.
#: ``tests/unit/api/test_redaction.py`` checks that every route whose
#: parameter names a token is here.
SECRET_PATHS = (
    '/v2.1/os-console-auth-tokens/{console_token}',
)

MASK = '***'

#: Longest path (characters) a log line shows; the rest is cut.
MAX_LOGGED_PATH = 512

_PARAMETER = re.compile(r'\{[^}/]+\}')


def _pattern(template):
    """A regex finding ``template`` anywhere in a path (a WSGI mount point
    may precede it), one group per parameter."""
    literals = [re.escape(part) for part in _PARAMETER.split(template)]
    if literals[-1]:
        return re.compile('([^/]+)'.join(literals) + '(?=/|$)')
    # A secret at the end: mask all that follows, slashes included (a
    # token with a "%2F" in it still names the token).
    return re.compile('([^/]+)'.join(literals[:-1]) + '(.+)', re.DOTALL)


_SECRET_PATTERNS = [_pattern(template) for template in SECRET_PATHS]


def mask(path):
    """``path`` (str) with the secret segments of :data:`SECRET_PATHS`
    replaced by :data:`MASK`."""
    for pattern in _SECRET_PATTERNS:
        match = pattern.search(path)
        if match is None:
            continue
        pieces, last = [], 0
        for group in range(1, pattern.groups + 1):
            start, end = match.span(group)
            pieces += [path[last:start], MASK]
            last = end
        path = ''.join(pieces) + path[last:]
    return path


def loggable_path(environ):
    """The request's path for a log line: ``SCRIPT_NAME`` +
    ``PATH_INFO`` decoded as UTF-8 with undecodable octets as ``\\xNN``,
    secret segments masked, at most :data:`MAX_LOGGED_PATH` characters.

    Never raises, whatever the environ holds.
    """
    try:
        raw = (environ.get('SCRIPT_NAME', '') +
               environ.get('PATH_INFO', ''))
        text = raw.encode('latin-1', 'replace').decode(
            'utf-8', 'backslashreplace')
        text = mask(text)
        if len(text) > MAX_LOGGED_PATH:
            text = text[:MAX_LOGGED_PATH] + '...'
        return text.replace('\x00', '\\x00')
    except Exception:
        return '<unprintable path>'
