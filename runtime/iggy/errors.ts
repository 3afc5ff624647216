// Typed errors of the Iggy client: a server status (IggyError), a lost or slow
// connection (IggyConnectionError / IggyTimeoutError, retryable) and a reply we cannot parse.
import { RuntimeError } from '../errors.js';
import { EvictionReason } from './codec/index.js';

export const IGGY_STATUS = 'IGGY_STATUS';
export const IGGY_CONNECTION = 'IGGY_CONNECTION';
export const IGGY_TIMEOUT = 'IGGY_TIMEOUT';
export const IGGY_PROTOCOL = 'IGGY_PROTOCOL';
export const IGGY_CLOSED = 'IGGY_CLOSED';
export const IGGY_ARGUMENT = 'IGGY_ARGUMENT';

/**
 * Every status of `iggy_common::IggyError` (crate 0.11.0): code -> [snake_case name, server text].
 * Derived from the enum's discriminants and `#[error]` strings; `…` stands for a value the server
 * would have formatted in.
 */
export const IGGY_STATUS_TABLE: ReadonlyMap<number, readonly [name: string, text: string]> = new Map<number, readonly [string, string]>([
  [1, ['error', 'Error']],
  [2, ['invalid_configuration', 'Invalid configuration']],
  [3, ['invalid_command', 'Invalid command']],
  [4, ['invalid_format', 'Invalid format']],
  [5, ['feature_unavailable', 'Feature is unavailable']],
  [6, ['invalid_identifier', 'Invalid identifier']],
  [7, ['invalid_version', 'Invalid version: …']],
  [8, ['disconnected', 'Disconnected']],
  [9, ['cannot_establish_connection', 'Cannot establish connection']],
  [10, ['cannot_create_base_directory', 'Cannot create base directory, Path: …']],
  [11, ['cannot_create_runtime_directory', 'Cannot create runtime directory, Path: …']],
  [12, ['cannot_remove_runtime_directory', 'Cannot remove runtime directory, Path: …']],
  [13, ['cannot_create_state_directory', 'Cannot create state directory, Path: …']],
  [14, ['state_file_not_found', 'State file not found']],
  [15, ['state_file_corrupted', 'State file corrupted']],
  [16, ['invalid_state_entry_checksum', 'Invalid state entry checksum: …, expected: …, for index: …']],
  [19, ['cannot_open_database', 'Cannot open database, Path: …']],
  [20, ['resource_not_found', 'Resource with key: … was not found.']],
  [21, ['cannot_close_web_socket_connection', 'Cannot close WebSocket connection']],
  [30, ['stale_client', 'Stale client']],
  [31, ['tcp_error', 'TCP error']],
  [32, ['quic_error', 'QUIC error']],
  [33, ['invalid_server_address', 'Invalid server address']],
  [34, ['invalid_client_address', 'Invalid client address']],
  [35, ['invalid_ip_address', 'Invalid IP address: …:…']],
  [36, ['http_error', 'Http error …']],
  [37, ['invalid_api_url', 'Invalid API URL: …']],
  [40, ['unauthenticated', 'Unauthenticated']],
  [41, ['unauthorized', 'Unauthorized']],
  [42, ['invalid_credentials', 'Invalid credentials']],
  [43, ['invalid_username', 'Invalid username']],
  [44, ['invalid_password', 'Invalid password']],
  [45, ['invalid_user_status', 'Invalid user status']],
  [46, ['user_already_exists', 'User already exists']],
  [47, ['user_inactive', 'User inactive']],
  [48, ['cannot_delete_user', 'Cannot delete user with ID: …']],
  [49, ['cannot_change_permissions', 'Cannot change permissions for user with ID: …']],
  [50, ['invalid_personal_access_token_name', 'Invalid personal access token name']],
  [51, ['personal_access_token_already_exists', 'Personal access token: … for user with ID: … already exists']],
  [52, ['personal_access_tokens_limit_reached', 'User with ID: … has reached the maximum number of personal access tokens: …']],
  [53, ['invalid_personal_access_token', 'Invalid personal access token']],
  [54, ['personal_access_token_expired', 'Personal access token: … for user with ID: … has expired.']],
  [55, ['users_limit_reached', 'Users limit reached.']],
  [56, ['invalid_personal_access_token_expiry', 'Invalid personal access token expiry']],
  [57, ['transient_not_committed', 'Request transiently not committed; retry']],
  [58, ['transient_not_accepted', 'Request transiently not accepted; retry, on any replica']],
  [59, ['request_already_applied', 'Request already applied; its reply is no longer available']],
  [61, ['not_connected', 'Not connected']],
  [63, ['client_shutdown', 'Client shutdown']],
  [64, ['invalid_tls_domain', 'Invalid TLS domain']],
  [65, ['invalid_tls_certificate_path', 'Invalid TLS certificate path']],
  [66, ['invalid_tls_certificate', 'Invalid TLS certificate']],
  [67, ['failed_to_add_certificate', 'Failed to add certificate']],
  [70, ['invalid_encryption_key', 'Invalid encryption key']],
  [71, ['cannot_encrypt_data', 'Cannot encrypt data']],
  [72, ['cannot_decrypt_data', 'Cannot decrypt data']],
  [73, ['invalid_jwt_algorithm', 'Invalid JWT algorithm: …']],
  [74, ['invalid_jwt_secret', 'Invalid JWT secret']],
  [75, ['jwt_missing', 'JWT is missing']],
  [76, ['cannot_generate_jwt', 'Cannot generate JWT']],
  [77, ['access_token_missing', 'Access token is missing']],
  [78, ['invalid_access_token', 'Invalid access token']],
  [79, ['cannot_fetch_jwks', 'Cannot fetch JWKS from URL: …']],
  [80, ['invalid_size_bytes', 'Invalid size bytes']],
  [81, ['invalid_utf8', 'Invalid UTF-8']],
  [82, ['invalid_number_encoding', 'Invalid number encoding']],
  [83, ['invalid_boolean_value', 'Invalid boolean value']],
  [84, ['invalid_number_value', 'Invalid number value']],
  [100, ['client_not_found', 'Client with ID: … was not found.']],
  [101, ['invalid_client_id', 'Invalid client ID']],
  [206, ['connection_closed', 'Connection closed']],
  [209, ['cannot_parse_header_kind', 'Cannot parse header kind from …']],
  [300, ['http_response_error', 'HTTP response error, status: …, body: …']],
  [301, ['invalid_http_request', 'Invalid HTTP request']],
  [302, ['invalid_json_response', 'Invalid JSON response']],
  [303, ['invalid_bytes_response', 'Invalid bytes response']],
  [304, ['empty_response', 'Empty response']],
  [305, ['cannot_create_endpoint', 'Cannot create endpoint']],
  [306, ['cannot_parse_url', 'Cannot parse URL']],
  [400, ['web_socket_error', 'WebSocket error']],
  [401, ['web_socket_connection_error', 'WebSocket connection error']],
  [402, ['web_socket_close_error', 'WebSocket close error']],
  [403, ['web_socket_receive_error', 'WebSocket receive error']],
  [404, ['web_socket_send_error', 'WebSocket send error']],
  [1000, ['cannot_create_streams_directory', 'Cannot create streams directory, Path: …']],
  [1001, ['cannot_create_stream_directory', 'Cannot create stream with ID: … directory, Path: …']],
  [1002, ['cannot_create_stream_info', 'Failed to create stream info file for stream with ID: …']],
  [1003, ['cannot_update_stream_info', 'Failed to update stream info for stream with ID: …']],
  [1004, ['cannot_open_stream_info', 'Failed to open stream info file for stream with ID: …']],
  [1005, ['cannot_read_stream_info', 'Failed to read stream info file for stream with ID: …']],
  [1006, ['cannot_create_stream', 'Failed to create stream with ID: …']],
  [1007, ['cannot_delete_stream', 'Failed to delete stream with ID: …']],
  [1008, ['cannot_delete_stream_directory', 'Failed to delete stream directory with ID: …']],
  [1009, ['stream_id_not_found', 'Stream with ID: … was not found.']],
  [1010, ['stream_name_not_found', 'Stream with name: … was not found.']],
  [1011, ['stream_directory_not_found', 'Stream with directory … was not found.']],
  [1012, ['stream_name_already_exists', 'Stream with name: … already exists.']],
  [1013, ['invalid_stream_name', 'Invalid stream name']],
  [1014, ['invalid_stream_id', 'Invalid stream ID']],
  [1015, ['cannot_read_streams', 'Cannot read streams']],
  [1019, ['invalid_topic_size', 'Max topic size cannot be lower than segment size. Max topic size: … < segment size: ….']],
  [1020, ['too_many_streams', 'Too many streams']],
  [2000, ['cannot_create_topics_directory', 'Cannot create topics directory for stream with ID: …, Path: …']],
  [2001, ['cannot_create_topic_directory', 'Failed to create directory for topic with ID: … for stream with ID: …, Path: …']],
  [2002, ['cannot_create_topic_info', 'Failed to create topic info file for topic with ID: … for stream with ID: ….']],
  [2003, ['cannot_update_topic_info', 'Failed to update topic info for topic with ID: … for stream with ID: ….']],
  [2004, ['cannot_open_topic_info', 'Failed to open topic info file for topic with ID: … for stream with ID: ….']],
  [2005, ['cannot_read_topic_info', 'Failed to read topic info file for topic with ID: … for stream with ID: ….']],
  [2006, ['cannot_create_topic', 'Failed to create topic with ID: … for stream with ID: ….']],
  [2007, ['cannot_delete_topic', 'Failed to delete topic with ID: … for stream with ID: ….']],
  [2008, ['cannot_delete_topic_directory', 'Failed to delete topic directory with ID: … for stream with ID: …, Path: …']],
  [2009, ['cannot_poll_topic', 'Cannot poll topic']],
  [2010, ['topic_id_not_found', 'Topic with ID: … for stream with ID: … was not found.']],
  [2011, ['topic_name_not_found', 'Topic with name: … for stream with ID: … was not found.']],
  [2013, ['topic_name_already_exists', 'Topic with name: … for stream with ID: … already exists.']],
  [2014, ['invalid_topic_name', 'Invalid topic name']],
  [2015, ['too_many_partitions', 'Too many partitions']],
  [2016, ['invalid_topic_id', 'Invalid topic ID']],
  [2017, ['cannot_read_topics', 'Cannot read topics for stream with ID: …']],
  [2018, ['invalid_replication_factor', 'Invalid replication factor']],
  [2019, ['invalid_partitions_count', 'Invalid partitions count']],
  [2020, ['topic_directory_not_found', 'Topic directory: … not found']],
  [2021, ['too_many_topics', 'Too many topics']],
  [3000, ['cannot_create_partition', 'Cannot create partition with ID: … for stream with ID: … and topic with ID: …']],
  [3001, ['cannot_create_partitions_directory', 'Failed to create directory for partitions for stream with ID: … and topic with ID: …']],
  [3002, ['cannot_create_partition_directory', 'Failed to create directory for partition with ID: … for stream with ID: … and topic with ID: …']],
  [3003, ['cannot_open_partition_log_file', 'Cannot open partition log file']],
  [3004, ['cannot_read_partitions', 'Cannot read partitions directories.']],
  [3005, ['cannot_delete_partition', 'Failed to delete partition with ID: … for stream with ID: … and topic with ID: …']],
  [3006, ['cannot_delete_partition_directory', 'Failed to delete partition directory with ID: … for stream with ID: … and topic with ID: …']],
  [3007, ['partition_not_found', 'Partition with ID: … for topic with ID: … for stream with ID: … was not found.']],
  [3008, ['no_partitions', 'Topic with ID: … for stream with ID: … has no partitions.']],
  [3009, ['topic_full', 'Cannot read partitions for topic with ID: … for stream with ID: …']],
  [3010, ['cannot_delete_consumer_offsets_directory', 'Failed to delete consumer offsets directory for path: …']],
  [3011, ['cannot_delete_consumer_offset_file', 'Failed to delete consumer offset file for path: …']],
  [3012, ['cannot_create_consumer_offsets_directory', 'Failed to create consumer offsets directory for path: …']],
  [3013, ['partition_id_space_exhausted', 'Partition id space exhausted for this topic']],
  [3020, ['cannot_read_consumer_offsets', 'Failed to read consumers offsets from path: …']],
  [3021, ['consumer_offset_not_found', 'Consumer offset for consumer with ID: … was not found.']],
  [3022, ['not_resolved_consumer', 'Failed to resolve consumer with ID: …']],
  [3023, ['cannot_open_consumer_offsets_file', 'Cannot open consumer offsets file for path: …']],
  [3024, ['too_many_consumer_offsets', 'Consumer offset limit reached for partition, raise [partition] consumer_offsets_max']],
  [4000, ['segment_not_found', 'Segment not found']],
  [4001, ['segment_closed', 'Segment with start offset: … and partition with ID: … is closed']],
  [4002, ['invalid_segment_size', 'Segment size is invalid']],
  [4003, ['cannot_create_segment_log_file', 'Failed to create segment log file for Path: ….']],
  [4004, ['cannot_create_segment_index_file', 'Failed to create segment index file for Path: ….']],
  [4005, ['cannot_create_segment_time_index_file', 'Failed to create segment time index file for Path: ….']],
  [4006, ['cannot_save_messages_to_segment', 'Cannot save messages to segment.']],
  [4007, ['cannot_save_index_to_segment', 'Cannot save index to segment.']],
  [4008, ['cannot_save_time_index_to_segment', 'Cannot save time index to segment.']],
  [4009, ['invalid_messages_count', 'Invalid messages count']],
  [4010, ['cannot_append_message', 'Cannot append message']],
  [4011, ['cannot_read_message', 'Cannot read message']],
  [4012, ['cannot_read_message_id', 'Cannot read message ID']],
  [4013, ['cannot_read_message_state', 'Cannot read message state']],
  [4014, ['cannot_read_message_timestamp', 'Cannot read message timestamp']],
  [4015, ['cannot_read_headers_length', 'Cannot read headers length']],
  [4016, ['cannot_read_headers_payload', 'Cannot read headers payload']],
  [4017, ['too_big_user_headers', 'Too big headers payload']],
  [4018, ['invalid_header_key', 'Invalid header key']],
  [4019, ['invalid_header_value', 'Invalid header value']],
  [4020, ['cannot_read_message_length', 'Cannot read message length']],
  [4021, ['cannot_read_message_payload', 'Cannot save messages to segment']],
  [4022, ['too_big_message_payload', 'Too big message payload']],
  [4023, ['too_many_messages', 'Too many messages']],
  [4024, ['empty_message_payload', 'Empty message payload']],
  [4025, ['invalid_message_payload_length', 'Invalid message payload length']],
  [4026, ['cannot_read_message_checksum', 'Cannot read message checksum']],
  [4027, ['invalid_message_checksum', 'Invalid message checksum: …, expected: …, for offset: …']],
  [4028, ['invalid_key_value_length', 'Invalid key value length']],
  [4029, ['command_length_error', 'Command length error: …']],
  [4030, ['invalid_segments_count', 'Incorrect Segments Count size: …']],
  [4031, ['non_zero_offset', 'Non-zero offset: … at index: …']],
  [4032, ['non_zero_timestamp', 'Non-zero timestamp: … at index: …']],
  [4033, ['missing_index', 'Missing index: …']],
  [4034, ['invalid_indexes_byte_size', 'Invalid indexes byte size: …B, should be divisible by 16']],
  [4035, ['invalid_indexes_count', 'Invalid indexes count: …, expected: …']],
  [4036, ['invalid_messages_size', 'Invalid messages byte size: …B, expected: …B']],
  [4037, ['too_small_message', 'Too small message: …B, expected: …B']],
  [4038, ['invalid_message_timestamp_delta', 'Invalid message timestamp delta: … microseconds exceeds the per-batch limit']],
  [4039, ['invalid_batch_checksum', 'Invalid batch checksum: …, expected: …, for base offset: …']],
  [4040, ['invalid_header_kind', 'Invalid header kind code: …']],
  [4041, ['unsupported_option_key', 'Unsupported option key: …']],
  [4042, ['invalid_option_value', 'Invalid option value for key: …']],
  [4043, ['options_block_too_large', 'Options block exceeds its limits: …']],
  [4050, ['cannot_send_messages_due_to_client_disconnection', 'Cannot sed messages due to client disconnection']],
  [4051, ['background_send_error', 'Background send error']],
  [4052, ['background_send_timeout', 'Background send timeout']],
  [4053, ['background_send_buffer_full', 'Background send buffer is full']],
  [4054, ['background_worker_disconnected', 'Background worker disconnected']],
  [4055, ['background_send_buffer_overflow', 'Background send buffer overflow']],
  [4056, ['producer_send_failed', 'Producer send failed']],
  [4057, ['producer_closed', 'Producer closed']],
  [4100, ['invalid_offset', 'Invalid offset: …']],
  [4101, ['invalid_reserved_field', 'Invalid reserved field value: …, expected: 0']],
  [4102, ['segment_size_mismatch_at_open', 'Segment file size on disk: … does not match expected size: …']],
  [5000, ['consumer_group_id_not_found', 'Consumer group with ID: … for topic with ID: … was not found.']],
  [5002, ['invalid_consumer_group_id', 'Invalid consumer group ID']],
  [5003, ['consumer_group_name_not_found', 'Consumer group with name: … for topic with ID: … was not found.']],
  [5004, ['consumer_group_name_already_exists', 'Consumer group with name: … for topic with ID: … already exists.']],
  [5005, ['invalid_consumer_group_name', 'Invalid consumer group name']],
  [5006, ['consumer_group_member_not_found', 'Consumer group member with client ID: … for group with ID: … for topic with ID: … was not found.']],
  [5007, ['cannot_create_consumer_group_info', 'Failed to create consumer group info file for ID: … for topic with ID: … for stream with ID: ….']],
  [5008, ['cannot_delete_consumer_group_info', 'Failed to delete consumer group info file for ID: … for topic with ID: … for stream with ID: ….']],
  [
    5009,
    [
      'consumer_group_partition_not_owned',
      'Consumer group member with client ID: … does not own partition: … at the current generation (rebalance in progress).',
    ],
  ],
  [6000, ['missing_base_offset_retained_message_batch', 'Base offset is missing']],
  [6001, ['missing_last_offset_delta_retained_message_batch', 'Last offset delta is missing']],
  [6002, ['missing_max_timestamp_retained_message_batch', 'Max timestamp is missing']],
  [6003, ['missing_length_retained_message_batch', 'Length is missing']],
  [6004, ['missing_payload_retained_message_batch', 'Payload is missing']],
  [7000, ['cannot_read_batch_base_offset', 'Cannot read batch base offset']],
  [7001, ['cannot_read_batch_length', 'Cannot read batch length']],
  [7002, ['cannot_read_last_offset_delta', 'Cannot read batch last offset delta']],
  [7003, ['cannot_read_max_timestamp', 'Cannot read batch maximum timestamp']],
  [7004, ['cannot_read_batch_payload', 'Cannot read batch payload']],
  [8000, ['invalid_connection_string', 'Invalid connection string']],
  [9000, ['snapshot_file_completion_failed', 'Snapshot file completion failed']],
  [10000, ['cannot_serialize_resource', 'Cannot serialize resource']],
  [10001, ['cannot_deserialize_resource', 'Cannot deserialize resource']],
  [10002, ['cannot_read_file', 'Cannot read file']],
  [10003, ['cannot_read_file_metadata', 'Cannot read file metadata']],
  [10004, ['cannot_seek_file', 'Cannot seek file']],
  [10005, ['cannot_append_to_file', 'Cannot append to file']],
  [10006, ['cannot_write_to_file', 'Cannot write to file']],
  [10007, ['cannot_overwrite_file', 'Cannot overwrite file']],
  [10008, ['cannot_delete_file', 'Cannot delete file']],
  [10009, ['cannot_sync_file', 'Cannot sync file']],
  [10010, ['cannot_read_index_offset', 'Cannot read index offset']],
  [10011, ['cannot_read_index_position', 'Cannot read index position']],
  [10012, ['cannot_read_index_timestamp', 'Cannot read index timestamp']],
  [10013, ['timestamp_out_of_range', 'Timestamp out of range: …']],
  [11000, ['shard_not_found', 'Shard not found for stream ID: …, topic ID: …, partition ID: …']],
  [11001, ['shard_communication_error', 'Shard communication error']],
  [12000, ['cannot_bind_to_socket', 'Cannot bind to socket with addr: …']],
  [12001, ['task_timeout', 'Task execution timeout']],
  [13000, ['io_error', 'IO error: …']],
  [14000, ['already_authenticated', 'VSR session already bound; reset before re-binding']],
  [14001, ['invalid_session', 'VSR session value … is invalid (must be non-zero)']],
  [14003, ['incompatible_protocol_version', 'Incompatible binary protocol version: client …, server accepts […, …]']],
]);

/** What the caller should do about the statuses a connector meets in practice. */
const HINTS: ReadonlyMap<number, string> = new Map([
  [40, 'log in first (client.login) or check that the reconnect logged in again'],
  [41, 'the user lacks the permission for this command; grant it or use another user'],
  [42, 'check the username and password (the default root user is iggy/iggy)'],
  [43, 'check the username: 3..50 characters'],
  [44, 'check the password: 3..100 characters'],
  [47, 'the user is inactive; activate it on the server'],
  [53, 'check the personal access token; it may have been deleted'],
  [54, 'the personal access token expired; create a new one'],
  [57, 'the server could not commit the request yet; retry it'],
  [58, 'the server did not accept the request yet; retry it'],
  [1009, 'create the stream first or fix the stream id'],
  [1010, 'create the stream first or fix the stream name'],
  [1012, 'a stream with this name exists; reuse it or pick another name'],
  [1013, 'stream names are 1..255 bytes'],
  [2010, 'create the topic first or fix the topic id'],
  [2011, 'create the topic first or fix the topic name'],
  [2013, 'a topic with this name exists in the stream; reuse it or pick another name'],
  [2014, 'topic names are 1..255 bytes'],
  [3007, 'partition ids are 0-based: a topic with N partitions has ids 0..N-1'],
  [3008, 'create partitions for the topic first'],
  [3021, 'no offset is stored for this consumer yet; poll from the first offset'],
  [4024, 'a message payload must not be empty'],
  [4027, 'a message checksum is wrong: send batches encoded by the codec (XXH3-64 over each message)'],
  [4039, 'the batch checksum is wrong: send batches encoded by the codec (XXH3-64 over the batch)'],
  [4041, 'the server does not know an option key this client sent; upgrade the server or drop the option'],
  [5000, 'create the consumer group first or fix its id'],
  [5003, 'create the consumer group first or fix its name'],
  [5004, 'a consumer group with this name exists; join it instead of creating it'],
  [5006, 'join the consumer group before polling or leaving it'],
  [14003, 'the server speaks another protocol version; use a server of the 0.9.x line (protocol of iggy 0.11)'],
]);

/** A request the server answered with a nonzero status. */
export class IggyError extends RuntimeError {
  /** Iggy's numeric error code (`iggy_common::IggyError` discriminant). */
  readonly status: number;
  /** snake_case variant name, e.g. `stream_id_not_found`; `unknown_<code>` for codes we do not know. */
  readonly statusName: string;

  constructor(status: number, statusName: string, message: string, options?: { cause?: unknown }) {
    super(IGGY_STATUS, message, options);
    this.status = status;
    this.statusName = statusName;
  }

  /** Maps a server status to a typed error; `context` names the command and its arguments. */
  static fromStatus(status: number, context?: string): IggyError {
    const known = IGGY_STATUS_TABLE.get(status);
    const statusName = known?.[0] ?? `unknown_${status}`;
    const text = known?.[1] ?? 'status not known to iggy 0.11';
    const hint = HINTS.get(status);
    const where = context ? `${context}: ` : '';
    return new IggyError(status, statusName, `${where}Iggy status ${status} ${statusName} (${text})${hint ? `; ${hint}` : ''}`);
  }

  /** Whether retrying the same request may succeed (the server said "not yet"). */
  get retryable(): boolean {
    return this.status === 57 || this.status === 58;
  }
}

/** The connection failed or was lost; requests in flight never got their reply. Retryable. */
export class IggyConnectionError extends RuntimeError {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? IGGY_CONNECTION, message, options);
  }
}

/**
 * A request got no reply within its timeout. A connection error too (code IGGY_TIMEOUT): the
 * connection is dropped, since a late reply would desync the in-order reply stream. Retryable.
 */
export class IggyTimeoutError extends IggyConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: IGGY_TIMEOUT });
  }
}

/** The peer sent bytes that are not a valid reply (bad size, unknown command, truncated body). */
export class IggyProtocolError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(IGGY_PROTOCOL, message, options);
  }
}

/** The client was closed by its owner; nothing will be retried. */
export class IggyClosedError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(IGGY_CLOSED, message, options);
  }
}

/** A command argument cannot be encoded (a name longer than 255 bytes, an id out of range); nothing was sent. */
export class IggyArgumentError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(IGGY_ARGUMENT, message, options);
  }
}

/** Whether an error is worth retrying after a reconnect (connection lost, timeout, transient status). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof IggyConnectionError) return true;
  return error instanceof IggyError && error.retryable;
}

/** Eviction reason → Iggy status, as iggy_common's `eviction_reason_to_error` maps them. */
export function evictionStatus(reason: number, windowMax: number, windowMin: number): number {
  switch (reason) {
    case EvictionReason.InvalidCredentials:
      return 42;
    case EvictionReason.InvalidToken:
      return 53;
    case EvictionReason.StaleClient:
      return 30;
    case EvictionReason.MalformedLogin:
      return 4;
    case EvictionReason.IncompatibleProtocol:
      return windowMin === 0 || windowMax < windowMin ? 40 : 14003;
    case EvictionReason.NoSession:
    case EvictionReason.UserInactive:
    case EvictionReason.SessionError:
    case 7: // SessionTooLow
    case 8: // SessionReleaseMismatch
      return 40;
    default:
      return 3;
  }
}
