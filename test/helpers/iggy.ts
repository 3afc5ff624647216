// A connected, logged-in client and a throw-away broker, for tests that talk to Iggy directly.
import { pino } from 'pino';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient } from '../../runtime/iggy/index.js';

export async function brokerWithClient(t: { after: (fn: () => Promise<void>) => void }): Promise<{ broker: DevBroker; client: IggyClient }> {
  const logger = pino({ level: 'silent' });
  const broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger });
  const client = new IggyClient({ host: '127.0.0.1', port: broker.port, credentials: { username: 'iggy', password: 'iggy' }, logger });
  await client.connect();
  t.after(async () => {
    await client.close();
    await broker.close();
  });
  return { broker, client };
}
