// %%name%%: an Apache Iggy sink connector. It writes one line per message to
// stdout (the runtime logs each line with the connector's name), one write per
// batch. Replace consume with what your connector does.
import { log } from 'iggy:connector/host@0.1.0';
import { parseConfig, sinkConnector } from '../sdk/index.js';

let prefix = '';

export const sink = sinkConnector({
  open(config) {
    // The connector's `config` table ([sinks.<key>.config] in the runtime's TOML). Not an
    // object, an unknown key or a wrong type throws invalid-config: the runtime stops the connector.
    ({ prefix } = parseConfig(config, { prefix: { type: 'string', default: '' } }));
    log('info', '%%name%% opened');
  },

  consume(topic, metadata, batch) {
    const lines = [];
    for (const m of batch) {
      // payloadLength reads the index only; m.payload would make a view of the bytes.
      lines.push(`${prefix}${topic.streamName}/${topic.topicName}/${metadata.partitionId} offset=${m.offset} size=${m.payloadLength}`);
    }
    // Returning normally accepts the batch: the runtime then stores its offset. Throw
    // transient(...) from '../sdk/index.js' to have the same batch retried instead.
    if (lines.length) console.log(lines.join('\n'));
  },

  close() {},
});
