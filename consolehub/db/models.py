"""SQLAlchemy models: every table consolehub owns.

Only hashes of secrets are stored: ``api_tokens.token_hash`` and
``console_auth_tokens.token_hash`` are hex SHA-256 digests (FIPS 180-4) of
the raw tokens, which are shown once to their caller and never kept.
"""

from oslo_db.sqlalchemy import models
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

BASE = orm.declarative_base()


class _Base(models.ModelBase, models.TimestampMixin):
    """``created_at``/``updated_at`` and dict-style access for every row."""


class ApiToken(BASE, _Base):
    """A bearer token for the ``token`` auth strategy."""

    __tablename__ = 'api_tokens'
    __table_args__ = (
        sa.UniqueConstraint('token_hash', name='uniq_api_tokens0token_hash'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    roles = sa.Column(sa.String(255), nullable=False, default='')


class Instance(BASE, _Base):
    """A virtual machine owned by a project and placed on one host."""

    __tablename__ = 'instances'
    __table_args__ = (
        sa.Index('instances_project_id_idx', 'project_id'),
        sa.Index('instances_host_idx', 'host'),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    status = sa.Column(sa.String(16), nullable=False)
    # A task in progress, as Nova's task_state (objects/instance.py).
    task_state = sa.Column(sa.String(32))
    # Nova's power_state of the guest (virt/power_state.py), 0: unknown.
    power_state = sa.Column(sa.Integer, nullable=False, default=0,
                            server_default='0')
    host = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    vcpus = sa.Column(sa.Integer, nullable=False)
    fault = sa.Column(sa.Text)
    deleted_at = sa.Column(sa.DateTime)
    # The image the instance boots (its id), or None for a diskless guest.
    image_ref = sa.Column(sa.String(36))
    # The root disk's size in GiB (Nova's root_gb); 0 without an image.
    root_gb = sa.Column(sa.Integer, nullable=False, default=0,
                        server_default='0')
    # What Nova's POST /servers records and its server views show.
    description = sa.Column(sa.String(255))
    access_ip_v4 = sa.Column(sa.String(39))
    access_ip_v6 = sa.Column(sa.String(39))
    # OS-DCF:diskConfig as asked for: AUTO or MANUAL.
    disk_config = sa.Column(sa.String(8), nullable=False, default='MANUAL',
                            server_default='MANUAL')
    # Base64 text as given; no metadata service or config drive serves it.
    user_data = sa.Column(sa.Text)
    # The servers of one multiple create share it; each has its index.
    reservation_id = sa.Column(sa.String(255))
    launch_index = sa.Column(sa.Integer, nullable=False, default=0,
                             server_default='0')
    # Nova's lock: a locked server refuses changes by non-admins;
    # locked_by is who locked it, 'owner' or 'admin' (None: unlocked).
    locked = sa.Column(sa.Boolean, nullable=False, default=False,
                       server_default=sa.false())
    locked_by = sa.Column(sa.String(5))
    # The flavorid and name it was made from (POST /servers), kept when
    # the flavor goes; None: made by size through /instances
    # (objects/flavor.py, flavor_id_of).
    flavor_id = sa.Column(sa.String(255))
    flavor_name = sa.Column(sa.String(255))
    # Which flavors row that was (flavorids may be used again once
    # deleted), for what only the flavor itself keeps: its extra specs.
    flavor_row_id = sa.Column(sa.Integer)


#: A flavor's description column.
DESCRIPTION_TYPE = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


class Flavor(BASE, _Base):
    """A named size of instance (Nova's flavor).

    Deleting one keeps its row: ``deleted`` becomes its ``id`` and
    ``deleted_at`` is set, so that the instances made from it still name
    it, and its ``flavorid`` and ``name`` are free for a new flavor.
    """

    __tablename__ = 'flavors'
    __table_args__ = (
        sa.UniqueConstraint('flavorid', 'deleted',
                            name='uniq_flavors0flavorid0deleted'),
        sa.UniqueConstraint('name', 'deleted',
                            name='uniq_flavors0name0deleted'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    flavorid = sa.Column(sa.String(255), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    vcpus = sa.Column(sa.Integer, nullable=False)
    # GiB of the root disk; ephemeral_gb (GiB) and swap (MiB) are shown
    # as Nova shows them, no guest gets such disks here.
    root_gb = sa.Column(sa.Integer, nullable=False)
    ephemeral_gb = sa.Column(sa.Integer, nullable=False, default=0,
                             server_default='0')
    swap = sa.Column(sa.Integer, nullable=False, default=0,
                     server_default='0')
    rxtx_factor = sa.Column(sa.Float, nullable=False, default=1.0,
                            server_default='1')
    is_public = sa.Column(sa.Boolean, nullable=False, default=True,
                          server_default=sa.true())
    disabled = sa.Column(sa.Boolean, nullable=False, default=False,
                         server_default=sa.false())
    # Up to 65535 characters (Nova's): more than MySQL's TEXT holds
    # bytes, hence MEDIUMTEXT there.
    description = sa.Column(DESCRIPTION_TYPE)
    deleted_at = sa.Column(sa.DateTime)
    # 0 while live; its id once deleted (uniqueness among live rows).
    deleted = sa.Column(sa.Integer, nullable=False, default=0,
                        server_default='0')


class FlavorExtraSpec(BASE, _Base):
    """One key/value of a flavor's extra specs (Nova's)."""

    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (
        sa.UniqueConstraint('flavor_id', 'key',
                            name='uniq_flavor_extra_specs0flavor_id0key'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey('flavors.id'),
                          nullable=False)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)


class FlavorProject(BASE, _Base):
    """A project on a private flavor's access list (Nova's
    ``flavor_projects``)."""

    __tablename__ = 'flavor_projects'
    __table_args__ = (
        sa.UniqueConstraint('flavor_id', 'project_id',
                            name='uniq_flavor_projects0flavor_id0project_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey('flavors.id'),
                          nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)


class InstanceMetadata(BASE, _Base):
    """One key/value pair of a server's metadata (Nova's
    ``instance_metadata``); a live instance's rows go with its delete."""

    __tablename__ = 'instance_metadata'
    __table_args__ = (
        sa.Index('instance_metadata_instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint('instance_uuid', 'key',
                            name='uniq_instance_metadata0instance_uuid0key'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)


class InstanceTag(BASE, _Base):
    """One tag of a server (Nova's ``tags``, 2.26+); a live instance's
    tags stay with its deleted row until it is purged."""

    __tablename__ = 'instance_tags'
    __table_args__ = (
        sa.Index('instance_tags_tag_idx', 'tag'),
        sa.UniqueConstraint('instance_uuid', 'tag',
                            name='uniq_instance_tags0instance_uuid0tag'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    tag = sa.Column(sa.String(60), nullable=False)


class ConsoleAuthToken(BASE, _Base):
    """A console auth token: who may reach which console, until when."""

    __tablename__ = 'console_auth_tokens'
    __table_args__ = (
        sa.Index('console_auth_tokens_instance_uuid_idx', 'instance_uuid'),
        sa.Index('console_auth_tokens_expires_idx', 'expires'),
        sa.UniqueConstraint('token_hash',
                            name='uniq_console_auth_tokens0token_hash'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False)
    console_type = sa.Column(sa.String(32), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    port = sa.Column(sa.Integer, nullable=False)
    internal_access_path = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    # Seconds since the epoch (UTC), as Nova stores it.
    expires = sa.Column(sa.Integer, nullable=False)
    # Set once, atomically, by the proxy that accepts a single-use token.
    used_at = sa.Column(sa.DateTime)
    # Who asked for the console, and whether it only shows the guest's
    # screen or serial output (the proxy forwards no input of it).
    user_id = sa.Column(sa.String(255))
    view_only = sa.Column(sa.Boolean, nullable=False, default=False,
                          server_default=sa.false())
    # An administrator asked for the session to be recorded.
    record = sa.Column(sa.Boolean, nullable=False, default=False,
                       server_default=sa.false())


class ConsoleSession(BASE, _Base):
    """One console connection through the proxy, open or ended.

    Only the first 8 hex digits of the token's hash are kept: enough to
    match a session to log lines, useless to redeem anything.
    """

    __tablename__ = 'console_sessions'
    __table_args__ = (
        sa.Index('console_sessions_instance_uuid_idx', 'instance_uuid'),
        sa.Index('console_sessions_ended_at_idx', 'ended_at'),
        sa.UniqueConstraint('uuid', name='uniq_console_sessions0uuid'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    console_type = sa.Column(sa.String(32), nullable=False)
    token_hash_prefix = sa.Column(sa.String(8), nullable=False)
    client_address = sa.Column(sa.String(64))
    started_at = sa.Column(sa.DateTime, nullable=False)
    ended_at = sa.Column(sa.DateTime)
    bytes_to_client = sa.Column(sa.BigInteger, nullable=False, default=0)
    bytes_to_guest = sa.Column(sa.BigInteger, nullable=False, default=0)
    close_reason = sa.Column(sa.String(255))
    # Asked for by an administrator or by the instance's delete; the
    # proxy polls for it and closes the session with ``end_reason``.
    end_requested_at = sa.Column(sa.DateTime)
    end_reason = sa.Column(sa.String(255))
    # The token's user and kind: who watched (view only) and who typed.
    user_id = sa.Column(sa.String(255))
    view_only = sa.Column(sa.Boolean, nullable=False, default=False,
                          server_default=sa.false())
    # The proxy records the session to a file (consolehub.console.recorder).
    recorded = sa.Column(sa.Boolean, nullable=False, default=False,
                         server_default=sa.false())


class Service(BASE, _Base):
    """A running compute agent and the time of its last heartbeat."""

    __tablename__ = 'services'
    __table_args__ = (
        sa.UniqueConstraint('host', 'binary',
                            name='uniq_services0host0binary'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    host = sa.Column(sa.String(255), nullable=False)
    binary = sa.Column(sa.String(64), nullable=False)
    topic = sa.Column(sa.String(64), nullable=False)
    last_seen_at = sa.Column(sa.DateTime, nullable=False)


class Quota(BASE, _Base):
    """A limit an administrator set on one resource of one project.

    Resources nobody set for a project take their ``[quota]`` default;
    ``hard_limit`` -1 is unlimited (Nova's ``quotas`` table).
    """

    __tablename__ = 'quotas'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quotas0project_id0resource'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer, nullable=False)


class QuotaUsageLock(BASE, _Base):
    """One row per project that quota-checked creates update first.

    Updating it takes the row's write lock (the database's on SQLite) for
    the rest of the transaction, so two creates of one project count the
    project's usage one after the other; ``generation`` counts them.
    """

    __tablename__ = 'quota_usage_locks'
    __table_args__ = (
        sa.UniqueConstraint('project_id',
                            name='uniq_quota_usage_locks0project_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    generation = sa.Column(sa.BigInteger, nullable=False, default=0)


class Image(BASE, _Base):
    """An image as Glance's v2 API describes it.

    ``properties`` holds the custom properties and ``tags`` the tags, each
    as a JSON document (an object of strings, an array of strings). The
    image's file is ``[image] store_path``/``uuid``; a deleted image keeps
    its row (``deleted_at`` set) so that its id is never used again.
    """

    __tablename__ = 'images'
    __table_args__ = (
        sa.Index('images_owner_idx', 'owner'),
        sa.Index('images_visibility_idx', 'visibility'),
        sa.UniqueConstraint('uuid', name='uniq_images0uuid'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    status = sa.Column(sa.String(16), nullable=False)
    visibility = sa.Column(sa.String(16), nullable=False)
    protected = sa.Column(sa.Boolean, nullable=False, default=False)
    os_hidden = sa.Column(sa.Boolean, nullable=False, default=False)
    owner = sa.Column(sa.String(255))
    disk_format = sa.Column(sa.String(16))
    container_format = sa.Column(sa.String(16))
    size = sa.Column(sa.BigInteger)
    virtual_size = sa.Column(sa.BigInteger)
    checksum = sa.Column(sa.String(32))
    os_hash_algo = sa.Column(sa.String(64))
    os_hash_value = sa.Column(sa.String(128))
    min_ram = sa.Column(sa.Integer, nullable=False, default=0)
    min_disk = sa.Column(sa.Integer, nullable=False, default=0)
    properties = sa.Column(sa.Text, nullable=False, default='{}')
    tags = sa.Column(sa.Text, nullable=False, default='[]')
    deleted_at = sa.Column(sa.DateTime)


class KeyPair(BASE, _Base):
    """A user's public key (Nova's ``key_pairs``), named uniquely per user.

    Key pairs belong to a user, not a project, as in Nova; ``type`` is
    ``ssh`` or ``x509`` and ``fingerprint`` what the API shows of the key.
    """

    __tablename__ = 'key_pairs'
    __table_args__ = (
        sa.UniqueConstraint('user_id', 'name',
                            name='uniq_key_pairs0user_id0name'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    fingerprint = sa.Column(sa.String(255), nullable=False)
    public_key = sa.Column(sa.Text, nullable=False)
    type = sa.Column(sa.String(8), nullable=False, default='ssh',
                     server_default='ssh')


class InstanceAction(BASE, _Base):
    """One request's action on an instance (Nova's ``instance_actions``):
    who asked for what, when. It outlives the instance's delete, and is
    removed with the instance's row when that is purged."""

    __tablename__ = 'instance_actions'
    __table_args__ = (
        sa.Index('instance_actions_instance_uuid_idx', 'instance_uuid'),
        sa.Index('instance_actions_request_id_idx', 'request_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    action = sa.Column(sa.String(255), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    request_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime, nullable=False)
    finish_time = sa.Column(sa.DateTime)
    # None, or "Error" once an event of the action failed (as Nova).
    message = sa.Column(sa.String(255))


class InstanceActionEvent(BASE, _Base):
    """A step of an action done by a compute host (Nova's
    ``instance_actions_events``), e.g. ``compute_stop_instance``."""

    __tablename__ = 'instance_actions_events'
    __table_args__ = (
        sa.Index('instance_actions_events_action_id_idx', 'action_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    action_id = sa.Column(sa.Integer, sa.ForeignKey('instance_actions.id'),
                          nullable=False)
    event = sa.Column(sa.String(255), nullable=False)
    start_time = sa.Column(sa.DateTime, nullable=False)
    finish_time = sa.Column(sa.DateTime)
    # "Success" or "Error" once finished, as Nova.
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
