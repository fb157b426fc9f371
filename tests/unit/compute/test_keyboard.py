"""Key names and US-layout text as Linux keycodes, and their pacing."""

import pytest

from consolehub.compute import keyboard
from consolehub import exception

SHIFT = 42


@pytest.mark.parametrize('name, code', [
    ('ctrl', 29), ('alt', 56), ('shift', 42), ('delete', 111),
    ('del', 111), ('enter', 28), ('esc', 1), ('f1', 59), ('f10', 68),
    ('f11', 87), ('f12', 88), ('a', 30), ('q', 16), ('z', 44), ('m', 50),
    ('1', 2), ('0', 11), ('space', 57), ('tab', 15), ('sysrq', 99),
    ('KEY_DELETE', 111), ('key_leftctrl', 29), ('Ctrl', 29), ('up', 103),
])
def test_key_names_are_linux_input_codes(name, code):
    assert keyboard.keycode(name) == code


def test_every_letter_has_its_own_code():
    codes = [keyboard.keycode(letter) for letter in
             'abcdefghijklmnopqrstuvwxyz']
    assert len(set(codes)) == 26
    assert None not in codes


def test_a_chord_keeps_the_order_of_its_names():
    assert keyboard.chord_for_names(['ctrl', 'alt', 'delete']) == [
        29, 56, 111]


def test_unknown_names_are_all_named():
    with pytest.raises(exception.KeyNamesUnknown) as raised:
        keyboard.chord_for_names(['ctrl', 'hyper', 'KEY_NOPE'])
    assert str(raised.value) == "Unknown key names: 'hyper', 'KEY_NOPE'."


@pytest.mark.parametrize('character, chord', [
    ('a', [30]), ('A', [SHIFT, 30]), ('5', [6]), ('%', [SHIFT, 6]),
    ('!', [SHIFT, 2]), (')', [SHIFT, 11]), ('-', [12]), ('_', [SHIFT, 12]),
    ('=', [13]), ('+', [SHIFT, 13]), ('[', [26]), ('{', [SHIFT, 26]),
    (';', [39]), (':', [SHIFT, 39]), ("'", [40]), ('"', [SHIFT, 40]),
    ('`', [41]), ('~', [SHIFT, 41]), ('\\', [43]), ('|', [SHIFT, 43]),
    (',', [51]), ('<', [SHIFT, 51]), ('.', [52]), ('>', [SHIFT, 52]),
    ('/', [53]), ('?', [SHIFT, 53]), (' ', [57]), ('\n', [28]),
    ('\t', [15]),
])
def test_us_layout_characters(character, chord):
    assert keyboard.chords_for_text(character) == [chord]


def test_every_printable_ascii_character_is_typable():
    printable = ''.join(chr(code) for code in range(32, 127))
    chords = keyboard.chords_for_text(printable)
    assert len(chords) == len(printable)
    # Shifted and unshifted characters never share a chord.
    assert len({tuple(chord) for chord in chords}) == len(printable)


def test_a_command_line():
    assert keyboard.chords_for_text('ls >/x\n') == [
        [38], [31], [57], [SHIFT, 52], [53], [45], [28]]


def test_untypable_characters_are_named_once_in_order():
    with pytest.raises(exception.TextNotTypable) as raised:
        keyboard.chords_for_text('caf\u00e9 \u00e9\u20ac\r\x00')
    assert str(raised.value) == (
        'The us keyboard layout cannot type these characters: '
        "'\\xe9', '\\u20ac', '\\r', '\\x00'.")


def test_non_ascii_letters_with_an_ascii_lower_case_are_refused():
    # KELVIN SIGN lower-cases to "k".
    with pytest.raises(exception.TextNotTypable):
        keyboard.chords_for_text('\u212a')


def test_unknown_layout():
    with pytest.raises(exception.KeyboardLayoutUnknown):
        keyboard.chords_for_text('a', 'dvorak')


class _RecordingDriver(object):
    def __init__(self):
        self.sent = []

    def send_keys(self, instance, keycodes, hold_ms):
        self.sent.append((instance['uuid'], keycodes, hold_ms))


def test_chords_are_sent_in_order_with_their_hold_time(monkeypatch):
    pauses = []
    monkeypatch.setattr(keyboard.time, 'sleep', pauses.append)
    driver = _RecordingDriver()
    keyboard.send_chords(driver, {'uuid': 'u'}, [[30], [SHIFT, 31]], 10)
    assert driver.sent == [('u', [30], 10), ('u', [SHIFT, 31], 10)]
    # After a chord of one key: its press and release, then the gap.
    assert pauses == [pytest.approx(0.03)]


def test_chord_seconds_grow_with_keys_and_hold():
    assert keyboard.chord_seconds([1, 2, 3], 100) == pytest.approx(0.61)
