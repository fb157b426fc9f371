"""Policy defaults for a guest's screen and keyboard on the native API:
the owning project's members, or an administrator (as the other
instance actions; Nova has no such API)."""

from consolehub.policies import base

SCREENSHOT = 'consolehub:instances:screenshot'
SEND_KEYS = 'consolehub:instances:send-keys'
TYPE_TEXT = 'consolehub:instances:type-text'

_ACTION_PATH = [{'method': 'POST', 'path': '/instances/{instance_id}/action'}]

rules = [
    base.project_rule(
        SCREENSHOT, base.PROJECT_MEMBER_OR_ADMIN,
        "Take a PNG screenshot of an instance's screen.",
        [{'method': 'GET', 'path': '/instances/{instance_id}/screenshot'}]),
    base.project_rule(
        SEND_KEYS, base.PROJECT_MEMBER_OR_ADMIN,
        "Press keys together on an instance's keyboard (send-keys).",
        _ACTION_PATH),
    base.project_rule(
        TYPE_TEXT, base.PROJECT_MEMBER_OR_ADMIN,
        "Type text on an instance's keyboard (type-text).", _ACTION_PATH),
]


def list_rules():
    return rules
