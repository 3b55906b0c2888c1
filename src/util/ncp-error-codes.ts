/**
 * The NCP-1 error codes (§9), named once for the layers that speak them: protocol/ puts them on
 * the wire, relay/ answers with them (it may not import protocol/).
 */
export const NCP_ERROR_CODES = {
  versionMismatch: 100,
  messageFormat: 101,
  unsupportedFeature: 102,
  sequence: 103,
  authenticationFailed: 200,
  deviceNotRegistered: 201,
  deviceRevoked: 202,
  sessionExpired: 203,
  operationNotPermitted: 303,
  destinationUnreachable: 400,
  messageTooLarge: 402,
  internal: 500,
  serviceUnavailable: 501,
  resourceExhausted: 502,
  maintenance: 503,
} as const;
