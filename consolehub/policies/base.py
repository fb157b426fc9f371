"""Rules the resource policies are built from."""

from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_MEMBER_OR_ADMIN = 'project_id:%(project_id)s or role:admin'

rules = [
    policy.RuleDefault('admin_api', ADMIN,
                       description='Operations only administrators may do.'),
    policy.RuleDefault('project_member_or_admin', PROJECT_MEMBER_OR_ADMIN,
                       description='A member of the owning project, or an '
                                   'administrator.'),
]


def list_rules():
    return rules
