"""Policy defaults for the image API (``/image/v2``) and server snapshots.

As Glance's secure-RBAC defaults: a project's readers list, show and
download the images they can see; its members create, change, upload and
delete their project's images; only administrators make images public
(``publicize_image``). Which images a caller can see at all is not
policy but visibility (public, community, or the caller's project's).
The target of a rule on one image is its owner's project. These rules
are new, so they have no deprecated alias.
"""

from oslo_policy import policy

from consolehub.policies import base

PREFIX = 'consolehub:images:%s'
GET_ALL = PREFIX % 'get_images'
GET = PREFIX % 'get_image'
ADD = PREFIX % 'add_image'
MODIFY = PREFIX % 'modify_image'
DELETE = PREFIX % 'delete_image'
UPLOAD = PREFIX % 'upload_image'
DOWNLOAD = PREFIX % 'download_image'
PUBLICIZE = PREFIX % 'publicize_image'
COMMUNITIZE = PREFIX % 'communitize_image'
GET_USAGE = PREFIX % 'get_usage'
#: Nova's createImage server action (a snapshot of the server's disk).
CREATE_SNAPSHOT = 'consolehub:servers:create_image'

_IMAGES = '/image/v2/images'
_IMAGE = _IMAGES + '/{image_id}'
_CREATE_OR_PATCH = [{'method': 'POST', 'path': _IMAGES},
                    {'method': 'PATCH', 'path': _IMAGE}]


def _rule(name, check_str, description, operations):
    return policy.DocumentedRuleDefault(name, check_str, description,
                                        operations,
                                        scope_types=base.PROJECT_SCOPE)


rules = [
    _rule(GET_ALL, base.PROJECT_READER_OR_ADMIN, 'List images.',
          [{'method': 'GET', 'path': _IMAGES}]),
    _rule(GET, base.PROJECT_READER_OR_ADMIN,
          'Show an image the caller can see.',
          [{'method': 'GET', 'path': _IMAGE}]),
    _rule(ADD, base.PROJECT_MEMBER_OR_ADMIN, 'Create an image record.',
          [{'method': 'POST', 'path': _IMAGES}]),
    _rule(MODIFY, base.PROJECT_MEMBER_OR_ADMIN,
          "Change an image's attributes, properties or tags.",
          [{'method': 'PATCH', 'path': _IMAGE},
           {'method': 'PUT', 'path': _IMAGE + '/tags/{tag}'},
           {'method': 'DELETE', 'path': _IMAGE + '/tags/{tag}'}]),
    _rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Delete an image.',
          [{'method': 'DELETE', 'path': _IMAGE}]),
    _rule(UPLOAD, base.PROJECT_MEMBER_OR_ADMIN, "Upload an image's data.",
          [{'method': 'PUT', 'path': _IMAGE + '/file'}]),
    _rule(DOWNLOAD, base.PROJECT_READER_OR_ADMIN,
          "Download the data of an image the caller can see.",
          [{'method': 'GET', 'path': _IMAGE + '/file'}]),
    _rule(PUBLICIZE, base.ADMIN,
          'Create an image with, or set, visibility "public".',
          _CREATE_OR_PATCH),
    _rule(COMMUNITIZE, base.PROJECT_MEMBER_OR_ADMIN,
          'Create an image with, or set, visibility "community".',
          _CREATE_OR_PATCH),
    _rule(GET_USAGE, base.PROJECT_READER_OR_ADMIN,
          "Show the image quotas of the caller's project and its usage.",
          [{'method': 'GET', 'path': '/image/v2/info/usage'}]),
    _rule(CREATE_SNAPSHOT, base.PROJECT_MEMBER_OR_ADMIN,
          "Snapshot a server's disk into a new image (createImage).",
          [{'method': 'POST', 'path': '/v2.1/servers/{server_id}/action'}]),
]


def list_rules():
    return rules
