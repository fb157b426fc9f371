"""Key names and typed text as Linux input keycodes.

A chord is a list of keycodes pressed together and released in reverse
order, as libvirt's ``virDomainSendKey`` takes them in its
``VIR_KEYCODE_SET_LINUX`` code set (the codes of
``linux/input-event-codes.h``, which ``virsh send-key`` also takes by
their ``KEY_*`` names). The API converts a request into chords; the
compute agent sends them one after another.
"""

import time

from consolehub import exception

#: Most keys in one chord (libvirt's VIR_DOMAIN_SEND_KEY_MAX_KEYS).
MAX_CHORD_KEYS = 16

#: Most characters of one ``type-text``.
MAX_TEXT_LENGTH = 1024

#: The layouts :func:`chords_for_text` knows.
LAYOUTS = ('us',)

_LETTERS = dict(zip('qwertyuiop', range(16, 26)))
_LETTERS.update(zip('asdfghjkl', range(30, 39)))
_LETTERS.update(zip('zxcvbnm', range(44, 51)))
_DIGITS = dict(zip('1234567890', range(2, 12)))
_FUNCTION_KEYS = dict(('f%d' % number, 58 + number)
                      for number in range(1, 11))
_FUNCTION_KEYS.update(f11=87, f12=88)

#: Key name (lower case) -> Linux keycode. ``KEY_<NAME>`` is taken too.
KEYCODES = dict(_LETTERS, **_DIGITS, **_FUNCTION_KEYS, **{
    'esc': 1, 'minus': 12, 'equal': 13, 'backspace': 14, 'tab': 15,
    'leftbrace': 26, 'rightbrace': 27, 'enter': 28, 'leftctrl': 29,
    'semicolon': 39, 'apostrophe': 40, 'grave': 41, 'leftshift': 42,
    'backslash': 43, 'comma': 51, 'dot': 52, 'slash': 53,
    'rightshift': 54, 'kpasterisk': 55, 'leftalt': 56, 'space': 57,
    'capslock': 58, 'numlock': 69, 'scrolllock': 70, 'rightctrl': 97,
    'sysrq': 99, 'rightalt': 100, 'home': 102, 'up': 103, 'pageup': 104,
    'left': 105, 'right': 106, 'end': 107, 'down': 108, 'pagedown': 109,
    'insert': 110, 'delete': 111, 'pause': 119, 'leftmeta': 125,
    'rightmeta': 126, 'compose': 127,
})
# Short names of the left-hand modifiers and common aliases.
KEYCODES.update({'ctrl': 29, 'shift': 42, 'alt': 56, 'meta': 125,
                 'altgr': 100, 'escape': 1, 'return': 28, 'del': 111,
                 'print': 99, 'menu': 127})

_SHIFT = KEYCODES['leftshift']

#: The US layout's unshifted and shifted punctuation -> key name.
_US_PUNCTUATION = {
    '-': 'minus', '=': 'equal', '[': 'leftbrace', ']': 'rightbrace',
    ';': 'semicolon', "'": 'apostrophe', '`': 'grave',
    '\\': 'backslash', ',': 'comma', '.': 'dot', '/': 'slash',
    ' ': 'space', '\n': 'enter', '\t': 'tab',
}
_US_SHIFTED = dict(zip('!@#$%^&*()', '1234567890'))
_US_SHIFTED.update({
    '_': 'minus', '+': 'equal', '{': 'leftbrace', '}': 'rightbrace',
    ':': 'semicolon', '"': 'apostrophe', '~': 'grave', '|': 'backslash',
    '<': 'comma', '>': 'dot', '?': 'slash',
})


def keycode(name):
    """The Linux keycode (int) of a key name such as ``ctrl``, ``f2``,
    ``a`` or ``KEY_DELETE`` (any case), or None if unknown."""
    name = name.lower()
    if name.startswith('key_'):
        name = name[4:]
    return KEYCODES.get(name)


def chord_for_names(names):
    """One chord of the keys ``names`` (list of str), pressed together.

    :raises KeyNamesUnknown: naming every unknown name.
    """
    codes = [keycode(name) for name in names]
    unknown = [name for name, code in zip(names, codes) if code is None]
    if unknown:
        raise exception.KeyNamesUnknown(names=', '.join(
            repr(name[:32]) for name in unknown))
    return codes


def _us_chord(character):
    if not character.isascii():
        return None
    if character in _LETTERS or character in _DIGITS:
        return [KEYCODES[character]]
    lower = character.lower()
    if character != lower and lower in _LETTERS:
        return [_SHIFT, KEYCODES[lower]]
    if character in _US_PUNCTUATION:
        return [KEYCODES[_US_PUNCTUATION[character]]]
    if character in _US_SHIFTED:
        return [_SHIFT, KEYCODES[_US_SHIFTED[character]]]
    return None


def chords_for_text(text, layout='us'):
    """The chords that type ``text`` on a keyboard of ``layout``, one a
    character: letters, digits, space and punctuation (with shift where
    the layout needs it), ``\\n`` as Enter and ``\\t`` as Tab.

    :param layout: one of :data:`LAYOUTS`.
    :returns: list of lists of int.
    :raises TextNotTypable: naming (once each, in order) the characters
        the layout has no key for.
    """
    if layout not in LAYOUTS:
        raise exception.KeyboardLayoutUnknown(layout=layout[:32])
    chords = [_us_chord(character) for character in text]
    missing = []
    for character, chord in zip(text, chords):
        if chord is None and character not in missing:
            missing.append(character)
    if missing:
        raise exception.TextNotTypable(layout=layout, characters=', '.join(
            ascii(character) for character in missing[:16]))
    return chords


#: Milliseconds between two chords, beyond their hold and release.
CHORD_GAP_MS = 10


def chord_seconds(chord, hold_ms):
    """Seconds QEMU takes to press and release ``chord``: each press and
    each release is followed by the hold time in its input queue."""
    return (2 * len(chord) * hold_ms + CHORD_GAP_MS) / 1000.0


def send_chords(driver, instance, chords, hold_ms):
    """Send ``chords`` one after another through ``driver.send_keys``.

    The next chord waits until QEMU has released the previous one: its
    input queue drops key events beyond a few dozen, so sending them all
    at once would lose keys.

    :param chords: list of lists of Linux keycodes.
    :param hold_ms: how long each chord is held (int, milliseconds).
    """
    for number, chord in enumerate(chords):
        if number:
            time.sleep(chord_seconds(chords[number - 1], hold_ms))
        driver.send_keys(instance, chord, hold_ms)
