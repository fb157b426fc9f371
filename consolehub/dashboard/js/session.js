// Who is signed in. The token lives in sessionStorage only: it goes with
// the tab and never appears in a URL, a cookie or localStorage.

import {ApiClient, ApiError, faultMessage} from './api.js';
import {ErrorBox, h} from './dom.js';

const TOKEN_KEY = 'consolehub.token';
const USER_KEY = 'consolehub.user';

/** The stored {token, user} of this tab, or null. */
export function storedSession() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? {token, user: sessionStorage.getItem(USER_KEY) || ''}
               : null;
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

function remember(token, user) {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(USER_KEY, user || '');
}

/**
 * Check `token` against the API (one small list of servers).
 * @throws {ApiError} with the API's reason (401 for a bad token).
 */
async function checkToken(token) {
  await new ApiClient(token).get('/v2.1/servers?limit=1');
}

/**
 * A project-scoped token from Keystone's identity API v3 with a user's
 * password (Identity API v3 reference, "Password authentication with
 * scoped authorization"); resolves to {token, user}.
 * @throws {ApiError} with Keystone's message.
 */
async function keystoneToken(keystoneUrl, fields) {
  const domain = {name: fields.domain || 'Default'};
  const body = {auth: {
    identity: {methods: ['password'], password: {user: {
      name: fields.user, domain, password: fields.password}}},
    scope: {project: {name: fields.project, domain}},
  }};
  let response;
  try {
    response = await fetch(keystoneUrl.replace(/\/$/, '') + '/auth/tokens', {
      method: 'POST', credentials: 'omit', cache: 'no-store',
      headers: {'Content-Type': 'application/json',
                'Accept': 'application/json'},
      body: JSON.stringify(body), signal: AbortSignal.timeout(30000)});
  } catch (error) {
    throw new ApiError(0, `Keystone cannot be reached at ${keystoneUrl} ` +
      `(${error.message}); it must allow this page's origin (CORS).`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, faultMessage(
      response.status, text, response.statusText));
  }
  const token = response.headers.get('X-Subject-Token');
  if (!token) {
    throw new ApiError(response.status, 'Keystone answered without an ' +
      'X-Subject-Token header visible to this page: add it to Keystone\'s ' +
      '[cors] expose_headers.');
  }
  const scoped = JSON.parse(text).token;
  return {token, user: `${scoped.user.name} (${scoped.project.name})`};
}

function field(id, label, attributes) {
  return h('div', {class: 'field'},
    h('label', {for: id}, label),
    h('input', Object.assign({id, name: id, required: true}, attributes)));
}

/**
 * The sign-in page in `main`; calls onSignedIn({token, user}) once the
 * API accepted the token. `reason` (text) says why the user is here.
 */
export function renderSignIn(main, settings, reason, onSignedIn) {
  const errors = new ErrorBox('sign-in');
  if (reason) {
    errors.show(reason);
  }
  const keystone = settings.auth_strategy === 'keystone' &&
                   settings.keystone_url;

  async function submit(event, obtain) {
    event.preventDefault();
    const button = event.target.querySelector('button[type=submit]');
    button.disabled = true;
    errors.clear();
    try {
      const session = await obtain(new FormData(event.target));
      await checkToken(session.token);
      remember(session.token, session.user);
      onSignedIn(session);
    } catch (error) {
      errors.show(error);
      button.disabled = false;
    }
  }

  const tokenForm = h('form', {id: 'token-form',
    onsubmit: (event) => submit(event, async (data) => ({
      token: data.get('api-token').trim(),
      user: keystone ? 'Signed in with a Keystone token'
                    : 'Signed in with an API token'}))},
    field('api-token', keystone ? 'Keystone token' : 'API token',
          {type: 'password', autocomplete: 'off', spellcheck: 'false'}),
    h('p', {class: 'hint'}, keystone
      ? 'A project-scoped token from "openstack token issue".'
      : 'A token from "consolehub-manage token create".'),
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));

  const parts = [h('h1', {tabindex: '-1'}, 'Sign in'), errors.element];
  if (keystone) {
    parts.push(h('form', {id: 'keystone-form',
      onsubmit: (event) => submit(event, (data) => keystoneToken(
        settings.keystone_url, {user: data.get('ks-user'),
                                password: data.get('ks-password'),
                                project: data.get('ks-project'),
                                domain: data.get('ks-domain')}))},
      field('ks-user', 'User name', {autocomplete: 'username'}),
      field('ks-password', 'Password',
            {type: 'password', autocomplete: 'current-password'}),
      field('ks-project', 'Project', {autocomplete: 'off'}),
      field('ks-domain', 'Domain', {value: 'Default', autocomplete: 'off'}),
      h('button', {type: 'submit', class: 'primary'}, 'Sign in')));
    parts.push(h('details', {class: 'alternative'},
      h('summary', {}, 'Sign in with a token instead'), tokenForm));
  } else {
    parts.push(tokenForm);
  }
  main.replaceChildren(h('section', {class: 'sign-in'}, parts));
  main.querySelector('input').focus();
}
