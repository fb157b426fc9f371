// What the instance table and an instance's page share: how a server's
// fields read (Nova's compute API reference, "Servers": status,
// OS-EXT-STS:task_state and power_state, OS-EXT-SRV-ATTR:host, image,
// flavor) and its actions, each confirmed before it is sent.

import {confirmAction, h} from '../dom.js';

/** Nova's power_state numbers (nova/compute/power_state.py). */
const POWER_STATES = {0: 'No state', 1: 'Running', 3: 'Paused',
                      4: 'Shut down', 6: 'Crashed', 7: 'Suspended'};

export function powerState(server) {
  const value = server['OS-EXT-STS:power_state'];
  if (value === undefined || value === null) {
    return '—';
  }
  return POWER_STATES[value] || `State ${value}`;
}

export function taskState(server) {
  return server['OS-EXT-STS:task_state'] || '—';
}

/** The host (administrators only see it, as in Nova). */
export function hostOf(server) {
  return server['OS-EXT-SRV-ATTR:host'] || '—';
}

/** The flavor's name: from the embedded flavor (2.47+) or by id. */
export function flavorName(server, flavors) {
  const flavor = server.flavor || {};
  if (flavor.original_name) {
    return flavor.original_name;
  }
  const known = flavors.get(String(flavor.id));
  return known ? `${known.name} (${known.ram} MiB, ${known.vcpus} vCPU)`
               : String(flavor.id || '—');
}

/** The image's name, or "none" for a server booted from no image. */
export function imageName(server, images) {
  const image = server.image;
  if (!image || !image.id) {
    return 'none';
  }
  const known = images && images.get(image.id);
  return known ? (known.name || image.id) : image.id;
}

/** Whether the server is busy: building, or a task under way. */
export function isBusy(server) {
  return server.status === 'BUILD' || Boolean(
    server['OS-EXT-STS:task_state']);
}

/**
 * The status, with a progress bar while the server builds or a task
 * runs; Nova's `progress` (0-100) sets its value when it says one.
 */
export function statusCell(server) {
  const parts = [h('span', {class: `status status-${server.status}`},
                   server.status)];
  if (isBusy(server)) {
    const what = server.status === 'BUILD' ? 'Building'
      : `Task: ${server['OS-EXT-STS:task_state']}`;
    const bar = h('progress', {max: '100', 'aria-label': what,
                               class: 'busy'});
    if (server.progress > 0 && server.progress < 100) {
      bar.value = server.progress;
    }
    parts.push(bar);
  }
  if (server.status === 'ERROR' && server.fault) {
    parts.push(h('span', {class: 'fault'}, server.fault.message));
  }
  return parts;
}

/**
 * The actions, as Nova's API reference spells them: `action` is the
 * server action's name (null for DELETE), `allowed(server)` when its
 * button is enabled.
 */
export const ACTIONS = [
  {key: 'start', label: 'Start', action: 'os-start',
   body: {'os-start': null},
   allowed: (server) => server.status === 'SHUTOFF',
   confirm: 'Start %s? Its guest boots.'},
  {key: 'stop', label: 'Stop', action: 'os-stop', body: {'os-stop': null},
   allowed: (server) => server.status === 'ACTIVE',
   confirm: 'Stop %s? Its guest is shut down; console sessions end.'},
  {key: 'reboot', label: 'Reboot', action: 'reboot',
   body: {reboot: {type: 'SOFT'}},
   allowed: (server) => server.status === 'ACTIVE',
   confirm: 'Reboot %s? Its guest is asked to restart.'},
  {key: 'hard-reboot', label: 'Hard reboot', action: 'reboot',
   body: {reboot: {type: 'HARD'}}, detailOnly: true,
   allowed: (server) => ['ACTIVE', 'SHUTOFF', 'ERROR'].includes(
     server.status),
   confirm: 'Hard reboot %s? Its guest is reset at once, as by the ' +
            'power button: unsaved work is lost.'},
  {key: 'delete', label: 'Delete', action: null,
   allowed: (server) => server['OS-EXT-STS:task_state'] !== 'deleting',
   confirm: 'Delete %s? Its guest and its consoles are gone for good.'},
];

/** The actions a page shows. */
export function actionsFor(detail) {
  return ACTIONS.filter((action) => detail || !action.detailOnly);
}

/**
 * Action buttons for one server, updated in place by update(server) so
 * that focus stays on them across refreshes. A button whose action this
 * API does not offer stays disabled and says so.
 *
 * @param context the dashboard's context (client, capabilities).
 * @param onDone(action, server, error) after the API answered.
 */
export class ActionButtons {
  constructor(context, detail, onDone) {
    this.context = context;
    this.onDone = onDone;
    this.server = null;
    this.pending = false;
    this.buttons = new Map();
    this.element = h('div', {class: 'actions', role: 'group',
                             'aria-label': 'Actions'});
    for (const action of actionsFor(detail)) {
      const offered = action.action === null ||
        context.capabilities.hasAction(action.action);
      const button = h('button', {
        type: 'button', class: `action-${action.key}`,
        'data-action': action.key, disabled: true,
        title: offered ? null
          : `This API does not offer the ${action.action} action yet.`,
        onclick: () => this.run(action)}, action.label);
      button.dataset.offered = offered ? 'yes' : 'no';
      this.buttons.set(action.key, button);
      this.element.append(button);
    }
  }

  update(server) {
    this.server = server;
    for (const action of this.buttons.keys()) {
      const button = this.buttons.get(action);
      const definition = ACTIONS.find((item) => item.key === action);
      // While a task runs the API refuses other actions; delete stays.
      button.disabled = this.pending || button.dataset.offered === 'no' ||
        !definition.allowed(server) ||
        (isBusy(server) && action !== 'delete');
      button.setAttribute('aria-label', `${definition.label} ${server.name}`);
    }
  }

  async run(action) {
    const server = this.server;
    const confirmed = await confirmAction(
      `${action.label} ${server.name}`,
      action.confirm.replace('%s', server.name), action.label);
    if (!confirmed) {
      return;
    }
    this.pending = true;
    this.update(server);
    let failure = null;
    try {
      if (action.action === null) {
        await this.context.client.delete(`/v2.1/servers/${server.id}`);
      } else {
        await this.context.client.post(`/v2.1/servers/${server.id}/action`,
                                       action.body);
      }
    } catch (error) {
      failure = error;
    }
    this.pending = false;
    this.update(server);
    this.onDone(action, server, failure);
  }
}

/** The note listing the actions this API does not offer, or null. */
export function missingActionsNote(context, extra) {
  const missing = [...new Set(ACTIONS.filter((action) => action.action &&
      !context.capabilities.hasAction(action.action))
    .map((action) => action.label.toLowerCase()))];
  for (const [name, label] of extra || []) {
    if (!context.capabilities.hasAction(name)) {
      missing.push(label);
    }
  }
  if (!missing.length) {
    return null;
  }
  return h('p', {class: 'note', id: 'missing-actions'},
    `Not offered by this API yet: ${missing.join(', ')}. ` +
    'Those buttons stay disabled.');
}
