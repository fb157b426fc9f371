// #/instances: the live table of the project's servers and the form that
// creates one (POST /v2.1/servers with a flavor and, when the API has
// images, an image).

import {announce, ErrorBox, h, replaceChildren, timeElement} from '../dom.js';
import {loadImages} from './images.js';
import * as servers from './servers.js';

const COLUMNS = ['Name', 'Status', 'Task', 'Power state', 'Host', 'Image',
                 'Flavor', 'Created', 'Actions'];

function option(value, label) {
  return h('option', {value}, label);
}

/** The create form; onCreated(name) after the API accepted it. */
function createForm(context, images, onCreated) {
  const errors = new ErrorBox('create');
  const progress = h('progress', {'aria-label': 'Creating', hidden: true});
  const flavorSelect = h('select', {id: 'create-flavor', name: 'flavor'},
    [...context.flavors.values()].map((flavor) => option(
      flavor.id, `${flavor.name}: ${flavor.ram} MiB, ${flavor.vcpus} vCPU`)));
  const imageSelect = h('select', {id: 'create-image', name: 'image'},
    option('', 'None: a guest with no disk'),
    (images || []).filter((image) => image.status === 'active')
      .map((image) => option(image.id, image.name || image.id)));
  const submit = h('button', {type: 'submit', class: 'primary'}, 'Create');

  async function create(event) {
    event.preventDefault();
    const data = new FormData(event.target);
    // The name goes as typed: the API says what it refuses, and why.
    const server = {name: data.get('name'), flavorRef: data.get('flavor')};
    if (data.get('image')) {
      server.imageRef = data.get('image');
    }
    errors.clear();
    submit.disabled = true;
    progress.hidden = false;
    try {
      await context.client.post('/v2.1/servers', {server});
      event.target.reset();
      onCreated(server.name);
    } catch (error) {
      errors.show(error);
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  }

  return h('form', {id: 'create-form', class: 'inline-form',
                    'aria-labelledby': 'create-heading', onsubmit: create},
    h('h2', {id: 'create-heading'}, 'Create an instance'),
    errors.element,
    h('div', {class: 'field'}, h('label', {for: 'create-name'}, 'Name'),
      h('input', {id: 'create-name', name: 'name', required: true,
                  autocomplete: 'off'})),
    h('div', {class: 'field'}, h('label', {for: 'create-flavor'}, 'Flavor'),
      flavorSelect),
    h('div', {class: 'field'}, h('label', {for: 'create-image'}, 'Image'),
      imageSelect),
    h('div', {class: 'field submit'}, submit, progress),
    images === null ? h('p', {class: 'note', id: 'no-images'},
      'This API has no image service (/image/v2) yet: instances boot ' +
      'with no disk.') : null);
}

/** One table row, updated in place by update(server). */
class Row {
  constructor(context, onAction) {
    this.cells = COLUMNS.map(() => h('td'));
    this.cells[0] = h('th', {scope: 'row'});
    this.buttons = new servers.ActionButtons(context, false, onAction);
    this.element = h('tr', {}, this.cells);
    this.cells[COLUMNS.length - 1].append(this.buttons.element);
    this.shown = [];
  }

  update(server, context, images) {
    this.element.dataset.serverId = server.id;
    this.element.dataset.status = server.status;
    const values = [
      h('a', {href: `#/instances/${server.id}`}, server.name),
      servers.statusCell(server),
      servers.taskState(server),
      servers.powerState(server),
      servers.hostOf(server),
      servers.imageName(server, images),
      servers.flavorName(server, context.flavors),
      timeElement(server.created),
    ];
    // Cells change only when their text does, so a screen reader's place
    // and the focus stay where they were.
    values.forEach((value, index) => {
      const text = [value].flat().map((part) => (
        part instanceof Node ? part.textContent : String(part))).join('|') +
        (index === 1 ? `|${servers.isBusy(server)}` : '');
      if (this.shown[index] !== text) {
        this.shown[index] = text;
        replaceChildren(this.cells[index], value);
      }
    });
    this.buttons.update(server);
  }
}

export function render(context, main) {
  const errors = new ErrorBox('instances');
  const rows = new Map();
  const tbody = h('tbody');
  const empty = h('tr', {class: 'empty'}, h('td', {colspan: COLUMNS.length},
    'No instances yet: create one above.'));
  const formSlot = h('div');
  let images = new Map();
  let lastStatus = new Map();

  async function afterAction(action, server, error) {
    if (error) {
      errors.show(error);
      return;
    }
    errors.clear();
    announce(`${action.label}: ${server.name} accepted.`);
    await refresh();
  }

  async function refresh() {
    let list;
    try {
      list = (await context.client.get('/v2.1/servers/detail')).servers;
    } catch (error) {
      errors.show(error);
      return;
    }
    const seen = new Set();
    list.forEach((server, index) => {
      seen.add(server.id);
      let row = rows.get(server.id);
      if (!row) {
        row = new Row(context, afterAction);
        rows.set(server.id, row);
      }
      row.update(server, context, images);
      if (tbody.children[index] !== row.element) {
        tbody.insertBefore(row.element, tbody.children[index] || null);
      }
      const before = lastStatus.get(server.id);
      if (before && before !== server.status) {
        announce(`${server.name} is ${server.status}.`);
      }
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.element.remove();
        rows.delete(id);
      }
    }
    lastStatus = new Map(list.map((server) => [server.id, server.status]));
    if (!list.length) {
      tbody.replaceChildren(empty);
    } else {
      empty.remove();
    }
  }

  loadImages(context).catch((error) => {
    errors.show(error);
    return [];
  }).then((found) => {
    images = found === null ? null
      : new Map(found.map((image) => [image.id, image]));
    formSlot.replaceChildren(createForm(context, found, (name) => {
      announce(`Creating ${name}.`);
      refresh();
    }));
  });

  main.replaceChildren(h('section', {class: 'instances'},
    h('h1', {tabindex: '-1'}, 'Instances'),
    errors.element,
    formSlot,
    servers.missingActionsNote(context),
    h('div', {class: 'table-wrap'}, h('table', {id: 'instances'},
      h('caption', {}, 'Instances of your project, refreshed every ' +
        `${context.settings.poll_interval} s`),
      h('thead', {}, h('tr', {}, COLUMNS.map(
        (column) => h('th', {scope: 'col'}, column)))),
      tbody))));
  return {refresh};
}
