// The options block of CreateTopic and what a server's refusal of it (4041) means to a user.
import { decodeOptions, encodeOptions, encodeTopicOptions, type TopicOptions } from './codec/index.js';
import { IggyError } from './errors.js';

/**
 * The options block: only what the caller set (empty by default, as Iggy's own CLI sends it), entries
 * sorted by key bytes (the SDK keeps them in a BTreeMap keyed by the header key). Servers of the 0.9
 * line refuse keys they do not know (4041), among them the 0.11 SDK's `durability` defaults.
 */
export function topicOptionsBlock(options: TopicOptions = {}): Buffer {
  const entries = decodeOptions(encodeTopicOptions(options));
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8')));
  return encodeOptions(entries);
}

/** Topic option keys servers of the 0.9 line know (their `core/common/src/types/options`); the 0.11 protocol adds the durability keys. */
const KEYS_OF_THE_09_LINE =
  'compression_algorithm, message_expiry, max_topic_size, segment_size, enforce_fsync, messages_required_to_save, size_of_messages_required_to_save, preallocate_segments';

/** A 4041 reply names no key: say which keys this client sent and what to change. */
export function unsupportedOptionError(error: IggyError, block: Buffer): IggyError {
  const sent = decodeOptions(block).map((e) => e.key);
  const detail =
    sent.length === 0
      ? 'this client sent no topic options, so the server refused something else in the request; check that the server is of the 0.9.x line'
      : `this client sent the topic option key(s) ${sent.join(', ')}; the server does not know at least one of them (servers of the 0.9.x line know ${KEYS_OF_THE_09_LINE}; the server's log names the key). Remove that key from CreateTopicOptions.options, or use a server that knows it`;
  return new IggyError(error.status, error.statusName, `${error.message.replace(/; the server does not know an option key.*$/, '')}: ${detail}`, {
    cause: error,
  });
}
