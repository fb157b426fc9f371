// #/images: the images the user may boot (Image service API v2:
// GET /image/v2/images, following its "next" links) and an upload, in
// two steps as Glance's: POST /image/v2/images makes a queued image,
// PUT /image/v2/images/{id}/file sends its bytes, with progress shown.

import {announce, confirmAction, ErrorBox, formatBytes, h, replaceChildren,
        replaceKeepingFocus, timeElement} from '../dom.js';

/** Most pages of images read for one list. */
const MAX_PAGES = 20;

/** Glance's disk formats offered for an upload; the API says which it
 * takes. */
const DISK_FORMATS = ['qcow2', 'raw', 'iso'];

/** A "next" link of Glance (relative to the image endpoint, /v2/...). */
function nextPath(next) {
  const url = new URL(next, 'http://relative.invalid');
  const path = url.pathname + url.search;
  return path.startsWith('/image/') ? path : `/image${path}`;
}

/**
 * Every image the user sees, or null when the API has no image service
 * (404).
 * @throws {ApiError} for any other failure.
 */
export async function loadImages(context) {
  const images = [];
  let path = '/image/v2/images';
  for (let page = 0; path && page < MAX_PAGES; page += 1) {
    let body;
    try {
      body = await context.client.get(path);
    } catch (error) {
      if (error.status === 404 && page === 0) {
        return null;
      }
      throw error;
    }
    images.push(...body.images);
    path = body.next ? nextPath(body.next) : null;
  }
  return images;
}

function uploadForm(context, onUploaded) {
  const errors = new ErrorBox('upload');
  const bar = h('progress', {id: 'upload-progress', max: '1', value: 0,
                             'aria-label': 'Upload progress'});
  const progressText = h('span', {id: 'upload-progress-text',
                                  'aria-live': 'polite'});
  const progress = h('div', {class: 'upload-progress', hidden: true},
                     bar, progressText);
  const fileInput = h('input', {id: 'upload-file', name: 'file',
                                type: 'file', required: true});
  const formatSelect = h('select', {id: 'upload-format', name: 'format'},
    DISK_FORMATS.map((format) => h('option', {value: format}, format)));
  const nameInput = h('input', {id: 'upload-name', name: 'name',
                                required: true, autocomplete: 'off'});
  const submit = h('button', {type: 'submit', class: 'primary'}, 'Upload');

  fileInput.addEventListener('change', () => {
    const file = fileInput.files[0];
    if (!file) {
      return;
    }
    const extension = file.name.split('.').pop().toLowerCase();
    if (DISK_FORMATS.includes(extension)) {
      formatSelect.value = extension;
    } else if (extension === 'img') {
      formatSelect.value = 'raw';
    }
    if (!nameInput.value) {
      nameInput.value = file.name.replace(/\.[^.]*$/, '');
    }
  });

  function showProgress(sent, total) {
    bar.max = total || 1;
    bar.value = sent;
    const percent = total ? Math.floor(100 * sent / total) : 0;
    progressText.textContent = `${formatBytes(sent)} of ` +
      `${formatBytes(total)} (${percent} %)`;
  }

  async function upload(event) {
    event.preventDefault();
    const file = fileInput.files[0];
    const data = new FormData(event.target);
    errors.clear();
    submit.disabled = true;
    progress.hidden = false;
    showProgress(0, file.size);
    let image = null;
    try {
      image = (await context.client.post('/image/v2/images', {
        name: data.get('name'), disk_format: data.get('format'),
        container_format: 'bare'})).body;
      await context.client.upload(`/image/v2/images/${image.id}/file`,
                                  file, showProgress);
      progressText.textContent += ': uploaded.';
      announce(`Image ${image.name} uploaded.`);
      event.target.reset();
    } catch (error) {
      errors.show(image ? `The image ${image.name} was made but its data ` +
        `was refused: ${error.describe()} It stays queued; delete it or ` +
        'upload again.' : error);
    } finally {
      submit.disabled = false;
      onUploaded();
    }
  }

  return h('form', {id: 'upload-form', class: 'inline-form',
                    'aria-labelledby': 'upload-heading', onsubmit: upload},
    h('h2', {id: 'upload-heading'}, 'Upload an image'),
    errors.element,
    h('div', {class: 'field'}, h('label', {for: 'upload-file'}, 'File'),
      fileInput),
    h('div', {class: 'field'}, h('label', {for: 'upload-name'}, 'Name'),
      nameInput),
    h('div', {class: 'field'}, h('label', {for: 'upload-format'},
      'Disk format'), formatSelect),
    h('div', {class: 'field submit'}, submit),
    progress);
}

export function render(context, main) {
  const errors = new ErrorBox('images');
  const tbody = h('tbody');
  const body = h('div');

  async function remove(image) {
    const confirmed = await confirmAction(
      `Delete ${image.name || image.id}`,
      `Delete the image ${image.name || image.id}? Instances booted from ` +
      'it keep running.', 'Delete');
    if (!confirmed) {
      return;
    }
    try {
      await context.client.delete(`/image/v2/images/${image.id}`);
      announce(`Image ${image.name || image.id} deleted.`);
      await refresh();
    } catch (error) {
      errors.show(error);
    }
  }

  function row(image) {
    return h('tr', {'data-image-id': image.id, 'data-status': image.status},
      h('th', {scope: 'row'}, image.name || image.id),
      h('td', {}, image.status),
      h('td', {}, image.disk_format || '—'),
      h('td', {}, formatBytes(image.size)),
      h('td', {}, image.visibility),
      h('td', {}, timeElement(image.created_at)),
      h('td', {}, h('button', {type: 'button', class: 'action-delete',
        'data-focus-key': `delete-${image.id}`,
        'aria-label': `Delete ${image.name || image.id}`,
        onclick: () => remove(image)}, 'Delete')));
  }

  let table = null;
  let shown = '';
  const heading = h('h1', {tabindex: '-1'}, 'Images');
  async function refresh() {
    let images;
    try {
      images = await loadImages(context);
    } catch (error) {
      errors.show(error);
      return;
    }
    if (images === null) {
      replaceChildren(body, h('p', {class: 'note', id: 'no-images'},
        'This API has no image service (Glance\'s /image/v2) yet, so ' +
        'there is nothing to list or upload.'));
      return;
    }
    if (!table) {
      table = h('div', {class: 'table-wrap'}, h('table', {id: 'images'},
        h('caption', {}, 'Images you can boot'),
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Disk format', 'Size',
          'Visibility', 'Created', 'Actions'].map(
          (column) => h('th', {scope: 'col'}, column)))),
        tbody));
      replaceChildren(body, uploadForm(context, refresh), table);
    }
    const signature = JSON.stringify(images);
    if (signature !== shown) {
      shown = signature;
      replaceKeepingFocus(tbody, heading, images.length ? images.map(row)
        : h('tr', {}, h('td', {colspan: 7}, 'No images yet.')));
    }
  }

  main.replaceChildren(h('section', {class: 'images'},
    heading, errors.element, body));
  return {refresh};
}
