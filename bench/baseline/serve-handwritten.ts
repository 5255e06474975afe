/**
 * The baseline of `npm run bench:serve`: a hand-written Node HTTP handler computing the same Binance
 * margin (bench/baseline/binance-handwritten.ts), as an engine team would write it without
 * marginbook. It takes the same request bodies as `marginbook serve` (`{ input }` or `{ inputs }`),
 * checks each input the way hand-written code does (numbers, positive, the side), and answers
 * `{ outputs }` or `{ results: [{ ok, outputs }] }`. Keep-alive, node:http, one process.
 *
 * Run as a child process by bench/serve-speed.ts: it listens on 127.0.0.1, a free port, and prints
 * `listening <port>` on stdout.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { binanceMargin, type BinanceInput } from "./binance-handwritten.js";

function valid(input: unknown): input is BinanceInput {
  const i = input as BinanceInput | null;
  if (
    typeof i !== "object" ||
    i === null ||
    typeof i.position !== "object" ||
    i.position === null ||
    typeof i.market !== "object" ||
    i.market === null
  )
    return false;
  const { size, mark, side } = i.position;
  const { vol_30d: vol, adv } = i.market;
  return (
    typeof size === "number" &&
    size > 0 &&
    Number.isFinite(size) &&
    typeof mark === "number" &&
    Number.isFinite(mark) &&
    (side === "long" || side === "short") &&
    typeof vol === "number" &&
    vol >= 0 &&
    Number.isFinite(vol) &&
    typeof adv === "number" &&
    adv > 0 &&
    Number.isFinite(adv)
  );
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let body: { input?: unknown; inputs?: unknown[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"not JSON"}');
      return;
    }
    let text: string;
    if (Array.isArray(body.inputs)) {
      const results = body.inputs.map((input) =>
        valid(input) ? { ok: true, outputs: binanceMargin(input) } : { ok: false, error: "invalid input" },
      );
      text = JSON.stringify({ results });
    } else if (valid(body.input)) {
      text = JSON.stringify({ outputs: binanceMargin(body.input) });
    } else {
      res.writeHead(422, { "content-type": "application/json" }).end('{"error":"invalid input"}');
      return;
    }
    res
      .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
      .end(text);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
