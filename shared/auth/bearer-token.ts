// Extracts the credential from `Authorization: Bearer <token>` (RFC 6750). Keys are accepted
// only there: never from query strings or bodies, which end up in logs and proxies.
const BEARER = /^bearer +([\x21-\x7e]{1,512}) *$/i;

export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}
