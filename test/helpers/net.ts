/** A loopback port nothing listens on (just freed), for "connection refused" and servers that start later. */
export { freeLoopbackPort as freePort } from '../../src/transports/tcp';
