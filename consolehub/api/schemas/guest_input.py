"""JSON Schemas of the native keyboard actions on ``POST
/instances/{id}/action``: ``send-keys`` and ``type-text`` (no Nova
counterpart; the bounds are libvirt's most keys in one
``virDomainSendKey`` and a bounded typing time)."""

from consolehub.api.schemas import instance_actions as action_schema

#: Most keys pressed together (libvirt's VIR_DOMAIN_SEND_KEY_MAX_KEYS).
MAX_KEYS = 16
#: Most characters typed by one ``type-text``.
MAX_TEXT_LENGTH = 1024
#: How long ``send-keys`` holds its keys by default and at most (ms).
DEFAULT_HOLD_MS = 100
MAX_HOLD_MS = 5000

SEND_KEYS = action_schema.action('send-keys', {
    'type': 'object',
    'properties': {
        'keys': {'type': 'array', 'minItems': 1, 'maxItems': MAX_KEYS,
                 'items': {'type': 'string', 'minLength': 1,
                           'maxLength': 32}},
        'hold_ms': {'type': 'integer', 'minimum': 1,
                    'maximum': MAX_HOLD_MS},
    },
    'required': ['keys'],
    'additionalProperties': False,
})

TYPE_TEXT = action_schema.action('type-text', {
    'type': 'object',
    'properties': {
        'text': {'type': 'string', 'minLength': 1,
                 'maxLength': MAX_TEXT_LENGTH},
        'layout': {'type': 'string', 'enum': ['us']},
    },
    'required': ['text'],
    'additionalProperties': False,
})
