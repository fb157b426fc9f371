// The REST API as the dashboard calls it: JSON in and out, the user's
// token in X-Auth-Token, the compute microversion on /v2.1, and every
// error turned into an ApiError carrying the API's own message.
//
// Errors come as Nova's fault body, {"badRequest": {"code": 400,
// "message": "..."}} (compute API reference, "Faults"); Keystone's as
// {"error": {"code", "title", "message"}}.

/** The compute microversion the dashboard is written against. */
export const COMPUTE_VERSION = '2.31';

/** Milliseconds a JSON request may take before it is abandoned. */
const REQUEST_TIMEOUT_MS = 30000;
/** Milliseconds a download (a console recording) may take. */
const DOWNLOAD_TIMEOUT_MS = 300000;

/** The API's root URL: the dashboard is served at <root>/dashboard/. */
export const API_ROOT = new URL('../', document.baseURI).href.replace(/\/$/, '');

/** An HTTP error, with the message the API gave and its request id. */
export class ApiError extends Error {
  constructor(status, message, requestId) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.requestId = requestId || null;
  }

  /** The message and, when known, the request id an operator can trace. */
  describe() {
    return this.requestId ? `${this.message} (request ${this.requestId})`
                          : this.message;
  }
}

/**
 * The message of an error body: Nova's and Keystone's fault shapes, a
 * plain text body, or the HTTP status text.
 */
export function faultMessage(status, text, statusText) {
  try {
    const body = JSON.parse(text);
    const values = Object.values(body || {});
    if (values.length === 1 && values[0] && typeof values[0] === 'object') {
      const message = values[0].message || values[0].title;
      if (message) {
        return String(message);
      }
    }
    if (body && typeof body.message === 'string') {
      return body.message;
    }
  } catch (notJson) {
    // Not JSON: fall through to the text itself.
  }
  const plain = (text || '').trim();
  if (plain && plain.length < 500 && !plain.startsWith('<')) {
    return plain;
  }
  return `HTTP ${status} ${statusText || ''}`.trim();
}

function requestIdOf(headers) {
  return headers.get('x-openstack-request-id') ||
         headers.get('x-compute-request-id');
}

/** Calls the API with one token; `onUnauthorized` hears every 401. */
export class ApiClient {
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized || (() => {});
  }

  /**
   * `method` `path` (below the API root) with `body` as JSON; resolves
   * to {status, body (parsed JSON or null), headers}.
   * @throws {ApiError} for a status of 400 and above, or no answer.
   */
  async request(method, path, body) {
    const headers = {'Accept': 'application/json'};
    if (this.token) {
      headers['X-Auth-Token'] = this.token;
    }
    if (path.startsWith('/v2.1/')) {
      headers['OpenStack-API-Version'] = `compute ${COMPUTE_VERSION}`;
    }
    const init = {method, headers, credentials: 'omit', cache: 'no-store',
                  signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API_ROOT + path, init);
    } catch (error) {
      throw new ApiError(0, error.name === 'TimeoutError'
        ? `The API did not answer ${method} ${path} within ` +
          `${REQUEST_TIMEOUT_MS / 1000} s.`
        : `The API cannot be reached (${error.message}).`);
    }
    const text = await response.text();
    if (!response.ok) {
      const error = new ApiError(
        response.status, faultMessage(response.status, text,
                                      response.statusText),
        requestIdOf(response.headers));
      if (response.status === 401) {
        this.onUnauthorized(error);
      }
      throw error;
    }
    return {status: response.status, headers: response.headers,
            body: text ? JSON.parse(text) : null};
  }

  get(path) { return this.request('GET', path).then((r) => r.body); }

  /**
   * GET `path` as bytes (an ArrayBuffer): a console recording.
   * @throws {ApiError} as request() does.
   */
  async bytes(path) {
    let response;
    try {
      response = await fetch(API_ROOT + path, {
        headers: {'X-Auth-Token': this.token}, credentials: 'omit',
        cache: 'no-store', signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)});
    } catch (error) {
      throw new ApiError(0, `The API cannot be reached (${error.message}).`);
    }
    if (!response.ok) {
      const error = new ApiError(response.status, faultMessage(
        response.status, await response.text(), response.statusText),
        requestIdOf(response.headers));
      if (response.status === 401) {
        this.onUnauthorized(error);
      }
      throw error;
    }
    return response.arrayBuffer();
  }

  post(path, body) { return this.request('POST', path, body); }

  delete(path) { return this.request('DELETE', path); }

  /**
   * PUT a File or Blob as application/octet-stream, reporting progress
   * as onProgress(bytesSent, totalBytes). XMLHttpRequest, because fetch
   * reports no upload progress.
   * @throws {ApiError} as request() does.
   */
  upload(path, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', API_ROOT + path);
      xhr.setRequestHeader('X-Auth-Token', this.token);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.addEventListener('progress', (event) => {
        onProgress(event.loaded, event.lengthComputable ? event.total
                                                        : blob.size);
      });
      xhr.addEventListener('load', () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(blob.size, blob.size);
          resolve(xhr.status);
          return;
        }
        const error = new ApiError(
          xhr.status, faultMessage(xhr.status, xhr.responseText,
                                   xhr.statusText),
          xhr.getResponseHeader('x-openstack-request-id'));
        if (xhr.status === 401) {
          this.onUnauthorized(error);
        }
        reject(error);
      });
      xhr.addEventListener('error', () => reject(new ApiError(
        0, 'The upload was cut off: the API cannot be reached.')));
      xhr.addEventListener('abort', () => reject(new ApiError(
        0, 'The upload was cancelled.')));
      xhr.send(blob);
    });
  }
}

/**
 * What this API offers, read from its OpenAPI document (public, at
 * /v2.1/openapi.json): its paths and the server actions that
 * POST /v2.1/servers/{server_id}/action accepts. When the document cannot
 * be read every feature is offered, and the API's answer decides.
 */
export class Capabilities {
  constructor(paths, actions) {
    this.paths = paths;
    this.actions = actions;
  }

  static async load(client) {
    let document;
    try {
      document = await client.get('/v2.1/openapi.json');
    } catch (error) {
      return new Capabilities(null, null);
    }
    const paths = new Set(Object.keys(document.paths || {}));
    const action = ((document.paths || {})['/v2.1/servers/{server_id}/action']
                    || {}).post;
    const schema = action && action.requestBody &&
      action.requestBody.content['application/json'].schema;
    const actions = new Set();
    for (const choice of (schema && schema.oneOf) || []) {
      for (const name of Object.keys(choice.properties || {})) {
        actions.add(name);
      }
    }
    return new Capabilities(paths, actions);
  }

  /** Whether the server action `name` (e.g. "os-stop") is offered. */
  hasAction(name) {
    return this.actions === null || this.actions.has(name);
  }

  /** Whether the API serves `path` (as its OpenAPI document spells it). */
  hasPath(path) {
    return this.paths === null || this.paths.has(path);
  }
}
