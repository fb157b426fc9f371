"""The personas every resource policy is built from.

As Nova's and placement's secure-RBAC defaults (oslo.policy's
``scope_types`` and Keystone's default roles): a project's ``reader`` may
look, its ``member`` may change things, an ``admin`` may do anything in
any project. Roles imply each other as Keystone's default hierarchy says
(admin implies member, member implies reader); API tokens made by
``consolehub-manage`` get the same inference (:mod:`consolehub.policy`).

Every rule of the earlier defaults ("the owning project, or an admin")
stays as a deprecated alias: with ``[oslo_policy] enforce_new_defaults =
false`` a request passes if either the new or the old default allows it.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
#: The old default of every project rule, kept as the deprecated alias.
ADMIN_OR_OWNER = 'rule:admin_or_owner'

#: Every rule applies to project-scoped tokens.
PROJECT_SCOPE = ['project']

DEPRECATED_REASON = (
    'consolehub now knows the reader, member and admin roles: reading '
    'a project\'s resources needs its reader role, changing them its '
    'member role. The old default let any role of the owning project do '
    'anything to its resources.')
DEPRECATED_SINCE = '0.2.0'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='An administrator, of any project.'),
    policy.RuleDefault('admin_api', ADMIN,
                       description='Operations only administrators may do.'),
    policy.RuleDefault('project_reader_api',
                       'role:reader and project_id:%(project_id)s',
                       description='A reader of the owning project.'),
    policy.RuleDefault('project_member_api',
                       'role:member and project_id:%(project_id)s',
                       description='A member of the owning project.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       description='A reader of the owning project, or an '
                                   'administrator.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       description='A member of the owning project, or an '
                                   'administrator.'),
    policy.RuleDefault('admin_or_owner',
                       'project_id:%(project_id)s or role:admin',
                       description='DEPRECATED: any role of the owning '
                                   'project, or an administrator; the '
                                   'default before the reader and member '
                                   'personas.'),
]


def deprecated(name):
    """The deprecated alias of rule ``name``: its old default."""
    return policy.DeprecatedRule(name, ADMIN_OR_OWNER,
                                 deprecated_reason=DEPRECATED_REASON,
                                 deprecated_since=DEPRECATED_SINCE)


def project_rule(name, check_str, description, operations):
    """A documented project-scoped rule; a persona default (reader or
    member) gets the old "owner or admin" default as deprecated alias."""
    kwargs = {}
    if check_str in (PROJECT_READER_OR_ADMIN, PROJECT_MEMBER_OR_ADMIN):
        kwargs['deprecated_rule'] = deprecated(name)
    return policy.DocumentedRuleDefault(
        name, check_str, description, operations,
        scope_types=PROJECT_SCOPE, **kwargs)


def list_rules():
    return rules
