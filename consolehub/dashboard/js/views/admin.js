// #/admin, for administrators: the compute services (Nova's
// os-services), the console sessions of any instance, which an
// administrator may end and whose recordings they may download and
// replay, and what a console token leads to (Nova's
// os-console-auth-tokens, 2.31).

import {announce, confirmAction, ErrorBox, formatBytes, h, replaceChildren,
        replaceKeepingFocus, timeElement} from '../dom.js';

/**
 * The compute services: Nova's /v2.1/os-services, or consolehub's
 * /os-services where the former is absent.
 * @throws {ApiError} 403 for users who are not administrators.
 */
export async function listServices(client) {
  try {
    return (await client.get('/v2.1/os-services')).services;
  } catch (error) {
    if (error.status !== 404) {
      throw error;
    }
  }
  return (await client.get('/os-services')).services;
}

/**
 * The console token in what an administrator pasted: the token itself,
 * or an access_url holding it (?token=..., or noVNC's ?path=?token=...).
 */
export function tokenFrom(text) {
  const value = text.trim();
  let url;
  try {
    url = new URL(value);
  } catch (notUrl) {
    return value;
  }
  const direct = url.searchParams.get('token');
  if (direct) {
    return direct;
  }
  const path = url.searchParams.get('path') || '';
  const inner = new URLSearchParams(path.slice(path.indexOf('?') + 1));
  return inner.get('token') || value;
}

/** A table; a caption that repeats the section's heading is for
 * screen readers only. */
function table(id, caption, columns, rows, captionHidden) {
  return h('div', {class: 'table-wrap'}, h('table', {id},
    h('caption', {class: captionHidden ? 'visually-hidden' : null}, caption),
    h('thead', {}, h('tr', {}, columns.map(
      (column) => h('th', {scope: 'col'}, column)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {
      colspan: columns.length}, 'None.')))));
}

function servicesSection(context, errors) {
  const slot = h('div');
  async function refresh() {
    let services;
    try {
      services = await listServices(context.client);
    } catch (error) {
      errors.show(error);
      return;
    }
    replaceChildren(slot, table('services', 'Compute services',
      ['Host', 'Binary', 'State', 'Status', 'Last heartbeat', 'Zone'],
      services.map((service) => h('tr', {'data-host': service.host},
        h('th', {scope: 'row'}, service.host),
        h('td', {}, service.binary),
        h('td', {}, h('span', {class: `state state-${service.state}`},
                      service.state)),
        h('td', {}, service.status),
        h('td', {}, timeElement(service.updated_at)),
        h('td', {}, service.zone))), true));
  }
  return {element: h('section', {'aria-labelledby': 'services-heading'},
    h('h2', {id: 'services-heading'}, 'Compute services'), slot), refresh};
}

/**
 * The replay of recordings: the console proxy's replay page in a frame,
 * given the recording the dashboard downloaded with the administrator's
 * token (the page itself has no token).
 */
function replayPanel(context, errors) {
  const slot = h('div', {id: 'replay', class: 'console-frame'});
  let pending = null;
  let frame = null;

  window.addEventListener('message', (event) => {
    if (frame && event.source === frame.contentWindow && pending &&
        event.data && event.data.replay === 'ready') {
      frame.contentWindow.postMessage({recording: pending},
                                      new URL(frame.src).origin);
      pending = null;
    }
  });

  async function play(serverId, session) {
    try {
      pending = await context.client.bytes(recordingPath(serverId, session));
    } catch (error) {
      errors.show(error);
      return;
    }
    frame = h('iframe', {id: 'replay-frame', src: context.settings.replay_url,
                         title: `Replay of session ${session.id.slice(0, 8)}`});
    frame.dataset.session = session.id;
    replaceChildren(slot, h('h3', {}, 'Replay of session ' +
                                      session.id.slice(0, 8)), frame);
    announce('Replaying the recording.');
  }

  return {element: slot, play};
}

function recordingPath(serverId, session) {
  return `/servers/${serverId}/console-sessions/${session.id}/recording`;
}

async function download(context, errors, serverId, session) {
  let bytes;
  try {
    bytes = await context.client.bytes(recordingPath(serverId, session));
  } catch (error) {
    errors.show(error);
    return;
  }
  const url = URL.createObjectURL(new Blob(
    [bytes], {type: 'application/octet-stream'}));
  const link = h('a', {href: url, download: `${session.id}.rec`});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** The Recording cell: its size, Download and Replay, or why none. */
function recordingCell(context, errors, serverId, session, replay) {
  if (!session.recorded) {
    return '—';
  }
  if (session.recording_bytes === null) {
    return 'not kept';
  }
  const name = session.id.slice(0, 8);
  return [formatBytes(session.recording_bytes), ' ',
    h('button', {type: 'button', class: 'action-download',
                 'data-focus-key': `download-${session.id}`,
                 'aria-label': `Download the recording of session ${name}`,
                 onclick: () => download(context, errors, serverId, session)},
      'Download'), ' ',
    context.settings.replay_url ? h('button', {
      type: 'button', class: 'action-replay',
      'data-focus-key': `replay-${session.id}`,
      'aria-label': `Replay the recording of session ${name}`,
      onclick: () => replay.play(serverId, session)}, 'Replay') : null];
}

function sessionsSection(context, errors) {
  const picker = h('select', {id: 'sessions-instance'});
  const slot = h('div');
  const replay = replayPanel(context, errors);
  const heading = h('h2', {id: 'sessions-heading', tabindex: '-1'},
                    'Console sessions');
  let known = '';
  let shown = '';

  async function end(serverId, session) {
    const confirmed = await confirmAction(
      'End console session', `End the ${session.console_type} session ` +
      `from ${session.client_address}? Its viewer is disconnected.`,
      'End session');
    if (!confirmed) {
      return;
    }
    try {
      await context.client.delete(
        `/servers/${serverId}/console-sessions/${session.id}`);
      announce('The session is ending.');
      await refreshSessions();
    } catch (error) {
      errors.show(error);
    }
  }

  async function refreshSessions() {
    const serverId = picker.value;
    if (!serverId) {
      replaceChildren(slot, h('p', {}, 'No instance to show.'));
      return;
    }
    let sessions;
    try {
      sessions = (await context.client.get(
        `/servers/${serverId}/console-sessions`)).console_sessions;
    } catch (error) {
      errors.show(error);
      return;
    }
    const signature = JSON.stringify([serverId, sessions]);
    if (signature === shown) {
      return;
    }
    shown = signature;
    replaceKeepingFocus(slot, heading, table('sessions', 'Console sessions, newest first',
      ['Session', 'Type', 'Client', 'Status', 'Started', 'Ended',
       'To client', 'To guest', 'Reason', 'Recording', 'Actions'],
      sessions.map((session) => h('tr', {'data-session-id': session.id,
                                         'data-status': session.status},
        h('th', {scope: 'row'}, session.id.slice(0, 8)),
        h('td', {}, session.console_type),
        h('td', {}, session.client_address || '—'),
        h('td', {}, session.status),
        h('td', {}, timeElement(session.started_at)),
        h('td', {}, timeElement(session.ended_at)),
        h('td', {}, formatBytes(session.bytes_to_client)),
        h('td', {}, formatBytes(session.bytes_to_guest)),
        h('td', {}, session.close_reason || '—'),
        h('td', {class: 'recording'}, recordingCell(
          context, errors, serverId, session, replay)),
        h('td', {}, session.status === 'open' ? h('button', {
          type: 'button', class: 'action-end',
          'data-focus-key': `end-${session.id}`,
          'aria-label': `End session ${session.id.slice(0, 8)}`,
          onclick: () => end(serverId, session)}, 'End') : '—')))));
  }

  async function refresh() {
    let list;
    try {
      list = (await context.client.get(
        '/v2.1/servers/detail?all_tenants=1')).servers;
    } catch (error) {
      errors.show(error);
      return;
    }
    const signature = list.map((server) => server.id).join(',');
    if (signature !== known) {
      known = signature;
      const chosen = picker.value;
      replaceChildren(picker, list.map((server) => h('option', {
        value: server.id}, `${server.name} (project ${server.tenant_id}, ` +
        `${server.status})`)));
      if (list.some((server) => server.id === chosen)) {
        picker.value = chosen;
      }
    }
    await refreshSessions();
  }

  picker.addEventListener('change', refreshSessions);
  return {element: h('section', {'aria-labelledby': 'sessions-heading'},
    heading,
    h('div', {class: 'field'}, h('label', {for: 'sessions-instance'},
      'Instance (every project)'), picker), slot, replay.element), refresh};
}

function tokenSection(context) {
  const errors = new ErrorBox('token-lookup');
  const result = h('div', {id: 'token-result', 'aria-live': 'polite'});
  const input = h('input', {id: 'token-value', name: 'token', required: true,
                            autocomplete: 'off', spellcheck: 'false'});

  async function lookUp(event) {
    event.preventDefault();
    errors.clear();
    result.replaceChildren();
    const token = tokenFrom(input.value);
    try {
      const found = (await context.client.get(
        `/v2.1/os-console-auth-tokens/${encodeURIComponent(token)}`)).console;
      replaceChildren(result, h('dl', {class: 'details'},
        h('dt', {}, 'Instance'), h('dd', {'data-field': 'instance'},
          h('a', {href: `#/instances/${found.instance_uuid}`},
            found.instance_uuid)),
        h('dt', {}, 'Host'), h('dd', {'data-field': 'host'}, found.host),
        h('dt', {}, 'Port'), h('dd', {'data-field': 'port'},
                                String(found.port)),
        h('dt', {}, 'Internal access path'),
        h('dd', {'data-field': 'path'}, found.internal_access_path || '—')));
    } catch (error) {
      errors.show(error);
    }
  }

  return h('section', {'aria-labelledby': 'token-heading'},
    h('h2', {id: 'token-heading'}, 'Console token lookup'),
    h('form', {id: 'token-lookup', class: 'inline-form', onsubmit: lookUp},
      errors.element,
      h('div', {class: 'field wide'}, h('label', {for: 'token-value'},
        'Console token or access URL'), input),
      h('div', {class: 'field submit'},
        h('button', {type: 'submit', class: 'primary'}, 'Look up'))),
    h('p', {class: 'hint'}, 'Looking a token up does not use it up.'),
    result);
}

export function render(context, main) {
  const errors = new ErrorBox('admin');
  if (!context.isAdmin) {
    main.replaceChildren(h('section', {},
      h('h1', {tabindex: '-1'}, 'Admin'),
      h('p', {class: 'note'}, 'These pages are for administrators.')));
    return {refresh: () => Promise.resolve()};
  }
  const services = servicesSection(context, errors);
  const sessions = sessionsSection(context, errors);
  main.replaceChildren(h('section', {class: 'admin'},
    h('h1', {tabindex: '-1'}, 'Admin'), errors.element,
    services.element, sessions.element, tokenSection(context)));
  return {refresh: () => Promise.all([services.refresh(),
                                      sessions.refresh()])};
}
