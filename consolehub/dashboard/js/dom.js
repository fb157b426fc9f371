// Building the page without markup strings: the Content-Security-Policy
// enforces Trusted Types, so text only ever becomes text nodes.

/**
 * A new element: h('button', {type: 'button', onclick: f}, 'Stop').
 * Attributes named on* become listeners; hidden, disabled, value and
 * checked are set as properties; null and false attributes are left out.
 * Children are nodes or strings (strings become text), arrays flattened.
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else if (['hidden', 'disabled', 'value', 'checked'].includes(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace every child of `element` with `children`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * Replace the children of `container` without losing the keyboard focus
 * inside it: the element focused before gets it back through its
 * replacement with the same data-focus-key, else `fallback` gets it.
 */
export function replaceKeepingFocus(container, fallback, ...children) {
  const focused = document.activeElement;
  const hadFocus = container.contains(focused);
  const key = hadFocus ? focused.dataset.focusKey : undefined;
  replaceChildren(container, ...children);
  if (!hadFocus) {
    return;
  }
  const again = key && [...container.querySelectorAll('[data-focus-key]')]
    .find((element) => element.dataset.focusKey === key);
  (again || fallback).focus();
}

/** Say `message` to screen readers (the polite live region). */
export function announce(message) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  // A new text node after a clear is announced even if it repeats.
  window.requestAnimationFrame(() => { region.textContent = message; });
}

/**
 * An alert box that shows errors: .show(error or text), .clear().
 * role="alert" makes screen readers read it out as it appears.
 */
export class ErrorBox {
  constructor(label) {
    this.element = h('div', {class: 'alert', role: 'alert', hidden: true,
                             'data-error-for': label || null});
  }

  show(error) {
    const text = typeof error === 'string' ? error
      : (error.describe ? error.describe() : error.message);
    replaceChildren(this.element, text);
    this.element.hidden = false;
  }

  clear() {
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}

/**
 * Ask the user to confirm: resolves true if they press the confirming
 * button, false on Cancel or Escape. The native modal <dialog> keeps the
 * focus inside and returns it to where it was.
 */
export function confirmAction(title, text, confirmLabel) {
  const dialog = document.getElementById('confirm');
  const ok = document.getElementById('confirm-ok');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  ok.textContent = confirmLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener && opener.isConnected) {
        opener.focus();
      }
      resolve(dialog.returnValue === 'ok');
    }, {once: true});
    dialog.returnValue = 'cancel';
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

/** `bytes` as text: 1536 -> "1.5 KiB". */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) {
    return '—';
  }
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium', timeStyle: 'medium'});

/** A <time> element for an ISO 8601 timestamp, shown in local time. */
export function timeElement(iso) {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return h('time', {datetime: iso}, DATE_FORMAT.format(date));
}
