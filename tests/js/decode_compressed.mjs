// Fetches a URL twice through node:http, once with the given Accept-Encoding and once with
// "identity", decodes the first by its Content-Encoding with node:zlib (gunzipSync,
// brotliDecompressSync) and compares the bytes. Prints one JSON report; exit 0 when the decoded
// body equals the identity one byte for byte, 1 when not (or on any error).
//
//   node decode_compressed.mjs --url http://127.0.0.1:8080/openapi.json --accept "br" [--method HEAD]
import http from "node:http";
import zlib from "node:zlib";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function get(url, acceptEncoding, method) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { "Accept-Encoding": acceptEncoding } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function decode(body, encoding) {
  if (!encoding || encoding === "identity") return body;
  if (encoding === "gzip") return zlib.gunzipSync(body);
  if (encoding === "br") return zlib.brotliDecompressSync(body);
  throw new Error(`unexpected Content-Encoding: ${encoding}`);
}

const url = arg("url");
const accept = arg("accept", "gzip, br");
const method = arg("method", "GET");
try {
  const coded = await get(url, accept, method);
  const plain = await get(url, "identity", method);
  const decoded = decode(coded.body, coded.headers["content-encoding"]);
  const report = {
    status: coded.status,
    contentEncoding: coded.headers["content-encoding"] ?? null,
    vary: coded.headers["vary"] ?? null,
    etag: coded.headers["etag"] ?? null,
    contentLength: coded.headers["content-length"] ?? null,
    wireBytes: coded.body.length,
    decodedBytes: decoded.length,
    identityBytes: plain.body.length,
    identityContentEncoding: plain.headers["content-encoding"] ?? null,
    equal: Buffer.compare(decoded, plain.body) === 0,
  };
  console.log(JSON.stringify(report));
  process.exit(report.equal ? 0 : 1);
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
  process.exit(1);
}
