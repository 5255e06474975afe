/**
 * The page's side of the language worker: sends document updates (numbered, so older answers can
 * be recognised and dropped) and requests (each answered once, by id).
 */
import LanguageWorker from "./language-worker.ts?worker";
import type {
  CompletionAnswer,
  DefinitionAnswer,
  FormatAnswer,
  FromWorker,
  HoverAnswer,
  PreviewRequest,
  ReferencesAnswer,
  RenameAnswer,
  RequestKind,
  ToWorker,
  WireSymbol,
} from "./protocol.js";

type Listener<K extends FromWorker["type"]> = (message: Extract<FromWorker, { type: K }>) => void;

/** A document as the worker needs it: its path, the model's version id and its text. */
export interface DocumentState {
  path: string;
  version: number;
  text: string;
}

export class LanguageClient {
  private readonly worker: Worker;
  private nextId = 1;
  private seq = 0;
  private readonly pending = new Map<number, (message: Extract<FromWorker, { type: "response" }>) => void>();
  private readonly listeners: { [K in FromWorker["type"]]?: Listener<K>[] } = {};
  /** The seq of the newest update sent: answers to older ones are stale. */
  latestSeq = 0;

  constructor() {
    this.worker = new LanguageWorker();
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
  }

  on<K extends FromWorker["type"]>(type: K, listener: Listener<K>): void {
    ((this.listeners[type] ??= []) as Listener<K>[]).push(listener);
  }

  private receive(message: FromWorker): void {
    if (message.type === "response") {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
      return;
    }
    for (const listener of (this.listeners[message.type] ?? []) as Listener<typeof message.type>[])
      listener(message as never);
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  setFiles(files: Record<string, string>): void {
    this.post({ type: "files", files });
  }

  /** Sends a new version of the document; returns its seq. */
  update(document: DocumentState, preview: PreviewRequest): number {
    this.seq += 1;
    this.latestSeq = this.seq;
    this.post({ type: "update", seq: this.seq, ...document, preview });
    return this.seq;
  }

  /** Asks for the verification of a document version (answered by a "verification" message). */
  verify(document: DocumentState, budgetMs: number): void {
    this.post({ type: "verify", ...document, budgetMs });
  }

  private request<T>(
    kind: RequestKind,
    document: DocumentState,
    offset: number,
    newName?: string,
  ): Promise<T | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (message) =>
        message.error ? reject(new Error(message.error)) : resolve(message.result as T | undefined),
      );
      this.post({
        type: "request",
        id,
        kind,
        offset,
        ...document,
        ...(newName !== undefined ? { newName } : {}),
      });
    });
  }

  symbols(document: DocumentState): Promise<WireSymbol[] | undefined> {
    return this.request("symbols", document, 0);
  }

  references(document: DocumentState, offset: number): Promise<ReferencesAnswer | undefined> {
    return this.request("references", document, offset);
  }

  rename(document: DocumentState, offset: number, newName: string): Promise<RenameAnswer | undefined> {
    return this.request("rename", document, offset, newName);
  }

  complete(document: DocumentState, offset: number): Promise<CompletionAnswer | undefined> {
    return this.request("complete", document, offset);
  }

  hover(document: DocumentState, offset: number): Promise<HoverAnswer | undefined> {
    return this.request("hover", document, offset);
  }

  definition(document: DocumentState, offset: number): Promise<DefinitionAnswer | undefined> {
    return this.request("definition", document, offset);
  }

  format(document: DocumentState): Promise<FormatAnswer | undefined> {
    return this.request("format", document, 0);
  }
}
