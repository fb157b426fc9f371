"""A guest's console output as Nova's os-getConsoleOutput gives it."""


def tail_lines(text, count):
    """The last ``count`` lines of ``text``, as Nova's ``length``.

    A final newline ends the last line rather than starting an empty one.

    :param count: int; None or negative: all of ``text``; 0: ''.
    """
    if count is None or count < 0:
        return text
    if count == 0:
        return ''
    start = len(text) - 1 if text.endswith('\n') else len(text)
    for _ in range(count):
        start = text.rfind('\n', 0, start)
        if start < 0:
            return text
    return text[start + 1:]
