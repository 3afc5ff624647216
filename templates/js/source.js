// %%name%%: an Apache Iggy source connector. Each poll produces `count` JSON
// messages {"seq":n}; its state is the next sequence number, so after a restart
// it resumes where Iggy last acknowledged. Replace poll with what your
// connector reads.
import { log } from 'iggy:connector/host@0.1.0';
import { BatchBuilder, invalidConfig, parseConfig, sourceConnector } from '../sdk/index.js';

let count = 10;
let seq = 0n;

export const source = sourceConnector({
  open(config, state) {
    // The connector's `config` table ([sources.<key>.config] in the runtime's TOML). Not an
    // object, an unknown key or a wrong type throws invalid-config: the runtime stops the connector.
    ({ count } = parseConfig(config, { count: { type: 'u32', default: 10 } }));
    seq = 0n;
    // The state is what a previous poll returned, persisted once Iggy acknowledged its batch.
    if (state !== undefined) {
      const text = new TextDecoder().decode(state);
      if (!/^[0-9]+$/.test(text)) throw invalidConfig(`the state blob ${JSON.stringify(text)} is not the decimal sequence number this source writes`);
      seq = BigInt(text);
    }
    log('info', `%%name%% opened at seq ${seq}`);
  },

  poll() {
    const batch = new BatchBuilder();
    if (count === 0) return { batch };
    // id 0 (the default) lets the host assign one, originTimestamp 0 lets it stamp the send time.
    for (let i = 0; i < count; i++) batch.add({ payload: `{"seq":${seq++}}` });
    return { batch, state: String(seq) };
  },
});
