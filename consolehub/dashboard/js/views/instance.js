// #/instances/<id>: one server, its actions, its console inside the page
// and its console log.
//
// A console is the access_url of POST /v2.1/servers/{id}/remote-consoles
// (Nova's "Create Console", 2.6+) shown in a frame: the page comes from
// the console proxy's own origin, so its websocket passes the proxy's
// Origin check with no [console] allowed_origins entry, and this page's
// Content-Security-Policy frame-src names the proxies.

import {announce, ErrorBox, h, replaceChildren, timeElement} from '../dom.js';
import {loadImages} from './images.js';
import * as servers from './servers.js';

/**
 * The consoles offered: Nova's remote console protocol and type; a
 * view-only one (consolehub's "view_only") shows the guest's screen and
 * the proxy relays none of its keys or pointer moves, so a project's
 * reader may open it too.
 */
const CONSOLES = [
  {key: 'novnc', label: 'VNC (noVNC)', protocol: 'vnc', type: 'novnc'},
  {key: 'novnc-watch', label: 'Watch (view only)', protocol: 'vnc',
   type: 'novnc', viewOnly: true},
  {key: 'spice', label: 'SPICE', protocol: 'spice', type: 'spice-html5'},
  {key: 'serial', label: 'Serial', protocol: 'serial', type: 'serial'},
];

/** Lines of the console log asked for; 0 is all of it. */
const LOG_LENGTHS = [50, 200, 1000, 0];

/**
 * The page to frame for a console's access_url. noVNC is asked to scale
 * the guest's screen to the frame; the serial console's access_url is
 * the proxy's websocket, whose terminal page is /serial.html.
 */
export function frameUrl(console, accessUrl) {
  const url = new URL(accessUrl);
  if (console.protocol === 'serial') {
    const token = url.searchParams.get('token');
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    url.pathname = '/serial.html';
    url.search = '';
    url.searchParams.set('token', token || '');
  } else if (console.protocol === 'vnc') {
    url.searchParams.set('scale', 'true');
    url.searchParams.set('resize', 'scale');
    if (console.viewOnly) {
      // noVNC then sends no input either (the proxy drops it anyway).
      url.searchParams.set('view_only', 'true');
    }
  }
  return url.href;
}

function detailList(server, context, images) {
  const fields = [
    ['ID', server.id],
    ['Status', servers.statusCell(server)],
    ['Task', servers.taskState(server)],
    ['Power state', servers.powerState(server)],
    ['Host', servers.hostOf(server)],
    ['Image', servers.imageName(server, images)],
    ['Flavor', servers.flavorName(server, context.flavors)],
    ['Created', timeElement(server.created)],
    ['Updated', timeElement(server.updated)],
  ];
  return h('dl', {class: 'details', id: 'instance-details'},
    fields.map(([name, value]) => [
      h('dt', {}, name),
      h('dd', {'data-field': name.toLowerCase().replace(' ', '-')}, value)]));
}

function consolePanel(context, serverId, errors) {
  const frameSlot = h('div', {class: 'console-frame'});
  const close = h('button', {type: 'button', id: 'console-close',
                             hidden: true}, 'Close console');
  const status = h('p', {class: 'hint', id: 'console-hint'},
    'Open a console to see the guest\'s screen here. While it has the ' +
    'focus, keys go to the guest; press Close console (or F6 to reach ' +
    'the address bar) to leave it.');
  const buttons = CONSOLES.map((console) => h('button', {
    type: 'button', 'data-console': console.key,
    onclick: () => open(console)}, console.label));

  async function open(console) {
    errors.clear();
    for (const button of buttons) {
      button.disabled = true;
    }
    try {
      const answer = await context.client.post(
        `/v2.1/servers/${serverId}/remote-consoles`,
        {remote_console: Object.assign(
          {protocol: console.protocol, type: console.type},
          console.viewOnly ? {view_only: true} : {})});
      const url = frameUrl(console, answer.body.remote_console.url);
      const frame = h('iframe', {
        id: 'console-frame', src: url,
        title: `${console.label} console`,
        referrerpolicy: 'no-referrer',
        // Scripts and its own origin (for its websocket), nothing more.
        sandbox: 'allow-scripts allow-same-origin'});
      frame.dataset.console = console.key;
      replaceChildren(frameSlot, frame);
      close.hidden = false;
      frame.dataset.viewOnly = console.viewOnly ? 'true' : 'false';
      announce(`${console.label} console opened.`);
    } catch (error) {
      errors.show(error);
    } finally {
      for (const button of buttons) {
        button.disabled = false;
      }
    }
  }

  close.addEventListener('click', () => {
    frameSlot.replaceChildren();
    close.hidden = true;
    buttons[0].focus();
    announce('Console closed.');
  });

  return {
    element: h('section', {'aria-labelledby': 'console-heading'},
      h('h2', {id: 'console-heading'}, 'Console'),
      h('div', {class: 'actions', role: 'group',
                'aria-label': 'Open a console'}, buttons, close),
      status, frameSlot),
    closeFrame: () => frameSlot.replaceChildren(),
  };
}

function logPanel(context, serverId, errors) {
  const offered = context.capabilities.hasAction('os-getConsoleOutput');
  const output = h('pre', {id: 'console-log', class: 'log', tabindex: '0',
                           'aria-label': 'Console log', hidden: true});
  const follow = h('input', {type: 'checkbox', id: 'log-follow'});
  const lengths = h('select', {id: 'log-length'}, LOG_LENGTHS.map(
    (length) => h('option', {value: String(length)},
                  length ? `Last ${length} lines` : 'All of it')));
  const show = h('button', {type: 'button', id: 'log-show',
                            disabled: !offered}, 'Show log');

  async function load() {
    const length = Number(lengths.value);
    const body = {'os-getConsoleOutput': length ? {length} : {}};
    try {
      const answer = await context.client.post(
        `/v2.1/servers/${serverId}/action`, body);
      const text = answer.body.output || '';
      const atEnd = output.scrollTop + output.clientHeight >=
                    output.scrollHeight - 4;
      output.textContent = text || '(The guest has printed nothing yet.)';
      output.hidden = false;
      if (atEnd) {
        output.scrollTop = output.scrollHeight;
      }
    } catch (error) {
      errors.show(error);
      follow.checked = false;
    }
  }

  show.addEventListener('click', () => {
    follow.checked = true;
    load();
  });
  const note = offered ? null : h('p', {class: 'note', id: 'no-log'},
    'This API does not offer the console log (the os-getConsoleOutput ' +
    'action) yet.');
  return {
    element: h('section', {'aria-labelledby': 'log-heading'},
      h('h2', {id: 'log-heading'}, 'Console log'), note,
      h('div', {class: 'inline-form'},
        h('div', {class: 'field'}, h('label', {for: 'log-length'}, 'Show'),
          lengths),
        h('div', {class: 'field checkbox'}, follow,
          h('label', {for: 'log-follow'}, 'Keep it up to date')),
        h('div', {class: 'field submit'}, show)),
      output),
    refresh: () => (offered && follow.checked ? load() : Promise.resolve()),
  };
}

export function render(context, main, serverId) {
  const errors = new ErrorBox('instance');
  const heading = h('h1', {tabindex: '-1'}, 'Instance');
  const details = h('div');
  let images = new Map();
  let gone = false;

  const buttons = new servers.ActionButtons(context, true,
    (action, server, error) => {
      if (error) {
        errors.show(error);
        return;
      }
      errors.clear();
      announce(`${action.label}: ${server.name} accepted.`);
      if (action.key === 'delete') {
        window.location.hash = '#/instances';
      } else {
        refresh();
      }
    });
  const consoles = consolePanel(context, serverId, errors);
  const log = logPanel(context, serverId, errors);
  loadImages(context).then((found) => {
    images = found && new Map(found.map((image) => [image.id, image]));
  }).catch(() => {});

  async function refresh() {
    if (gone) {
      return;
    }
    let server;
    try {
      server = (await context.client.get(`/v2.1/servers/${serverId}`)).server;
    } catch (error) {
      if (error.status === 404) {
        gone = true;
        consoles.closeFrame();
        replaceChildren(details, h('p', {class: 'note', id: 'gone'},
          'This instance no longer exists. ',
          h('a', {href: '#/instances'}, 'Back to the instances')));
      }
      errors.show(error);
      return;
    }
    heading.textContent = server.name;
    document.title = `${server.name} - consolehub`;
    buttons.update(server);
    replaceChildren(details, detailList(server, context, images),
      server.status === 'ERROR' && server.fault
        ? h('p', {class: 'alert'}, `Fault: ${server.fault.message}`) : null);
    await log.refresh();
  }

  main.replaceChildren(h('section', {class: 'instance'},
    h('p', {class: 'breadcrumb'}, h('a', {href: '#/instances'},
                                    'Instances')),
    heading, errors.element, buttons.element,
    servers.missingActionsNote(context), details,
    consoles.element, log.element));
  return {refresh, stop: consoles.closeFrame};
}
