import { cidOfBytes, IdlegridError } from '@idlegrid/protocol';

/**
 * Uploads bytes to `${apiUrl}/v1/artifacts` and checks that the coordinator stored them under
 * their own CID; retries transport failures. Resolves with the CID.
 */
export async function uploadArtifact(
  apiUrl: string,
  bytes: Uint8Array,
  options: { signal?: AbortSignal; attempts?: number } = {},
): Promise<string> {
  const cid = cidOfBytes(bytes);
  const url = `${apiUrl.replace(/\/$/, '')}/v1/artifacts`;
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.attempts ?? 3); attempt++) {
    options.signal?.throwIfAborted();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      lastError = cause;
      continue;
    }
    if (response.status >= 500) {
      lastError = new Error(`POST ${url} answered ${response.status}`);
      continue;
    }
    if (response.status !== 200 && response.status !== 201) {
      throw new IdlegridError('ARTIFACT_FETCH_FAILED', `POST ${url} answered ${response.status}`, {
        details: { cid, status: response.status, body: (await response.text()).slice(0, 500) },
      });
    }
    const stored = ((await response.json()) as { cid?: unknown }).cid;
    if (stored !== cid) {
      throw new IdlegridError('CID_MISMATCH', `the coordinator stored ${String(stored)}, not ${cid}`, {
        details: { expected: cid, actual: stored },
      });
    }
    return cid;
  }
  throw new IdlegridError('ARTIFACT_FETCH_FAILED', `cannot upload to ${url}`, {
    cause: lastError,
    details: { cid },
  });
}
