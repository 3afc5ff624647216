// The labels every per-connector metric carries, spelled as Iggy's runtime spells them.
import type { ConnectorStatus } from '../supervisor/supervisor.js';

export type ConnectorLabel = 'connector_key' | 'connector_type';

export const CONNECTOR_LABELS: readonly ConnectorLabel[] = ['connector_key', 'connector_type'];

export const connectorLabels = (s: Pick<ConnectorStatus, 'key' | 'kind'>): Record<ConnectorLabel, string> => ({
  connector_key: s.key,
  connector_type: s.kind,
});
