/**
 * A throwaway ClickHouse server for tests: Debian's `clickhouse-server` (18.16) started on 127.0.0.1
 * with a config of its own (a temporary data folder, free ports) and a cluster `two_shards` of two
 * shards on this same server (databases `shard1` and `shard2`), stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs the server and the client. */
export const CLICKHOUSE_SERVER = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"].find((p) =>
  existsSync(p),
);
export const CLICKHOUSE_CLIENT = ["/usr/bin/clickhouse-client"].find((p) => existsSync(p));

/** A running server. */
export interface ClickHouse {
  url: string;
  tcpPort: number;
  /** Runs a query over HTTP; rejects with the server's message. */
  query(sql: string): Promise<string>;
  /** Runs SQL through `clickhouse-client` (several statements allowed); returns its stdout. */
  client(sql: string): string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function config(folder: string, httpPort: number, tcpPort: number): string {
  const replica = (db: string): string =>
    `<shard><replica><host>127.0.0.1</host><port>${tcpPort}</port><default_database>${db}</default_database></replica></shard>`;
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${folder}/server.log</log><errorlog>${folder}/error.log</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <keep_alive_timeout>600</keep_alive_timeout>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${folder}/data/</path>
  <tmp_path>${folder}/tmp/</tmp_path>
  <users_config>${folder}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <remote_servers><two_shards>${replica("shard1")}${replica("shard2")}</two_shards></remote_servers>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

/** Starts a server and waits until it answers (at most 30 s). */
export async function startClickHouse(): Promise<ClickHouse> {
  if (!CLICKHOUSE_SERVER || !CLICKHOUSE_CLIENT) {
    throw new Error(
      "clickhouse-server is not installed: `apt-get install -y clickhouse-server clickhouse-client` (.ci/run installs it)",
    );
  }
  const folder = mkdtempSync(join(tmpdir(), "marginbook-clickhouse-"));
  const httpPort = await freePort();
  const tcpPort = await freePort();
  writeFileSync(join(folder, "config.xml"), config(folder, httpPort, tcpPort));
  writeFileSync(join(folder, "users.xml"), USERS);
  const child: ChildProcess = spawn(CLICKHOUSE_SERVER, [`--config-file=${join(folder, "config.xml")}`], {
    stdio: "ignore",
    cwd: folder,
  });
  const url = `http://127.0.0.1:${httpPort}/`;
  const query = async (sql: string): Promise<string> => {
    const response = await fetch(url, { method: "POST", body: sql });
    const text = await response.text();
    if (!response.ok) throw new Error(`ClickHouse: ${text.trim()}\n${sql.slice(0, 500)}`);
    return text;
  };
  const stop = (): void => {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, "SIGKILL");
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await query("SELECT 1");
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        stop();
        throw new Error(
          `clickhouse-server did not start (exit ${String(child.exitCode)}); see its log in ${folder}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const client = (sql: string): string => {
    const result = spawnSync(
      CLICKHOUSE_CLIENT,
      ["--host", "127.0.0.1", "--port", String(tcpPort), "--multiquery"],
      { input: sql, encoding: "utf8" },
    );
    if (result.status !== 0) throw new Error(`clickhouse-client: ${result.stderr}`);
    return result.stdout;
  };
  return { url, tcpPort, query, client, stop };
}
