// The official TypeScript SDK against the local server over its default transport
// (gRPC-web over fetch). Reads its inputs from the environment and prints one JSON
// object; tests/server/test_grpc_web_ts_sdk.py checks the values.
import { createViamClient } from '@viamrobotics/sdk';

const env = process.env;
const out = { requests: [] };
// What a browser would check against the server's CORS answer: each request's method,
// content type and header names, as the SDK hands them to fetch.
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  out.requests.push({
    url: String(input),
    method: init.method,
    contentType: headers.get('content-type'),
    headers: [...headers.keys()],
  });
  return realFetch(input, init);
};
const client = await createViamClient({
  serviceHost: env.SERVICE_HOST,
  credentials: { type: 'api-key', authEntity: env.KEY_ID, payload: env.KEY },
});
const data = client.dataClient;
out.sql = await data.tabularDataBySQL(env.ORG_ID, 'SELECT data.readings.n AS n FROM readings ORDER BY n');
const points = await data.exportTabularData(env.PART_ID, 'counter', 'rdk:component:sensor', 'Readings');
out.exported = points.map((p) => p.payload.readings.n);
out.datasetId = await data.createDataset('from-typescript', env.ORG_ID);
try {
  const bad = await createViamClient({
    serviceHost: env.SERVICE_HOST,
    credentials: { type: 'access-token', payload: 'not-a-token' },
  });
  await bad.dataClient.tabularDataBySQL(env.ORG_ID, 'SELECT 1');
  out.badToken = 'accepted';
} catch (error) {
  out.badToken = { code: error.code, message: String(error.rawMessage ?? error.message) };
}
console.log(JSON.stringify(out));
