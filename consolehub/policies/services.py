"""Policy defaults for /os-services: administrators only."""

from consolehub.policies import base

INDEX = 'consolehub:os-services:index'

rules = [
    base.project_rule(
        INDEX, base.ADMIN,
        'List the compute agents and whether each is up or down.',
        [{'method': 'GET', 'path': '/os-services'},
         {'method': 'GET', 'path': '/v2.1/os-services'}]),
]


def list_rules():
    return rules
