// wasi:sockets and wasi:http with nothing granted: the interfaces exist so that a
// guest built against them loads, and every call that would reach the network
// answers access-denied, an error the guest sees and can report. Guests reach the
// network only through the narrow capabilities in ../capabilities/ (http-client,
// postgres), each call checked against permissions.allowed_hosts.
import { fail } from './fail.js';

const deny = (code: string) => (): never => fail(code);

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

// Guests construct some http resources themselves (headers, requests) before
// calling the handler; those constructors work and hold nothing.
class Fields {
  static fromList(): never {
    return fail({ tag: 'forbidden' });
  }
}
class OutgoingRequest {}
class OutgoingBody {}
class RequestOptions {}
class IncomingRequest {}
class IncomingResponse {}
class IncomingBody {}
class OutgoingResponse {}
class ResponseOutparam {}
class FutureIncomingResponse {}
class FutureTrailers {}

export function deniedImports() {
  return {
    'wasi:sockets/network': { Network },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: deny('access-denied') },
    'wasi:sockets/udp-create-socket': { createUdpSocket: deny('access-denied') },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: deny('access-denied') },
    'wasi:http/outgoing-handler': { handle: () => fail({ tag: 'HTTP-request-denied' }) },
    'wasi:http/types': {
      Fields,
      OutgoingRequest,
      OutgoingBody,
      RequestOptions,
      IncomingRequest,
      IncomingResponse,
      IncomingBody,
      OutgoingResponse,
      ResponseOutparam,
      FutureIncomingResponse,
      FutureTrailers,
      httpErrorCode: () => undefined,
    },
  };
}
