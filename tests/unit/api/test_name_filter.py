"""The ``name`` filter of ``/v2.1/servers``: Nova's regular expressions,
matched without catastrophic backtracking."""

import threading

import pytest
import webob.exc

from consolehub.api.handlers import servers


def _search_within(pattern, name, seconds):
    """``(finished, matched)`` of searching ``name`` in another thread."""
    result = []
    worker = threading.Thread(
        target=lambda: result.append(
            servers.name_filter(pattern).search(name) is not None),
        daemon=True)
    worker.start()
    worker.join(seconds)
    return (not worker.is_alive(), result[0] if result else None)


def test_nested_quantifiers_answer_at_once():
    # Python's re needs about 2**40 steps for this; RE2 one pass.
    assert _search_within('(a*)*b', 'a' * 40, 5) == (True, False)
    assert _search_within('^(a|aa)+$', 'a' * 40 + '!', 5) == (True, False)


@pytest.mark.parametrize('pattern, name, matched', [
    ('^web-[0-9]+$', 'web-12', True),
    ('^web-[0-9]+$', 'web-12a', False),
    ('one', 'alpha-one', True),
    ('(?i)ALPHA', 'alpha-one', True),
])
def test_patterns_match_as_regular_expressions(pattern, name, matched):
    assert (servers.name_filter(pattern).search(name) is not None) == matched


@pytest.mark.parametrize('pattern', ['(', r'(a)\1', '(?=a)b', 'a{1001}'])
def test_patterns_re2_cannot_run_are_400(pattern):
    with pytest.raises(webob.exc.HTTPBadRequest) as refused:
        servers.name_filter(pattern)
    assert 'Invalid name filter' in refused.value.explanation
