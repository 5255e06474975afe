/**
 * The service's metrics, rendered in the Prometheus text exposition format (version 0.0.4) at
 * `GET /metrics`: requests by route, method and status; request latency histograms by route;
 * evaluations by rulebook version; errors by code; the versions loaded; reloads and refusals.
 *
 * Counting costs a map lookup and an addition per request, so the fast path stays fast. Route
 * labels are route patterns (`/v1/rulebooks/{name}/evaluate`), never raw paths, so a caller cannot
 * grow the label set; rulebook names come from accepted (signed) artifacts only.
 */

/** Latency bucket upper bounds, in seconds. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

interface Histogram {
  counts: Float64Array;
  sum: number;
  count: number;
}

/** One loaded version, as the `marginbook_rulebook_version_info` gauge shows it. */
export interface LoadedVersionInfo {
  name: string;
  version: string;
  irHash: string;
  inForce: boolean;
}

/** The counters of one server. */
export class ServeMetrics {
  private readonly requests = new Map<string, { n: number }>();
  private readonly latency = new Map<string, Histogram>();
  private readonly evaluations = new Map<string, { n: number }>();
  private readonly errors = new Map<string, number>();
  private readonly reloads = new Map<string, number>();
  private readonly refusals = new Map<string, number>();
  private readonly withdrawals = new Map<string, number>();
  private readonly started = Date.now();

  /** Counts one answered request and its latency. */
  request(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}\u0000${method}\u0000${status}`;
    const counter = this.requests.get(key);
    if (counter)
      counter.n++; // counters are objects: the hot path never writes the map
    else this.requests.set(key, { n: 1 });
    let histogram = this.latency.get(route);
    if (!histogram)
      this.latency.set(
        route,
        (histogram = { counts: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 }),
      );
    histogram.sum += seconds;
    histogram.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        histogram.counts[i]!++;
        break;
      }
    }
  }

  /** Counts `n` evaluations by one rulebook version. */
  evaluated(name: string, version: string, n: number): void {
    const key = `${name}\u0000${version}`;
    const counter = this.evaluations.get(key);
    if (counter) counter.n += n;
    else this.evaluations.set(key, { n });
  }

  /** Counts `n` failed evaluations or refused requests with this code. */
  error(code: string, n = 1): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + n);
  }

  /** Counts a version loaded (hot reload included). */
  reloaded(name: string): void {
    this.reloads.set(name, (this.reloads.get(name) ?? 0) + 1);
  }

  /** Counts an artifact refused, by its code. */
  refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /** Counts a version withdrawn. */
  withdrawn(name: string): void {
    this.withdrawals.set(name, (this.withdrawals.get(name) ?? 0) + 1);
  }

  /** The text exposition of every metric; `loaded` lists the versions loaded now. */
  render(loaded: readonly LoadedVersionInfo[], ready: boolean): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void =>
      void out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family(
      "marginbook_http_requests_total",
      "counter",
      "HTTP requests answered, by route pattern, method and status.",
    );
    for (const [key, { n }] of sorted(this.requests)) {
      const [route, method, status] = key.split("\u0000") as [string, string, string];
      out.push(`marginbook_http_requests_total${labels({ route, method, status })} ${n}`);
    }
    family(
      "marginbook_http_request_duration_seconds",
      "histogram",
      "Time from the request's arrival to the end of the answer, by route pattern.",
    );
    for (const [route, h] of sorted(this.latency)) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((bound, i) => {
        cumulative += h.counts[i]!;
        out.push(
          `marginbook_http_request_duration_seconds_bucket${labels({ route, le: String(bound) })} ${cumulative}`,
        );
      });
      out.push(`marginbook_http_request_duration_seconds_bucket${labels({ route, le: "+Inf" })} ${h.count}`);
      out.push(`marginbook_http_request_duration_seconds_sum${labels({ route })} ${h.sum}`);
      out.push(`marginbook_http_request_duration_seconds_count${labels({ route })} ${h.count}`);
    }
    family(
      "marginbook_evaluations_total",
      "counter",
      "Inputs evaluated successfully, by rulebook and version.",
    );
    for (const [key, { n }] of sorted(this.evaluations)) {
      const [rulebook, version] = key.split("\u0000") as [string, string];
      out.push(`marginbook_evaluations_total${labels({ rulebook, version })} ${n}`);
    }
    family(
      "marginbook_errors_total",
      "counter",
      "Failed evaluations and refused requests, by code (MB6001 invalid input, MB60xx runtime errors, MB62xx refused requests).",
    );
    for (const [code, n] of sorted(this.errors)) out.push(`marginbook_errors_total${labels({ code })} ${n}`);
    family(
      "marginbook_rulebook_version_info",
      "gauge",
      "The rulebook versions loaded (1 each); in_force marks the version in force now.",
    );
    for (const v of loaded)
      out.push(
        `marginbook_rulebook_version_info${labels({ rulebook: v.name, version: v.version, ir_hash: v.irHash, in_force: String(v.inForce) })} 1`,
      );
    family("marginbook_loaded_versions", "gauge", "How many rulebook versions are loaded.");
    out.push(`marginbook_loaded_versions ${loaded.length}`);
    family(
      "marginbook_reloads_total",
      "counter",
      "Rulebook versions loaded since the start (the first load and every hot reload), by rulebook.",
    );
    for (const [rulebook, n] of sorted(this.reloads))
      out.push(`marginbook_reloads_total${labels({ rulebook })} ${n}`);
    family(
      "marginbook_artifacts_refused_total",
      "counter",
      "Artifacts refused (tampered, unsigned, untrusted, invalid), by code.",
    );
    for (const [code, n] of sorted(this.refusals))
      out.push(`marginbook_artifacts_refused_total${labels({ code })} ${n}`);
    family(
      "marginbook_withdrawals_total",
      "counter",
      "Rulebook versions withdrawn since the start, by rulebook.",
    );
    for (const [rulebook, n] of sorted(this.withdrawals))
      out.push(`marginbook_withdrawals_total${labels({ rulebook })} ${n}`);
    family("marginbook_ready", "gauge", "1 when the service is ready (trusted versions loaded), else 0.");
    out.push(`marginbook_ready ${ready ? 1 : 0}`);
    family("marginbook_uptime_seconds", "gauge", "Seconds since the service started.");
    out.push(`marginbook_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    return `${out.join("\n")}\n`;
  }
}

function sorted<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `{a="x",b="y"}` with label values escaped as the format requires (backslash, quote, newline). */
function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return `{${parts.join(",")}}`;
}
