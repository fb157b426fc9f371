// The dashboard's start: settings, sign-in, then one view at a time,
// chosen by the URL's fragment (#/instances, #/instances/<id>, #/images,
// #/admin) and refreshed every poll_interval seconds while shown.

import {API_ROOT, ApiClient, Capabilities} from './api.js';
import {announce, h} from './dom.js';
import * as session from './session.js';
import * as adminView from './views/admin.js';
import * as imagesView from './views/images.js';
import * as instanceView from './views/instance.js';
import * as instancesView from './views/instances.js';

const ROUTES = [
  [/^#\/instances\/([0-9A-Za-z-]+)$/, instanceView],
  [/^#\/images$/, imagesView],
  [/^#\/admin$/, adminView],
  [/^#\/instances$/, instancesView],
];

const state = {settings: null, context: null, view: null, timer: null,
               generation: 0};

async function loadSettings() {
  const response = await fetch(API_ROOT + '/dashboard/settings.json',
                               {credentials: 'omit', cache: 'no-store'});
  return response.json();
}

function main() {
  return document.getElementById('main');
}

function signOut(reason) {
  session.forget();
  stopView();
  state.context = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  session.renderSignIn(main(), state.settings, reason, startSession);
}

/**
 * What every view gets: the API client, what the API offers, whether the
 * user is an administrator (the API lets them list compute services),
 * the flavors by id, and the settings.
 */
async function makeContext(signedIn) {
  const client = new ApiClient(signedIn.token, (error) => {
    if (state.context && state.context.client === client) {
      signOut(`Signed out: ${error.message}`);
    }
  });
  const [capabilities, flavors, services] = await Promise.all([
    Capabilities.load(client),
    client.get('/v2.1/flavors/detail').then((body) => body.flavors),
    adminView.listServices(client).catch(() => null),
  ]);
  return {
    client, capabilities, settings: state.settings,
    isAdmin: services !== null,
    flavors: new Map(flavors.map((flavor) => [String(flavor.id), flavor])),
    user: signedIn.user,
  };
}

async function startSession(signedIn) {
  try {
    state.context = await makeContext(signedIn);
  } catch (error) {
    signOut(error.describe ? error.describe() : error.message);
    return;
  }
  document.getElementById('who-name').textContent = signedIn.user;
  document.getElementById('who').hidden = false;
  document.getElementById('nav').hidden = false;
  document.getElementById('nav-admin').hidden = !state.context.isAdmin;
  route();
}

function stopView() {
  state.generation += 1;
  clearTimeout(state.timer);
  if (state.view && state.view.stop) {
    state.view.stop();
  }
  state.view = null;
}

/** Refresh the shown view, then again poll_interval seconds after. */
function schedule(view, generation) {
  const again = () => {
    if (generation !== state.generation) {
      return;
    }
    state.timer = setTimeout(async () => {
      if (generation !== state.generation) {
        return;
      }
      if (!document.hidden) {
        await view.refresh();
      }
      again();
    }, state.settings.poll_interval * 1000);
  };
  again();
}

function route() {
  if (!state.context) {
    return;
  }
  const hash = window.location.hash;
  const match = ROUTES.map(([pattern, module]) => [pattern.exec(hash), module])
    .find(([found]) => found);
  if (!match) {
    window.location.replace('#/instances');
    return;
  }
  const [found, module] = match;
  stopView();
  const generation = state.generation;
  for (const link of document.querySelectorAll('#nav a')) {
    const current = hash.startsWith(link.getAttribute('href'));
    if (current) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  const view = module.render(state.context, main(), ...found.slice(1));
  state.view = view;
  const heading = main().querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} - consolehub`;
    heading.focus();
  }
  view.refresh().then(() => schedule(view, generation));
}

function start() {
  document.getElementById('sign-out').addEventListener(
    'click', () => signOut('Signed out.'));
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
  for (const button of document.querySelectorAll('#confirm button')) {
    button.addEventListener('click', () => {
      document.getElementById('confirm').close(button.value);
    });
  }
  window.addEventListener('hashchange', route);
  loadSettings().then((settings) => {
    state.settings = settings;
    const stored = session.storedSession();
    if (stored) {
      startSession(stored);
    } else {
      session.renderSignIn(main(), settings, null, startSession);
    }
  }).catch((error) => {
    main().replaceChildren(h('p', {class: 'alert', role: 'alert'},
      `The dashboard cannot load its settings: ${error.message}`));
  });
  announce('consolehub dashboard loaded');
}

start();
