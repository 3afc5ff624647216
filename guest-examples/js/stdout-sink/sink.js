// The `stdout` example sink: one line per message on WASI stdout (the shared spec
// of the example guests; the Rust and Go versions print the same bytes).
import { log } from 'iggy:connector/host@0.1.0';
import { sinkConnector, parseConfig } from '../sdk/index.js';

const utf8 = new TextDecoder();
let printPayload = false;

export const sink = sinkConnector({
  open(config) {
    ({ print_payload: printPayload } = parseConfig(config, { print_payload: { type: 'boolean', default: false } }));
    log('info', 'stdout sink opened');
  },

  consume(topic, metadata, batch) {
    if (batch.count === 0) return;
    const prefix = `${topic.streamName}/${topic.topicName}/${metadata.partitionId}`;
    const lines = [];
    for (const m of batch) {
      const body = printPayload ? `payload=${utf8.decode(m.payload)}` : `size=${m.payloadLength}`;
      lines.push(`${prefix} offset=${m.offset} id=${m.id} ${body} headers=${m.headerCount()}`);
    }
    // One write per batch: console.log adds the last line's "\n".
    console.log(lines.join('\n'));
  },
});
