"""Errors raised below the API, each knowing the HTTP status it means.

Every error derives from one of the classes of the first block, whose
``code`` is the status the API answers with (``consolehub.api.faults``
applies it where handlers are called); the message is ``msg_fmt`` filled
from keyword arguments. Nothing here imports HTTP code: the compute
agent and the console proxy raise the same errors.
"""


class ConsoleHubException(Exception):
    """Base of our errors; an unexpected one is a 500."""

    msg_fmt = 'An unknown error occurred.'
    code = 500
    #: Extra response headers (``{name: value}``), e.g. ``Retry-After``.
    headers = {}

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        super().__init__(message or self.msg_fmt % kwargs)


# -- the kinds of error, by the HTTP status they mean ----------------------

class Invalid(ConsoleHubException):
    """The request cannot be served as asked (400)."""
    msg_fmt = 'Invalid request.'
    code = 400


class Forbidden(ConsoleHubException):
    """The caller may not do this (403)."""
    msg_fmt = 'Forbidden.'
    code = 403


class NotFound(ConsoleHubException):
    """The resource does not exist or is not visible to the caller (404)."""
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(ConsoleHubException):
    """The resource's state does not allow this now (409)."""
    msg_fmt = 'Conflict.'
    code = 409


class Gone(ConsoleHubException):
    """The resource went away while the request ran (410)."""
    msg_fmt = 'Gone.'
    code = 410


class RequestEntityTooLarge(ConsoleHubException):
    """The request's body is larger than allowed (413)."""
    msg_fmt = 'Request entity too large.'
    code = 413


class UnsupportedMediaType(ConsoleHubException):
    """The request's body is not of a type we accept (415)."""
    msg_fmt = 'Unsupported media type.'
    code = 415


class NotImplementedHere(ConsoleHubException):
    """A request Nova knows that no libvirt host implements (501)."""
    msg_fmt = 'Not implemented.'
    code = 501


class ServiceUnavailable(ConsoleHubException):
    """A service behind the API cannot answer now; try again (503)."""
    msg_fmt = 'Service unavailable.'
    code = 503


# -- policy -------------------------------------------------------------------

class PolicyNotAuthorized(Forbidden):
    msg_fmt = 'Policy does not allow %(action)s to be performed.'


# -- instances ----------------------------------------------------------------

class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class MarkerNotFound(Invalid):
    msg_fmt = 'Marker %(marker)s could not be found.'


class InstanceInvalidState(Conflict):
    msg_fmt = ('Instance %(instance_id)s is in status %(status)s; '
               '%(action)s needs %(expected)s.')


class InstanceBusy(InstanceInvalidState):
    msg_fmt = ("Cannot '%(action)s' instance %(instance_id)s while it is in "
               'task_state %(task_state)s.')


class InstanceBeingDeleted(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_id)s is being deleted.'


class InstanceActionConflict(InstanceInvalidState):
    """An action the instance's state refuses, in Nova's words
    (``nova.api.openstack.common.raise_http_conflict_for_instance_invalid_state``).
    """
    msg_fmt = ("Cannot '%(action)s' instance %(instance_id)s while it is "
               "in %(attr)s %(state)s")


class InstanceActionNotFound(NotFound):
    msg_fmt = ('Action for request_id %(request_id)s on instance '
               '%(instance_uuid)s not found')


class InstanceIsLocked(Conflict):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class InstanceNotReady(Conflict):
    msg_fmt = 'Instance %(instance_id)s is not ready'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorRefInvalid(Invalid):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorIdExists(Conflict):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class FlavorAccessListPublic(NotFound):
    """A public flavor has no access list (Nova's 404)."""
    msg_fmt = 'Access list not available for public flavors.'


class FlavorAccessPublic(Conflict):
    msg_fmt = 'Can not add access to a public flavor.'


class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class FlavorAccessNotFound(NotFound):
    msg_fmt = ('Flavor access not found for %(flavor_id)s / '
               '%(project_id)s combination.')


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = ('Flavor %(flavor_id)s has no extra specs with key '
               '%(extra_specs_key)s.')


class FlavorExtraSpecConflict(Conflict):
    msg_fmt = ('Extra specs of flavor %(flavor_id)s changed while they were '
               'written; try again.')


class FlavorExtraSpecsMismatch(Invalid):
    msg_fmt = 'Request body and URI mismatch'


class FlavorFilterInvalid(Invalid):
    msg_fmt = 'Invalid is_public filter [%(value)s]'


class NetworkNotFound(Invalid):
    # No network exists here; Nova's server create answers it with 400.
    msg_fmt = 'Network %(network_id)s could not be found.'


class PortNotFound(Invalid):
    msg_fmt = 'Port %(port_id)s could not be found.'


class CertificateValidationUnsupported(Invalid):
    msg_fmt = ('Image certificate validation is not supported: no image '
               'signature is verified here; leave out '
               'trusted_image_certificates.')


class ServerStatusInvalid(Invalid):
    msg_fmt = 'Invalid status value'


class NoValidHost(ConsoleHubException):
    msg_fmt = 'No compute host is up to build the instance: %(reason)s'


class HostUnavailable(Invalid):
    msg_fmt = ('Compute host %(host)s is unknown or down; it cannot take '
               'a new instance.')


class ComputeHostUnavailable(ServiceUnavailable):
    msg_fmt = ('Compute host %(host)s did not answer within %(timeout)s '
               'seconds; try again later.')


class ComputeHostDown(ComputeHostUnavailable):
    msg_fmt = ('Compute host %(host)s is down: it has sent no heartbeat for '
               'more than %(down_time)s seconds; try again when it is back.')


class ComputeHostNotResponding(ComputeHostUnavailable):
    msg_fmt = ('Compute host %(host)s gave no sign of life within '
               '%(timeout)s seconds: its agent may have stopped; try again '
               'later.')


class HypervisorError(ConsoleHubException):
    msg_fmt = 'The hypervisor failed: %(reason)s'


class InstanceDeleteFailed(ConsoleHubException):
    msg_fmt = ('Delete of instance %(instance_id)s failed on its host: '
               '%(reason)s. The instance is in ERROR; delete it again.')


class BuildTimedOut(ConsoleHubException):
    msg_fmt = 'The build did not finish within %(timeout)s seconds.'


class PortRangeExhausted(ConsoleHubException):
    msg_fmt = 'No free TCP port is left in %(port_range)s on this host.'


# -- hosts --------------------------------------------------------------------

class HypervisorNotFound(NotFound):
    msg_fmt = "Hypervisor with ID '%(hypervisor_id)s' could not be found."


class ServerGroupNotFound(NotFound):
    # Nova's InstanceGroupNotFound wording.
    msg_fmt = 'Instance group %(group_id)s could not be found.'


class InvalidStrTime(Invalid):
    msg_fmt = 'Invalid datetime string: %(reason)s'


class InvalidUsagePeriod(Invalid):
    msg_fmt = ('Invalid start time. The start time cannot occur after the '
               'end time.')


# -- quotas -------------------------------------------------------------------

class OverQuota(Forbidden):
    # Nova's TooManyInstances wording, which its API answers with 403.
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but '
               'already used %(used)s of %(allowed)s %(overs)s')


class QuotaResourceUnknown(Invalid):
    msg_fmt = 'Quota resource %(resource)s is not enforced by this service.'


class QuotaLimitInvalid(Invalid):
    msg_fmt = 'Quota limit %(limit)s for %(resource)s %(reason)s.'


class QuotaLimitBelowUsage(Invalid):
    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be greater than '
               'or equal to already used and reserved %(minimum)s.')


class KeypairLimitExceeded(OverQuota):
    """A user's key pairs reached the ``key_pairs`` quota (Nova's words)."""
    msg_fmt = 'Maximum number of key pairs exceeded'


# -- key pairs (Nova's messages) ----------------------------------------------

class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


# -- images ----------------------------------------------------------------
# Messages as Glance's and Nova's where they have one.

class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ImageExists(Conflict):
    msg_fmt = 'Image with identifier %(image_id)s already exists!'


class ImageStatusConflict(Conflict):
    msg_fmt = ('Image status transition from %(status)s to %(new_status)s '
               'is not allowed.')


class ImageFormatsUnset(Invalid):
    msg_fmt = ('Properties disk_format, container_format must be set prior '
               'to saving data.')


class ImageDataInvalid(UnsupportedMediaType):
    msg_fmt = 'Image data is not a valid %(disk_format)s image: %(reason)s'


class ImageTooLarge(RequestEntityTooLarge):
    msg_fmt = ('The incoming image is too large: it exceeds %(limit)d bytes '
               '([image] max_image_size).')


class ImageQuotaExceeded(RequestEntityTooLarge):
    """A project's image quota (``image_count_total``,
    ``image_size_total``) would be passed: Glance's 413 ``LimitExceeded``
    with oslo.limit's description of the limit (sizes in MiB, rounded
    up)."""
    msg_fmt = ('The request returned a 413 Request Entity Too Large. This '
               'generally means that rate limiting or a quota threshold '
               'was breached. Project %(project_id)s is over a limit for '
               '[Resource %(resource)s is over limit of %(limit)d due to '
               'current usage %(usage)d and delta %(delta)d]')


class ImageStoreFull(RequestEntityTooLarge):
    msg_fmt = 'Image storage media is full: %(reason)s'


class ImageFormatChangeForbidden(Forbidden):
    msg_fmt = ('Attribute %(attribute)s can be only replaced for a queued '
               'image.')


class ImageTagInvalid(Invalid):
    msg_fmt = 'Invalid image tag %(tag)r: %(reason)s'


class ImageTagNotFound(NotFound):
    msg_fmt = 'Tag %(tag)s not found for image %(image_id)s.'


class ImageUploadIncomplete(Invalid):
    msg_fmt = ('The image data ended after %(received)d of %(expected)d '
               'bytes; nothing was stored.')


class ImageDeletedDuringUpload(Gone):
    msg_fmt = ('Image %(image_id)s was deleted during the upload; its data '
               'was discarded.')


class ImageAttributeReadOnly(Forbidden):
    msg_fmt = "Attribute '%(attribute)s' is read-only."


class ImageAttributeReserved(Forbidden):
    msg_fmt = "Attribute '%(attribute)s' is reserved."


class ImagePropertyNotRemovable(Forbidden):
    msg_fmt = 'Property %(name)s may not be removed.'


class ImagePropertyMissing(Conflict):
    msg_fmt = 'Property %(name)s does not exist.'


class ImagePropertyExists(Conflict):
    msg_fmt = 'Property %(name)s already present.'


class ImageOwnerForbidden(Forbidden):
    msg_fmt = "You are not permitted to create images owned by '%(owner)s'."


class ImageOwnerChangeForbidden(Forbidden):
    msg_fmt = "Owner can't be updated by non admin."


class ImageProtected(Forbidden):
    msg_fmt = 'Image %(image_id)s is protected and cannot be deleted.'


class ImageLimitExceeded(RequestEntityTooLarge):
    msg_fmt = 'Maximum number of %(what)s exceeded: %(limit)d.'


class ImageRefInvalid(Invalid):
    msg_fmt = 'Can not find requested image %(image_id)s.'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = ("Flavor's memory is too small for requested image: it has "
               '%(memory_mb)d MiB, the image needs %(min_ram)d MiB.')


class FlavorDiskTooSmall(Invalid):
    msg_fmt = ("Flavor's disk is too small for requested image: it has "
               '%(disk_gb)d GiB, the image needs %(needed_gb)d GiB.')


class InstanceHasNoDisk(Invalid):
    msg_fmt = ('Instance %(instance_id)s boots no image and has no disk to '
               'snapshot.')


class ImageCacheError(HypervisorError):
    msg_fmt = 'Image %(image_id)s cannot be prepared on this host: %(reason)s'


# -- consoles -----------------------------------------------------------------

class ConsoleTypeInvalid(Invalid):
    msg_fmt = ('Console type %(console_type)s is not valid for protocol '
               '%(protocol)s.')


class ConsoleTypeUnavailable(Invalid):
    msg_fmt = 'Console of type %(console_type)s is not available.'


class TakeOverInvalid(Invalid):
    msg_fmt = 'Only a serial console that is not view-only can take over.'


class ConsoleTypeNotServed(Invalid):
    msg_fmt = 'Unavailable console type %(console_type)s.'


class ConsoleProtocolNotImplemented(NotImplementedHere):
    msg_fmt = '%(protocol)s consoles are not implemented by this service.'


class KeyNamesUnknown(Invalid):
    msg_fmt = 'Unknown key names: %(names)s.'


class KeyboardLayoutUnknown(Invalid):
    msg_fmt = 'Unknown keyboard layout: %(layout)s.'


class TextNotTypable(Invalid):
    msg_fmt = ('The %(layout)s keyboard layout cannot type these '
               'characters: %(characters)s.')


class ScreenshotTooLarge(HypervisorError):
    msg_fmt = ('The screenshot of instance %(instance_id)s is over '
               '%(max_bytes)d bytes.')


class InvalidToken(NotFound):
    msg_fmt = 'The console token was not found or has expired.'


class ConsoleSessionNotFound(NotFound):
    msg_fmt = ('Console session %(session_id)s of instance %(instance_id)s '
               'could not be found.')


class ConsoleRecordingNotFound(NotFound):
    msg_fmt = 'Console session %(session_id)s has no recording.'


class DatabaseUnavailable(ServiceUnavailable):
    msg_fmt = 'The database cannot answer now: %(reason)s'
    headers = {'Retry-After': '1'}


# -- TLS ----------------------------------------------------------------------

class TLSConfigInvalid(ConsoleHubException):
    msg_fmt = 'Cannot serve TLS with %(cert)s: %(reason)s'


# -- server metadata ----------------------------------------------------------

class MetadataLimitExceeded(Forbidden):
    # Nova's wording; its API answers it with 403.
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class MetadataKeyNotFound(NotFound):
    msg_fmt = 'Metadata item was not found'


class MetadataKeyMismatch(Invalid):
    msg_fmt = 'Request body and URI mismatch'


class AvailabilityZoneInvalid(Invalid):
    msg_fmt = 'The requested availability zone is not available'


class UserDataInvalid(Invalid):
    msg_fmt = 'Userdata content cannot be decoded'


class InstanceCountInvalid(Invalid):
    msg_fmt = 'min_count must be <= max_count'


class NetworkNotAttached(NotFound):
    msg_fmt = 'Instance is not a member of specified network'


# -- server tags --------------------------------------------------------------

class TagLimitExceeded(Invalid):
    # Nova's wording; its API answers it with 400.
    msg_fmt = 'The number of tags exceeded the per-server limit %(limit)d'


class InstanceTagNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s has no tag '%(tag)s'"


class TagInvalid(Invalid):
    msg_fmt = ("Tag '%(tag)s' is invalid. It must be a non empty string "
               "without characters '/' and ','.")
