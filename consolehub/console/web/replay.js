// Replays a console session recording (the format of
// consolehub/console/recorder.py) at real speed or faster.
//
// A noVNC recording's guest->browser bytes are fed to noVNC's own RFB
// client through a stand-in for its websocket, as noVNC's
// tests/playback.js does: noVNC then draws what the viewer saw. What
// the replaying client sends goes nowhere. A serial recording is shown
// as text (ANSI escape sequences stripped), with its timing.
//
// The recording comes from the file picker, or as a message
// {recording: ArrayBuffer, speed: number} from the page that frames this
// one (the dashboard, which downloads it with the administrator's token)
// or from this window itself. <body data-state> is waiting, playing,
// done or error.

const MAGIC = 'CONSREC1';
const GUEST = 0;
const TRUNCATED = 2;
const HEAD_SIZE = 9;
const MAX_TEXT = 500000;

const statusBox = document.getElementById('status');
const speedBox = document.getElementById('speed');
let generation = 0;

function setState(state, message) {
  document.body.dataset.state = state;
  statusBox.textContent = message;
}

/**
 * {header, records: [{kind, ms, data: Uint8Array}]} of a recording.
 * @throws {Error} if it is not one; a record cut at the end (a recording
 *     still being written) is left out.
 */
export function parseRecording(buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  if (bytes.length < MAGIC.length + 2 ||
      String.fromCharCode(...bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new Error('This is not a console recording.');
  }
  const headerLength = view.getUint16(MAGIC.length);
  let position = MAGIC.length + 2;
  const header = JSON.parse(new TextDecoder().decode(
    bytes.subarray(position, position + headerLength)));
  position += headerLength;
  const records = [];
  while (position + HEAD_SIZE <= bytes.length) {
    const kind = view.getUint8(position);
    const ms = view.getUint32(position + 1);
    const size = view.getUint32(position + 5);
    const start = position + HEAD_SIZE;
    if (start + size > bytes.length) {
      break;
    }
    records.push({kind, ms, data: bytes.subarray(start, start + size)});
    position = start + size;
  }
  return {header, records};
}

/** What noVNC's Websock needs of a websocket; sends go nowhere. */
class RecordedChannel {
  constructor() {
    this.binaryType = 'arraybuffer';
    this.protocol = 'binary';
    this.readyState = 'open';
    this.onerror = null;
    this.onmessage = null;
    this.onopen = null;
    this.onclose = null;
  }

  send(_data) {}

  close() {
    this.readyState = 'closed';
  }
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Feed the guest's records to `deliver`, keeping their timing divided by
 * the speed chosen (which may change while it plays).
 */
async function play(records, deliver, mine) {
  const total = records.length ? records[records.length - 1].ms : 0;
  let clock = 0;
  let fed = 0;
  for (const record of records) {
    if (mine !== generation) {
      return false;
    }
    const speed = Number(speedBox.value);
    if (speed > 0 && record.ms > clock) {
      await wait((record.ms - clock) / speed);
      clock = record.ms;
    } else if (speed === 0 && ++fed % 64 === 0) {
      await wait(0);  // let the page draw
    }
    if (record.kind === GUEST) {
      deliver(record.data);
    } else if (record.kind === TRUNCATED) {
      statusBox.textContent = 'Recording truncated: ' +
        new TextDecoder().decode(record.data);
    }
    if (speed > 0) {
      statusBox.textContent = `${(record.ms / 1000).toFixed(1)} s of ` +
        `${(total / 1000).toFixed(1)} s`;
    }
  }
  return true;
}

async function replayVnc(records, mine) {
  const {default: RFB} = await import('../core/rfb.js');
  const screen = document.getElementById('screen');
  screen.replaceChildren();
  const channel = new RecordedChannel();
  const rfb = new RFB(screen, channel, {shared: true});
  rfb.viewOnly = true;
  rfb.scaleViewport = false;
  window.replayRfb = rfb;
  const played = await play(records, (data) => {
    channel.onmessage({data: data.slice().buffer});
  }, mine);
  // Drawing is queued (noVNC's Display): done once the queue is empty.
  const display = rfb._display;
  while (display && display.pending && display.pending()) {
    await wait(10);
  }
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return played;
}

async function replayText(records, mine) {
  const text = document.getElementById('text');
  text.hidden = false;
  text.textContent = '';
  const decoder = new TextDecoder('utf-8');
  return play(records, (data) => {
    const shown = decoder.decode(data, {stream: true})
      .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[A-Za-z]/g, '')
      .replace(/\r\n?/g, '\n');
    text.textContent = (text.textContent + shown).slice(-MAX_TEXT);
    window.scrollTo(0, document.body.scrollHeight);
  }, mine);
}

/** Replay the recording in `buffer` (an ArrayBuffer). */
export async function replay(buffer) {
  const mine = ++generation;
  let recording;
  try {
    recording = parseRecording(buffer);
  } catch (error) {
    setState('error', error.message);
    return;
  }
  const type = recording.header.console_type;
  setState('playing', `Replaying a ${type} session.`);
  try {
    let played;
    if (type === 'novnc') {
      played = await replayVnc(recording.records, mine);
    } else if (type === 'serial') {
      played = await replayText(recording.records, mine);
    } else {
      setState('error', `A ${type} session cannot be replayed here.`);
      return;
    }
    if (played) {
      const cut = recording.records.find((r) => r.kind === TRUNCATED);
      setState('done', cut ? 'Replayed (the recording was truncated: ' +
        `${new TextDecoder().decode(cut.data)}).` : 'Replayed.');
    }
  } catch (error) {
    setState('error', `Cannot replay: ${error.message}`);
  }
}

document.getElementById('recording-file').addEventListener(
  'change', async (event) => {
    const file = event.target.files[0];
    if (file) {
      replay(await file.arrayBuffer());
    }
  });

window.addEventListener('message', (event) => {
  if ((event.source !== window.parent && event.source !== window) ||
      !event.data || !(event.data.recording instanceof ArrayBuffer)) {
    return;
  }
  if (event.data.speed !== undefined) {
    speedBox.value = String(event.data.speed);
  }
  replay(event.data.recording);
});

if (window.parent !== window) {
  window.parent.postMessage({replay: 'ready'}, '*');
}
